"""Every challenge in the library is sound against the real sandbox (issue: challenge library)."""

import shutil
from pathlib import Path

import pytest

import sandbox
from assessor.challenges import SKILLS, read_challenge
from assessor.challenges.validate import validate
from assessor.services.catalog import challenge_folders

LIBRARY = Path(__file__).resolve().parents[2] / "challenges"
FOLDERS = challenge_folders(LIBRARY)


def test_the_library_has_the_promised_breadth():
    specs = [read_challenge(folder) for folder in FOLDERS]
    assert len(specs) >= 12
    assert sum(s.kind == "design" for s in specs) >= 2
    skills = {skill for s in specs for skill in s.skills}
    for needed in (
        "api-design",
        "sql",
        "schema-design",
        "performance",
        "caching",
        "rate-limiting",
        "idempotency",
        "auth",
        "security",
        "concurrency",
        "resilience",
        "system-design",
    ):
        assert needed in skills, f"no challenge exercises {needed}"


def test_service_challenges_cover_every_language_and_datastore():
    services = [s for s in map(read_challenge, FOLDERS) if s.kind == "service"]
    assert len(services) >= 6
    languages = {name for s in services for name in s.options["languages"]}
    assert languages == {"python", "node", "go", "java"}
    assert any(set(s.options["languages"]) == languages for s in services), "none allows all four"
    stores = {store for s in services for store in s.options["services"]}
    assert stores == {"postgres", "redis"}


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_challenge_validates_in_the_real_sandbox(folder):
    spec = read_challenge(folder)
    report = validate(spec, sandbox.DockerBackend(), sandbox.DEFAULT_IMAGE, parallel=2)
    failed = [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
    assert report.ok, f"{folder.name} failed validation: {failed}"
    unknown = {t["skill"] for t in report.manifest} - set(SKILLS)
    assert not unknown, f"tests declare skills outside the vocabulary: {unknown}"


# Flask applications written as `code`: they must validate as `http-api` too before their
# challenge.yaml switches (the generated fixtures must not change any outcome).
FLASK_APPS = [f for f in FOLDERS if (f / "starter" / "app.py").is_file()]


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("folder", FLASK_APPS, ids=[f.name for f in FLASK_APPS])
def test_flask_challenge_validates_as_http_api(folder, tmp_path):
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    yaml_path = copy / "challenge.yaml"
    lines = yaml_path.read_text().splitlines(keepends=True)
    yaml_path.write_text(
        "".join("kind: http-api\n" if ln.startswith("kind:") else ln for ln in lines)
    )
    spec = read_challenge(copy)
    assert spec.kind == "http-api" and spec.options == {"app": "app:create_app"}
    report = validate(spec, sandbox.DockerBackend(), sandbox.DEFAULT_IMAGE, parallel=2)
    assert report.ok, [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
