import contextlib
import sys
import threading
import time
from collections import Counter

import pytest
from sandbox_harness import remote

from jobqueue import DeadLetter, Job, JobQueue


def info(job):
    """(id, attempt) of a delivered job, checked to be a real str and int."""
    assert type(job) is Job and type(job.id) is str and type(job.attempt) is int, job
    return job.id, job.attempt


def dead_info(letter):
    """(id, attempts, errors) of a dead letter, with exact types checked."""
    assert type(letter) is DeadLetter and type(letter.id) is str and type(letter.attempts) is int, letter
    assert type(letter.errors) is tuple and all(type(e) is str for e in letter.errors), letter
    return letter.id, letter.attempts, letter.errors


def payload_object(**fields):
    """A dict-like payload made in the candidate's process, so `is` tells whether the queue copied it.

    A plain dict is copied on its way to the queue, and an object of the test's own would not
    tell either: in the candidate's process, copying a reference to it gives the reference back.
    """
    return remote.import_module("collections").UserDict(fields)


@contextlib.contextmanager
def frequent_thread_switches():
    """Switch threads every 10 µs, so that races show up; in both processes.

    The code under test runs in the candidate's process: setting only the tester's own switch
    interval would leave the candidate's threads switching every 5 ms, and most races hidden.
    """
    here, there = sys, remote.import_module("sys")
    saved = here.getswitchinterval(), there.getswitchinterval()
    here.setswitchinterval(1e-5)
    there.setswitchinterval(1e-5)
    try:
        yield
    finally:
        here.setswitchinterval(saved[0])
        there.setswitchinterval(saved[1])


def clear_returned_list(obj, method):
    """Call obj.method() and clear the list it returns, both in the candidate's process.

    A list returned to the test is a copy: clearing that could never reach the queue's own list.
    Builtin classes such as map cross by name and would run here: operator.call, a function of
    the candidate's process, runs them there.
    """
    call = remote.import_module("operator").call
    fetch = remote.import_module("builtins").getattr
    lists = call(map, call, call(map, fetch, [obj], [method]))
    call(list, call(map, call, call(map, fetch, lists, ["clear"])))


def stats_of(q):
    stats = q.stats()
    assert type(stats) is dict and all(type(k) is str and type(v) is int for k, v in stats.items()), stats
    return stats


def in_thread(fn):
    """Run fn in a daemon thread; return (thread, result dict)."""
    result = {}

    def target():
        result["value"] = fn()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


def test_validation_and_unique_ids():
    for bad in (0, -1):
        with pytest.raises(ValueError):
            JobQueue(max_attempts=bad)
    q = JobQueue(max_attempts=1)
    q.put("a", 1)
    with pytest.raises(ValueError):
        q.put("a", 2)                      # still queued
    q.ack(q.get(timeout=1).id)
    with pytest.raises(ValueError):
        q.put("a", 3)                      # already done
    q.put("b", 1)
    q.fail(q.get(timeout=1).id, "boom")
    with pytest.raises(ValueError):
        q.put("b", 1)                      # dead
    assert stats_of(q) == {"queued": 0, "in_flight": 0, "done": 1, "dead": 1}


@pytest.mark.points(2)
def test_ack_and_fail_require_an_in_flight_job():
    q = JobQueue(max_attempts=3)
    for method in (q.ack, lambda i: q.fail(i, "x")):
        with pytest.raises(KeyError):
            method("unknown")
    q.put("a", None)
    with pytest.raises(KeyError):
        q.ack("a")                         # queued, not delivered
    job = q.get(timeout=1)
    q.fail(job.id, "first")
    with pytest.raises(KeyError):
        q.ack("a")                         # back in the queue, not in flight
    with pytest.raises(KeyError):
        q.fail("a", "again")
    job = q.get(timeout=1)
    q.ack(job.id)
    with pytest.raises(KeyError):
        q.ack("a")
    with pytest.raises(KeyError):
        q.fail("a", "late")
    assert stats_of(q) == {"queued": 0, "in_flight": 0, "done": 1, "dead": 0}


