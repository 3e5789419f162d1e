"""The images of a service run, and its datastores: seeded on stdin, awaited until ready."""

from __future__ import annotations

import time

from .errors import ImageMissing, ImageStale, InfrastructureError
from .image import FAILED_PREFIXES, READY_LINE, language_image, store_image
from .image.languages import variant_of_image
from .output import OutputCollector

__all__ = ["StoreLog", "await_ready", "language_image", "store_image", "verify_variant"]

STORE_READY_S = 30.0  # a copied cluster starts in about a second; a seed may take longer
STORE_LOG_KB = 64
BUILD_HINT = "run `assessor sandbox build-image`"


def verify_variant(api, image: str) -> str:
    """Return the id of a language's or store's image; raise unless it is built and current."""
    import docker

    try:
        attrs = api.inspect_image(image)
    except docker.errors.ImageNotFound:
        raise ImageMissing(
            f"the sandbox image {image!r} is not on the engine (it is never pulled); {BUILD_HINT}"
        ) from None
    row = variant_of_image(image)
    if row is not None:
        label = ((attrs.get("Config") or {}).get("Labels") or {}).get(row.label)
        if label != row.version():
            raise ImageStale(
                f"the image {image!r} carries {label!r}, this code needs {row.version()!r}; "
                f"{BUILD_HINT}"
            )
    return attrs["Id"]


class StoreLog(OutputCollector):
    """A datastore's output: the head is kept, the rest drained, so the store never blocks."""

    def __init__(self) -> None:
        super().__init__(STORE_LOG_KB)

    def feed(self, stream: int, data: bytes) -> bool:
        """Keep what fits under the cap; always go on reading."""
        super().feed(stream, data)
        return True

    def text(self) -> str:
        """Return what the store printed, for an error message."""
        said = bytes(self.stdout).decode("utf-8", "replace")[-1000:]
        return said + bytes(self.stderr).decode("utf-8", "replace")[-2000:]


def await_ready(kind: str, log: StoreLog, timeout_s: float = STORE_READY_S) -> None:
    """Return once the store said it is ready; raise InfrastructureError on failure or timeout.

    A seed that fails is the challenge's bug (its fixture), never the candidate's: the run
    says nothing of them, and the message shows the store's own words.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen = bytes(log.stdout).decode("utf-8", "replace")
        if READY_LINE in seen:
            return
        seed_failed, start_failed = FAILED_PREFIXES
        if seed_failed in seen:
            raise InfrastructureError(
                f"the {kind} datastore's seed failed (a bug in the challenge's fixture):\n"
                f"{log.text()}"
            )
        if start_failed in seen:
            raise InfrastructureError(f"the {kind} datastore did not start:\n{log.text()}")
        if log.eof:
            raise InfrastructureError(f"the {kind} datastore ended before ready:\n{log.text()}")
        time.sleep(0.02)
    raise InfrastructureError(
        f"the {kind} datastore was not ready within {timeout_s:g} s:\n{log.text()}"
    )
