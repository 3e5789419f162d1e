"""One run on the engine: the candidate's container and the tester's, started, watched, removed.

The candidate's container starts first and holds the only network namespace of the run (no
interface but loopback); the tester's container joins it, so the two share that loopback and
nothing else. A pair may be started ahead of its job (a warm pool): both harnesses then wait on
stdin with their interpreters and pytest loaded. Either way a pair serves exactly one job, is
killed by the host at the deadline, and is removed afterwards.

A service run adds a container per datastore, joined to the same namespace, seeded and ready
before the candidate's service starts; its candidate's container runs the language's image.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

from .cgroup import oom_kills
from .container import create_kwargs, store_kwargs
from .errors import EngineUnavailable, InfrastructureError
from .model import Job, Limits, Service
from .output import OutputCollector
from .stores import STORE_READY_S, StoreLog, await_ready, store_image
from .verdict import CandidateObservation, Observation
from .wire import agent_request, new_agent_name, request_line

# Container start, interpreter start-up and the final report, on a busy 2-core host; the
# supervisor enforces wall_s itself and the host kills at wall_s + this, as the backstop.
STARTUP_GRACE_S = 5.0
# How long the supervisor waits after its record, so the host can read the cgroup counters of
# a live container; the host removes the container as soon as it has read them.
LINGER_S = 30.0
log = logging.getLogger(__name__)


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


class Box:
    """One container of a run: created, attached before start, fed one line, then removed."""

    def __init__(self, api, kwargs: dict, collector: OutputCollector) -> None:
        self.api = api
        kwargs["host_config"] = api.create_host_config(**kwargs["host_config"])
        self.id = api.create_container(**kwargs)["Id"]
        self.collector = collector
        self.sock = self.raw = self.reader = None
        self.oom_seen = 0  # OOM kills read while it ran: its cgroup goes when it ends

    def attach(self) -> None:
        """Attach to stdin/stdout/stderr before start, so not a byte of output is missed."""
        self.sock = self.api.attach_socket(
            self.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
        )
        self.raw = getattr(self.sock, "_sock", self.sock)
        self.raw.settimeout(None)
        self.reader = threading.Thread(
            target=_pump_frames, args=(self.sock, self.collector), daemon=True
        )
        self.reader.start()

    def launch(self) -> None:
        """Start the container: its harness loads, then waits for its request on stdin."""
        self.api.start(self.id)

    def send(self, line: bytes) -> None:
        """Hand the container its request on stdin."""
        try:
            self.raw.sendall(line)
        except OSError as exc:  # nothing of the candidate has run yet: the run may be retried
            raise EngineUnavailable(f"could not send the job to the container: {exc}") from exc

    def feed(self, data: bytes, timeout_s: float) -> None:
        """Write `data` to stdin, then close stdin (a datastore's seed): EOF ends the input."""
        try:
            self.raw.settimeout(timeout_s)
            self.raw.sendall(data)
            self.raw.shutdown(socket.SHUT_WR)
            self.raw.settimeout(None)
        except OSError as exc:
            raise InfrastructureError(f"could not send the seed to a datastore: {exc}") from exc

    def watch_oom(self) -> None:
        """Note the OOM kills so far (a service's container may end, its cgroup with it)."""
        self.oom_seen = max(self.oom_seen, oom_kills(self.id) or 0)

    def running(self) -> bool:
        """Tell whether the container still runs (an engine restart kills a waiting one)."""
        import docker

        try:
            state = self.api.inspect_container(self.id).get("State") or {}
        except docker.errors.APIError:
            return False
        return bool(state.get("Running"))

    def kill(self) -> None:
        """Hang up and kill the container now (a flood); it is removed later."""
        import docker

        # Hang up first: the engine blocks on a stream nobody reads, and would not kill.
        self.hang_up()
        with contextlib.suppress(docker.errors.APIError):
            self.api.kill(self.id)

    def hang_up(self) -> None:
        """Stop reading the container's output."""
        if self.raw is not None:
            with contextlib.suppress(OSError):
                self.raw.shutdown(socket.SHUT_RDWR)

    def inspect(self) -> tuple[dict, list[str]]:
        """Return the engine's state and the OOM evidence, while the container still exists."""
        kills = max(oom_kills(self.id) or 0, self.oom_seen)
        state = self.api.inspect_container(self.id).get("State") or {}
        evidence = [f"memory cgroup oom_kill={kills}"] if kills else []
        if state.get("OOMKilled"):
            evidence.append("engine State.OOMKilled")
        return state, evidence

    def close(self) -> None:
        """Hang up, then remove the container (left to the orphan sweep if the engine refuses)."""
        import docker

        if self.raw is not None:
            # Hang up first: past the output cap nobody reads the stream, and the engine would
            # block on it and never finish removing the container.
            self.hang_up()
            if self.reader is not None:
                # Only then close: the reader polls the descriptor by number, and a number
                # closed under it may be reused by the next API connection.
                self.reader.join(timeout=5)
            self.sock.close()
            self.raw.close()
        try:
            self.api.remove_container(self.id, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            log.warning("could not remove sandbox container %s: %s", self.id[:12], exc)


class Pair:
    """The containers of one run, created, attached and started, then given one job.

    The candidate's and the tester's; for a service run, one more per datastore.
    """

    def __init__(
        self,
        api,
        image: str,
        limits: Limits,
        labels: dict[str, str],
        *,
        service: Service | None = None,
        candidate_image: str | None = None,
    ) -> None:
        self.boxes: list[Box] = []
        self.stores: list[tuple[str, str, Box]] = []  # kind, seed, container
        self.created = time.monotonic()
        try:
            mine = create_kwargs(candidate_image or image, limits, labels, service=bool(service))
            self.candidate = Box(api, mine, OutputCollector())
            self.boxes.append(self.candidate)
            for store in service.datastores if service else ():
                spec = store_kwargs(
                    store_image(store.kind), store.kind, labels, join=self.candidate.id
                )
                box = Box(api, spec, StoreLog())
                self.boxes.append(box)
                self.stores.append((store.kind, store.seed, box))
            join = create_kwargs(image, limits, labels, join=self.candidate.id)
            self.tester = Box(api, join, OutputCollector())
            self.boxes.append(self.tester)
            for box in self.boxes:
                box.attach()  # before start: not a byte of output is missed
            for box in self.boxes:
                box.launch()
        except BaseException:
            self.close()
            raise

    def running(self) -> bool:
        """Tell whether both containers still wait for their job."""
        return all(box.running() for box in self.boxes)

    def run(self, job: Job, nonce: str) -> Observation:
        """Hand over the job and watch it to its end; return what the host saw."""
        limits = job.limits
        agent = new_agent_name()
        self.candidate.collector.arm(limits.output_kb, None)
        self.tester.collector.arm(limits.output_kb, nonce)
        # Seeded and ready before the service starts: it may connect at once.
        for _, seed, box in self.stores:
            box.feed(seed.encode(), STORE_READY_S)
        for kind, _, box in self.stores:
            await_ready(kind, box.collector)
        self.candidate.send(agent_request(job, agent=agent, linger_s=LINGER_S))
        self.tester.send(
            request_line(job, nonce, agent=agent, reap="namespace", linger_s=LINGER_S, cgroup=True)
        )
        started = time.monotonic()
        budget = limits.wall_s + STARTUP_GRACE_S + (job.service.startup_s if job.service else 0)
        deadline_hit = _wait(self.tester, self.candidate, started + budget, bool(job.service))
        duration = time.monotonic() - started
        return _observe(self.tester, self.candidate, duration, deadline_hit)

    def close(self) -> None:
        """Remove every container: the tester and the stores first, the namespace's holder last."""
        for box in reversed(self.boxes):
            box.close()


def _wait(tester: Box, candidate: Box, deadline: float, service: bool = False) -> bool:
    """Wait for the tester's record (or end, or cap); return whether the deadline hit first.

    A candidate over its output cap is killed at once: the tests then see its process gone and
    finish quickly, instead of waiting on a writer nobody reads. When a service's container
    ends (its build failed, or the service exited), the tester hears it from the host and stops
    waiting for the service to answer; the host reports the engine's exit code, a fact, never
    anything the candidate wrote.
    """
    killed = told = False
    while not tester.collector.done.wait(timeout=min(0.05, max(deadline - time.monotonic(), 0))):
        if candidate.collector.exceeded and not killed:
            candidate.kill()
            killed = True
        if service and not told:
            candidate.watch_oom()
            if candidate.collector.eof:
                told = True
                _tell_gone(tester, candidate)
        if time.monotonic() >= deadline:
            return True
    return False


def _tell_gone(tester: Box, candidate: Box) -> None:
    """Tell the tester the candidate's container ended, with the engine's exit code."""
    import docker

    code = "?"
    with contextlib.suppress(docker.errors.APIError):
        for _ in range(20):  # the stream ends a moment before the engine records the exit
            state = candidate.api.inspect_container(candidate.id).get("State") or {}
            if not state.get("Running", False):
                code = str(state.get("ExitCode"))
                break
            time.sleep(0.05)
    with contextlib.suppress(OSError):
        tester.raw.sendall(f"candidate-exited {code}\n".encode())


def _observe(tester: Box, candidate: Box, duration: float, deadline_hit: bool) -> Observation:
    state, evidence = tester.inspect()
    theirs, their_evidence = candidate.inspect()
    return Observation(
        stdout=bytes(tester.collector.stdout),
        stderr=bytes(tester.collector.stderr),
        duration_s=duration,
        exit_code=None if state.get("Running", False) else state.get("ExitCode"),
        deadline_hit=deadline_hit,
        oom_killed=bool(evidence),
        output_exceeded=tester.collector.exceeded,
        evidence=evidence,
        candidate=CandidateObservation(
            output=bytes(candidate.collector.stdout) + bytes(candidate.collector.stderr),
            exit_code=None if theirs.get("Running", False) else theirs.get("ExitCode"),
            oom_killed=bool(their_evidence),
            output_exceeded=candidate.collector.exceeded,
            evidence=their_evidence,
        ),
    )
