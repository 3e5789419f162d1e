"""Run each job in two fresh hardened Docker containers, watched and killed from the host."""

from __future__ import annotations

import logging
import threading
import time

from .backend import Backend, Check
from .docker_pair import LINGER_S, STARTUP_GRACE_S, run_pair
from .errors import EngineUnavailable, ImageMissing, ImageStale, InfrastructureError
from .image.recipe import LABEL_HARNESS, default_image, harness_version
from .model import DEFAULT_IMAGE, Job, Result
from .orphans import run_labels, sweep_orphans
from .verdict import build_result
from .wire import new_nonce

BUILD_HINT = "run `assessor sandbox build-image`"
log = logging.getLogger(__name__)


class DockerBackend(Backend):
    """Run jobs in containers from the sandbox image; never pulls, never reuses a container."""

    name = "docker"

    def __init__(self, client=None, image: str | None = None, *, timeout: int = 60) -> None:
        self._client = client
        self._timeout = timeout
        self._lock = threading.Lock()
        self.image = image or default_image()
        self.harness_version = harness_version()

    @property
    def client(self):
        """Return the Docker client, connecting on first use."""
        with self._lock:
            if self._client is None:
                import docker

                try:
                    self._client = docker.from_env(timeout=self._timeout)
                except docker.errors.DockerException as exc:
                    raise EngineUnavailable(f"cannot reach the Docker engine: {exc}") from exc
            return self._client

    def close(self) -> None:
        """Close the engine connection."""
        if self._client is not None:
            self._client.close()

    def image_for(self, job: Job) -> str:
        """Return the image a job runs in: its own, or the backend's for the default."""
        return self.image if job.image == DEFAULT_IMAGE else job.image

    def verify_image(self, image: str) -> None:
        """Raise ImageMissing or ImageStale unless `image` carries this harness's label."""
        import docker

        try:
            attrs = self.client.api.inspect_image(image)
        except docker.errors.ImageNotFound:
            raise ImageMissing(
                f"the sandbox image {image!r} is not on the engine (it is never pulled); "
                f"{BUILD_HINT}"
            ) from None
        label = ((attrs.get("Config") or {}).get("Labels") or {}).get(LABEL_HARNESS)
        if label != self.harness_version:
            raise ImageStale(
                f"the sandbox image {image!r} carries harness {label!r}, this code needs "
                f"{self.harness_version!r}; {BUILD_HINT}"
            )

    def sweep_orphans(self, **options: object) -> list[str]:
        """Remove containers left by dead workers or past their deadline (see orphans)."""
        return sweep_orphans(self.client, **options)

    def run(self, job: Job) -> Result:
        """Run `job` in a fresh container; engine or image trouble becomes infrastructure_error."""
        import docker
        import requests

        started = time.monotonic()
        try:
            image = self.image_for(job)
            self.verify_image(image)
            return self._run(job, image)
        except InfrastructureError as exc:
            detail = f"{type(exc).__name__}: {exc}"
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            detail = f"EngineUnavailable: the Docker engine failed: {exc}"
        log.warning("sandbox run failed on the infrastructure: %s", detail)
        return Result.infrastructure_error(detail, duration_s=time.monotonic() - started)

    def _run(self, job: Job, image: str) -> Result:
        nonce = new_nonce()
        budget = job.limits.wall_s + STARTUP_GRACE_S
        labels = run_labels(time.time() + budget + LINGER_S)
        return build_result(job, nonce, run_pair(self.client.api, job, image, nonce, labels))

    def check(self) -> list[Check]:
        """Return engine, image and enforcement checks (runs small probe jobs)."""
        from .doctor import docker_checks

        return docker_checks(self)