@pytest.mark.points(3)
@pytest.mark.skill("resilience")
def test_retries_go_to_the_back():
    q = JobQueue(max_attempts=3)
    for name in "abc":
        q.put(name, name.upper())
    first = q.get(timeout=1)
    q.fail(first.id, "e1")
    order = [q.get(timeout=1) for _ in range(3)]
    assert [info(j) for j in order] == [("b", 1), ("c", 1), ("a", 2)]


@pytest.mark.points(3)
@pytest.mark.skill("resilience")
def test_attempts_and_dead_letters():
    q = JobQueue(max_attempts=3)
    payloads = {name: payload_object(name=name) for name in ("x", "y", "z")}
    for name, payload in payloads.items():
        q.put(name, payload)
    deliveries = Counter()
    while (job := q.get(timeout=0)) is not None:
        job_id, attempt = info(job)
        deliveries[job_id] += 1
        assert attempt == deliveries[job_id]
        if (job_id, attempt) == ("y", 2):
            q.ack(job.id)
        else:
            q.fail(job.id, f"{job.id}-{job.attempt}")
    assert deliveries == {"x": 3, "y": 2, "z": 3}
    dead = q.dead_letters()
    assert [dead_info(d) for d in dead] == [("x", 3, ("x-1", "x-2", "x-3")), ("z", 3, ("z-1", "z-2", "z-3"))]
    assert dead[0].payload is payloads["x"] and dead[1].payload is payloads["z"]
    clear_returned_list(q, "dead_letters")
    assert len(q.dead_letters()) == 2      # a copy was returned
    assert stats_of(q) == {"queued": 0, "in_flight": 0, "done": 1, "dead": 2}

    once = JobQueue(max_attempts=1)
    once.put("only", 1)
    once.fail(once.get(timeout=1).id, "nope")
    assert [dead_info(d) for d in once.dead_letters()] == [("only", 1, ("nope",))]


def test_stats_through_the_lifecycle():
    q = JobQueue(max_attempts=2)
    for i in range(4):
        q.put(str(i), i)
    a, b = q.get(timeout=1), q.get(timeout=1)
    assert stats_of(q) == {"queued": 2, "in_flight": 2, "done": 0, "dead": 0}
    q.ack(a.id)
    q.fail(b.id, "x")
    assert stats_of(q) == {"queued": 3, "in_flight": 0, "done": 1, "dead": 0}


@pytest.mark.points(2)
@pytest.mark.skill("concurrency")
def test_blocked_consumer_wakes_on_put():
    q = JobQueue()
    thread, result = in_thread(lambda: q.get(timeout=5))
    time.sleep(0.1)  # let the consumer block on the empty queue
    q.put("late", "payload")
    thread.join(timeout=2)
    assert not thread.is_alive(), "consumer was not woken by put"
    assert info(result["value"]) == ("late", 1)


@pytest.mark.points(3)
@pytest.mark.skill("concurrency")
def test_blocked_consumer_wakes_on_retry():
    q = JobQueue(max_attempts=3)
    q.put("flaky", 1)
    job = q.get(timeout=1)
    thread, result = in_thread(lambda: q.get(timeout=5))
    time.sleep(0.1)  # the second consumer is now blocked: the only job is in flight
    q.fail(job.id, "transient")
    thread.join(timeout=2)
    assert not thread.is_alive(), "consumer was not woken when a failed job was requeued"
    assert info(result["value"]) == ("flaky", 2)


@pytest.mark.points(3)
@pytest.mark.skill("concurrency")
def test_close_wakes_every_blocked_consumer():
    q = JobQueue()
    waiters = [in_thread(lambda: q.get()) for _ in range(3)]  # no timeout: only close can free them
    time.sleep(0.1)
    q.close()
    q.close()
    for thread, _ in waiters:
        thread.join(timeout=2)
    assert not any(thread.is_alive() for thread, _ in waiters), "close() did not wake blocked consumers"
    assert all(result["value"] is None for _, result in waiters)
    with pytest.raises(RuntimeError):
        q.put("after-close", 1)


