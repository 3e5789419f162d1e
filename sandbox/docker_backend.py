"""Run each job in two fresh hardened Docker containers, watched and killed from the host.

With a pool, the containers of the next jobs are started ahead of time; each pair still serves
exactly one job. Removal happens after the result is returned, off the critical path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait

from .backend import Backend, Check
from .docker_pair import LINGER_S, STARTUP_GRACE_S, Pair
from .errors import EngineUnavailable, ImageMissing, ImageStale, InfrastructureError
from .image.recipe import LABEL_HARNESS, default_image, harness_version
from .model import DEFAULT_IMAGE, Job, Limits, Result
from .orphans import run_labels, sweep_orphans
from .pool import PoolKey, WarmPool
from .stores import STORE_READY_S, language_image, store_image, verify_variant
from .verdict import build_result
from .wire import new_nonce

BUILD_HINT = "run `assessor sandbox build-image`"
# A pooled pair may wait this long, then serve a job of the longest wall time allowed: its
# deadline label (which the orphan sweep reads) must cover both.
MAX_WALL_S = 3600.0
IMAGE_CHECK_S = 5.0  # how long an image's check is trusted (one inspect per run otherwise)
log = logging.getLogger(__name__)


class DockerBackend(Backend):
    """Run jobs in containers from the sandbox image; never pulls, never reuses a container."""

    name = "docker"

    def __init__(
        self,
        client=None,
        image: str | None = None,
        *,
        timeout: int = 60,
        pool_size: int = 0,
        pool_idle_s: float = 300.0,
        warm: tuple[Limits, ...] = (),
        background_removal: bool | None = None,
    ) -> None:
        self._client = client
        self._own_client = client is None  # a client handed in is its owner's to close
        self._timeout = timeout
        self._lock = threading.Lock()
        self.image = image or default_image()
        self.harness_version = harness_version()
        self._checked: dict[str, tuple[float, str]] = {}
        # Removal runs beside the next jobs, not before the result (by default with a pool:
        # one-shot callers, like `doctor`, expect no container left when run() returns).
        if background_removal is None:
            background_removal = pool_size > 0
        self.background_removal = background_removal
        self._removals = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-remove")
        self._pending: set[Future] = set()
        self.pool = None
        self.pooled_runs = 0  # runs served by a pair started ahead of time
        if pool_size > 0:
            self.pool = WarmPool(
                self._start_pooled, self._dispose, size=pool_size, max_idle_s=pool_idle_s
            )
            for limits in warm:
                self.pool.want(PoolKey.of(self.image, limits))

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

    def prepare(
        self, variants: Sequence[str], progress: Callable[[str], None] | None = None
    ) -> None:
        """Build the images of these variants that are missing or stale (cached: seconds)."""
        from .image import ensure_image

        for variant in dict.fromkeys(variants):
            ensure_image(variant=variant, client=self.client, progress=progress)

    def close(self) -> None:
        """Drain the pool, finish removals, and close the engine connection (if ours)."""
        if self.pool is not None:
            self.pool.close()
        self._removals.shutdown(wait=True)
        if self._client is not None and self._own_client:
            self._client.close()

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until every used pair is removed."""
        futures_wait(list(self._pending), timeout=timeout)

    def image_for(self, job: Job) -> str:
        """Return the image a job runs in: its own, or the backend's for the default."""
        return self.image if job.image == DEFAULT_IMAGE else job.image

    def verify_image(self, image: str) -> str:
        """Return `image`'s id; raise ImageMissing or ImageStale unless it has our label."""
        import docker

        checked = self._checked.get(image)
        if checked is not None and time.monotonic() - checked[0] < IMAGE_CHECK_S:
            return checked[1]
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
        self._checked[image] = (time.monotonic(), attrs["Id"])
        return attrs["Id"]

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
            return self._run(job, image, self.verify_image(image))
        except InfrastructureError as exc:
            detail = f"{type(exc).__name__}: {exc}"
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            detail = f"EngineUnavailable: the Docker engine failed: {exc}"
        log.warning("sandbox run failed on the infrastructure: %s", detail)
        return Result.infrastructure_error(detail, duration_s=time.monotonic() - started)

    def _run(self, job: Job, image: str, image_id: str) -> Result:
        nonce = new_nonce()
        key = PoolKey.of(image, job.limits)
        # Service runs start cold for now: their candidate's image is the language's, and
        # their datastores are seeded per job; the pool keeps serving module runs unchanged.
        pooled = self.pool is not None and job.service is None
        pair = self.pool.take(key, image_id) if pooled else None
        if pair is not None:
            self.pooled_runs += 1
        elif job.service is not None:
            pair = self._service_pair(job, image)
        else:
            budget = job.limits.wall_s + STARTUP_GRACE_S
            labels = run_labels(time.time() + budget + LINGER_S)
            pair = Pair(self.client.api, image, job.limits, labels)
        try:
            seen = pair.run(job, nonce)
        finally:
            self._dispose(pair)
        return build_result(job, nonce, seen)

    def _service_pair(self, job: Job, image: str) -> Pair:
        """Start the containers of a service run: the language's, the stores', the tester's."""
        service = job.service
        mine = language_image(service.language)
        if mine in (DEFAULT_IMAGE, default_image()):
            mine = image  # python: the backend's own image, verified already
        else:
            verify_variant(self.client.api, mine)
        for store in service.datastores:
            verify_variant(self.client.api, store_image(store.kind))
        budget = STORE_READY_S + service.startup_s + job.limits.wall_s + STARTUP_GRACE_S
        labels = run_labels(time.time() + budget + LINGER_S)
        return Pair(
            self.client.api, image, job.limits, labels, service=service, candidate_image=mine
        )

    def _start_pooled(self, key: PoolKey) -> Pair:
        """Start a pair for the pool; it may wait, then serve a job of any allowed wall time."""
        image_id = self.verify_image(key.image)
        limits = Limits(
            cpus=key.cpus,
            memory_mb=key.memory_mb,
            pids=key.pids,
            scratch_mb=key.scratch_mb,
            file_mb=key.file_mb,
        )
        deadline = time.time() + self.pool.max_idle_s + MAX_WALL_S + STARTUP_GRACE_S + LINGER_S
        pair = Pair(self.client.api, key.image, limits, run_labels(deadline))
        pair.image_id = image_id
        return pair

    def _dispose(self, pair: Pair) -> None:
        """Remove a used (or unwanted) pair, in the background when so configured."""
        if not self.background_removal:
            pair.close()
            return
        try:
            future = self._removals.submit(pair.close)
        except RuntimeError:  # shutting down: remove it now
            pair.close()
            return
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def check(self) -> list[Check]:
        """Return engine, image and enforcement checks (runs small probe jobs)."""
        from .doctor import docker_checks

        return docker_checks(self)
