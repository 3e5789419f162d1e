"""Run each job in a fresh hardened Docker container, watched and killed from the host."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

from .backend import Backend, Check
from .cgroup import oom_kills
from .container import create_kwargs
from .errors import EngineUnavailable, ImageMissing, ImageStale, InfrastructureError
from .image.recipe import LABEL_HARNESS, default_image, harness_version
from .model import DEFAULT_IMAGE, Job, Result
from .orphans import run_labels, sweep_orphans
from .output import OutputCollector
from .verdict import Observation, build_result
from .wire import new_nonce, request_line

# Container start, interpreter start-up and the final report, on a busy 2-core host; the
# supervisor enforces wall_s itself and the host kills at wall_s + this, as the backstop.
STARTUP_GRACE_S = 5.0
# How long the supervisor waits after its record, so the host can read the cgroup counters of
# a live container; the host removes the container as soon as it has read them.
LINGER_S = 30.0
BUILD_HINT = "run `assessor sandbox build-image`"
log = logging.getLogger(__name__)


def _raw_socket(sock):
    return getattr(sock, "_sock", sock)


def _pump_frames(sock, collector: OutputCollector) -> None:
    """Demultiplex the attach stream into the collector until EOF or the cap."""
    from docker.utils.socket import frames_iter

    try:
        for stream, data in frames_iter(sock, tty=False):
            if not collector.feed(stream, data):
                return
    except (OSError, ValueError):
        pass  # the host hung up (deadline, cap or end of run)
    finally:
        collector.close()


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
        api = self.client.api
        limits = job.limits
        nonce = new_nonce()
        budget = limits.wall_s + STARTUP_GRACE_S
        labels = run_labels(time.time() + budget + LINGER_S)
        kwargs = create_kwargs(image, limits, labels)
        kwargs["host_config"] = api.create_host_config(**kwargs["host_config"])
        container = api.create_container(**kwargs)["Id"]
        collector = OutputCollector(limits.output_kb, nonce)
        sock = raw = reader = None
        try:
            # Attached before start, so not a byte of output is missed.
            sock = api.attach_socket(
                container, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
            raw = _raw_socket(sock)
            raw.settimeout(None)
            reader = threading.Thread(target=_pump_frames, args=(sock, collector), daemon=True)
            reader.start()
            api.start(container)
            started = time.monotonic()
            try:
                raw.sendall(
                    request_line(job, nonce, reap="namespace", linger_s=LINGER_S, cgroup=True)
                )
            except OSError as exc:  # no candidate code has run yet: the run may be retried
                raise EngineUnavailable(f"could not send the job to the container: {exc}") from exc
            # Woken by the record, the end of the stream or the output cap; else the deadline.
            deadline_hit = not collector.done.wait(timeout=budget)
            duration = time.monotonic() - started
            seen = self._inspect(api, container, collector, duration, deadline_hit)
        finally:
            # Hang up first: past the output cap nobody reads the stream, and the engine would
            # block on it and never finish removing the container.
            if raw is not None:
                with contextlib.suppress(OSError):
                    raw.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in poll/recv
                if reader is not None:
                    # Only then close: the reader polls the descriptor by number, and a number
                    # closed under it may be reused by the next API connection.
                    reader.join(timeout=5)
                sock.close()  # the SocketIO wrapper; the socket itself stays open until:
                raw.close()
            self._remove(api, container)
        return build_result(job, nonce, seen)

    @staticmethod
    def _inspect(
        api,
        container: str,
        collector: OutputCollector,
        duration: float,
        deadline_hit: bool,
    ) -> Observation:
        """Gather the engine's and the cgroup's evidence while the container still exists."""
        kills = oom_kills(container)
        state = api.inspect_container(container).get("State") or {}
        evidence = []
        if kills:
            evidence.append(f"memory cgroup oom_kill={kills}")
        if state.get("OOMKilled"):
            evidence.append("engine State.OOMKilled")
        running = state.get("Running", False)
        return Observation(
            stdout=bytes(collector.stdout),
            stderr=bytes(collector.stderr),
            duration_s=duration,
            exit_code=None if running else state.get("ExitCode"),
            deadline_hit=deadline_hit,
            oom_killed=bool(evidence),
            output_exceeded=collector.exceeded,
            evidence=evidence,
        )

    @staticmethod
    def _remove(api, container: str) -> None:
        import docker

        try:
            api.remove_container(container, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            # Left for the orphan sweep: its deadline label has it removed later.
            log.warning("could not remove sandbox container %s: %s", container[:12], exc)

    def check(self) -> list[Check]:
        """Return engine, image and enforcement checks (runs small probe jobs)."""
        from .doctor import docker_checks

        return docker_checks(self)