@pytest.mark.points(2)
def test_close_still_delivers_queued_jobs_and_retries():
    q = JobQueue(max_attempts=2)
    q.put("a", 1)
    q.put("b", 2)
    q.close()
    a = q.get(timeout=1)
    assert info(a) == ("a", 1)
    q.fail(a.id, "retry me")
    assert [info(q.get(timeout=1)), info(q.get(timeout=1))] == [("b", 1), ("a", 2)]
    thread, result = in_thread(lambda: q.get())  # closed and empty: returns at once
    thread.join(timeout=2)
    assert not thread.is_alive() and result["value"] is None


@pytest.mark.points(2)
def test_join():
    q = JobQueue()
    assert q.join(timeout=0) is True
    q.put("a", 1)
    assert q.join(timeout=0.05) is False
    job = q.get(timeout=1)
    assert q.join(timeout=0.05) is False
    thread, result = in_thread(lambda: q.join(timeout=5))
    time.sleep(0.05)
    q.ack(job.id)
    thread.join(timeout=2)
    assert not thread.is_alive() and result["value"] is True


@pytest.mark.points(4)
@pytest.mark.skill("concurrency")
def test_worker_pool_processes_each_job_correctly():
    q = JobQueue(max_attempts=3)
    deliveries = Counter()
    holders = {}
    overlap = []
    lock = threading.Lock()

    def handle(job):
        n = int(job.id)
        if n % 7 == 0:
            raise RuntimeError(f"poison {n}")
        if n % 5 == 0 and job.attempt == 1:
            raise RuntimeError(f"transient {n}")

    def worker(me):
        while (job := q.get(timeout=5)) is not None:
            with lock:
                deliveries[job.id] += 1
                if job.id in holders:
                    overlap.append(job.id)
                holders[job.id] = me
            try:
                handle(job)
            except RuntimeError as exc:
                with lock:
                    del holders[job.id]
                q.fail(job.id, str(exc))
            else:
                with lock:
                    del holders[job.id]
                q.ack(job.id)

    with frequent_thread_switches():
        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(8)]
        for t in threads:
            t.start()
        for n in range(1, 301):
            q.put(str(n), n)
        assert q.join(timeout=20) is True
        q.close()
        for t in threads:
            t.join(timeout=10)  # longer than the workers' own get timeout: close() is tested elsewhere
    assert not any(t.is_alive() for t in threads)
    assert overlap == []
    poison = {str(n) for n in range(1, 301) if n % 7 == 0}
    transient = {str(n) for n in range(1, 301) if n % 5 == 0} - poison
    assert {dead_info(d)[0] for d in q.dead_letters()} == poison
    for job_id, count in deliveries.items():
        assert count == (3 if job_id in poison else 2 if job_id in transient else 1), job_id
    assert len(deliveries) == 300
    assert stats_of(q) == {"queued": 0, "in_flight": 0, "done": 300 - len(poison), "dead": len(poison)}


@pytest.mark.points(2)
@pytest.mark.skill("concurrency")
def test_concurrent_producers_and_consumers():
    q = JobQueue()
    got, lock = [], threading.Lock()
    start = threading.Barrier(8)

    def producer(p):
        start.wait(timeout=5)
        for i in range(250):
            q.put(f"{p}-{i}", (p, i))

    def consumer():
        start.wait(timeout=5)
        while (job := q.get(timeout=5)) is not None:
            with lock:
                got.append(job.payload)
            q.ack(job.id)

    with frequent_thread_switches():
        producers = [threading.Thread(target=producer, args=(p,), daemon=True) for p in range(4)]
        consumers = [threading.Thread(target=consumer, daemon=True) for _ in range(4)]
        for t in producers + consumers:
            t.start()
        for t in producers:
            t.join(timeout=10)
        assert q.join(timeout=10) is True
        q.close()
        for t in consumers:
            t.join(timeout=10)  # longer than the consumers' own get timeout: close() is tested elsewhere
    assert not any(t.is_alive() for t in producers + consumers)
    assert sorted(got) == sorted((p, i) for p in range(4) for i in range(250))
    assert stats_of(q) == {"queued": 0, "in_flight": 0, "done": 1000, "dead": 0}
