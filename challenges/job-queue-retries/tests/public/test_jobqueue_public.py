import threading
import time

import pytest
from sandbox_harness import remote

from jobqueue import DeadLetter, Job, JobQueue


def payload_object(**fields):
    """A dict-like payload made in the candidate's process, so `is` tells whether the queue copied it.

    A plain dict is copied on its way to the queue, and an object of the test's own would not
    tell either: in the candidate's process, copying a reference to it gives the reference back.
    """
    return remote.import_module("collections").UserDict(fields)


def test_fifo_and_ack():
    q = JobQueue()
    payloads = [payload_object(n=i) for i in range(3)]
    for i, p in enumerate(payloads):
        q.put(f"j{i}", p)
    for i, p in enumerate(payloads):
        job = q.get(timeout=1)
        assert type(job) is Job and type(job.id) is str and type(job.attempt) is int
        assert (job.id, job.attempt) == (f"j{i}", 1) and job.payload is p
        q.ack(job.id)
    stats = q.stats()
    assert type(stats) is dict and all(type(v) is int for v in stats.values())
    assert stats == {"queued": 0, "in_flight": 0, "done": 3, "dead": 0}


@pytest.mark.points(3)
def test_retry_then_dead_letter():
    q = JobQueue(max_attempts=2)
    payload = payload_object(path="a.png")
    q.put("thumb-1", payload)
    job = q.get(timeout=1)
    q.fail(job.id, "timeout")
    job = q.get(timeout=1)
    assert type(job.attempt) is int and job.attempt == 2
    q.fail(job.id, "corrupt")
    dead = q.dead_letters()
    assert len(dead) == 1 and type(dead[0]) is DeadLetter
    assert type(dead[0].id) is str and type(dead[0].attempts) is int and type(dead[0].errors) is tuple
    assert (dead[0].id, dead[0].attempts, dead[0].errors) == ("thumb-1", 2, ("timeout", "corrupt"))
    assert dead[0].payload is payload
    assert q.get(timeout=0) is None


def test_get_times_out_on_empty_queue():
    assert JobQueue().get(timeout=0) is None
    assert JobQueue().get(timeout=0.01) is None


@pytest.mark.points(2)
def test_workers_drain_the_queue_and_exit_on_close():
    q = JobQueue()
    done, lock = [], threading.Lock()

    def worker():
        while (job := q.get(timeout=5)) is not None:
            assert type(job.id) is str
            with lock:
                done.append(job.id)
            q.ack(job.id)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(100):
        q.put(str(i), i)
    assert q.join(timeout=5) is True
    q.close()
    deadline = time.monotonic() + 2  # close() must wake the idle workers: 2 s for all of them
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "close() did not wake the idle workers"
    assert sorted(done, key=int) == [str(i) for i in range(100)]
