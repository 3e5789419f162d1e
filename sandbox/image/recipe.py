"""What the sandbox image contains, and the version label that ties it to this harness."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
HARNESS_DIR = PACKAGE_DIR / "harness"
REQUIREMENTS = Path(__file__).resolve().parent / "requirements.txt"
RECIPE_VERSION = "3"  # bump when the image layout changes without the harness changing
LABEL_HARNESS = "org.assessor.sandbox.harness"
PYTHON_VERSION = "3.11"
SITE_DIR = f"/usr/local/lib/python{PYTHON_VERSION}/dist-packages"
HARNESS_MODULE = "sandbox_harness"
# A uid no host account is likely to have: if the container were ever escaped, the process
# would own nothing on the host.
SANDBOX_UID = 10001
SANDBOX_USER = "sandbox"
IMAGE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/tmp",  # noqa: S108 - the container's private tmpfs
    "PYTHONDONTWRITEBYTECODE": "1",
}
HARNESS_COMMAND = ("python3", "-I", "-B", "-m", HARNESS_MODULE)
AGENT_COMMAND = (*HARNESS_COMMAND, "agent")


def harness_files() -> list[Path]:
    """Return the harness's source files, in a stable order."""
    return sorted(HARNESS_DIR.glob("*.py"))


def requirement_pins() -> list[str]:
    """Return the image's pinned libraries (name==version lines)."""
    lines = REQUIREMENTS.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def harness_version() -> str:
    """Return the hash of everything the image is built from, used as its label."""
    digest = hashlib.sha256(f"recipe {RECIPE_VERSION}\n".encode())
    digest.update("\n".join(requirement_pins()).encode())
    for path in harness_files():
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def default_image() -> str:
    """Return the image name from SANDBOX_IMAGE, else the package default."""
    from ..model import DEFAULT_IMAGE

    return os.environ.get("SANDBOX_IMAGE") or DEFAULT_IMAGE


def import_changes(version: str) -> list[str]:
    """Return the Dockerfile instructions `docker import` applies to the offline root fs."""
    changes = [
        f"LABEL {LABEL_HARNESS}={version}",
        f"USER {SANDBOX_UID}:{SANDBOX_UID}",
        "WORKDIR /tmp",
    ]
    changes += [f"ENV {key}={value}" for key, value in IMAGE_ENV.items()]
    changes.append("CMD " + str(list(HARNESS_COMMAND)).replace("'", '"'))
    return changes
