"""The embedded queue's consumers wait for a ring instead of polling, and fall back to polling.

A dequeue that returns a task although its wait was far longer than the test proves the ring
woke it: without one it would have returned nothing at the end of its wait.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from assessor import jobs
from assessor.queue_storage import DoorbellSqliteStorage

LONG_WAIT_S = 30  # a dequeue woken by its ring returns long before this


@pytest.fixture
def queue_file(tmp_path):
    return str(tmp_path / "queue.sqlite3")


def storage(queue_file, **options) -> DoorbellSqliteStorage:
    return DoorbellSqliteStorage("test", filename=queue_file, **options)


def dequeue_in_thread(store: DoorbellSqliteStorage, listening: threading.Event):
    """Dequeue once in a new thread; `listening` is set once its listener exists."""

    def run():
        store._listener()
        listening.set()
        return store.dequeue()

    return ThreadPoolExecutor(1).submit(run)


def test_a_task_queued_by_another_process_wakes_a_waiting_dequeue(queue_file):
    consumer = storage(queue_file, read_timeout=LONG_WAIT_S)
    producer = storage(queue_file)  # its own connection, as in the web process
    listening = threading.Event()
    waiting = dequeue_in_thread(consumer, listening)
    assert listening.wait(10)
    producer.enqueue(b"task-1")
    assert waiting.result(timeout=LONG_WAIT_S - 5) == b"task-1"


def test_an_idle_dequeue_times_out_with_nothing(queue_file):
    assert storage(queue_file, read_timeout=0.05).dequeue() is None


def test_a_ring_heard_while_busy_is_not_lost(queue_file):
    consumer = storage(queue_file, read_timeout=LONG_WAIT_S)
    consumer._listener()
    storage(queue_file).enqueue(b"queued-while-busy")
    assert consumer.dequeue() == b"queued-while-busy"


def test_several_threads_and_processes_share_tasks_exactly_once(queue_file):
    consumers = [storage(queue_file, read_timeout=0.2) for _ in range(2)]  # two "processes"
    producer = storage(queue_file)
    taken, lock, stop = [], threading.Lock(), threading.Event()

    def consume(store):
        while not stop.is_set():
            data = store.dequeue()
            if data is not None:
                with lock:
                    taken.append(data)

    threads = [
        threading.Thread(target=consume, args=(store,)) for store in consumers for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    sent = [f"task-{n}".encode() for n in range(30)]
    for data in sent:
        producer.enqueue(data)
    for _ in range(400):
        with lock:
            if len(taken) >= len(sent):
                break
        stop.wait(0.05)
    stop.set()
    for thread in threads:
        thread.join(5)
    assert sorted(taken) == sorted(sent)


def test_without_a_channel_the_consumer_polls(queue_file, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the FIFOs' folder should be")
    consumer = storage(queue_file, read_timeout=LONG_WAIT_S, poll_interval=0.01)
    consumer.doorbell.folder = blocker / "wake"
    assert consumer.dequeue() is None  # one poll, not a 30 s wait
    assert "polling" in caplog.text
    storage(queue_file).enqueue(b"found-by-polling")
    assert consumer.dequeue() == b"found-by-polling"


def test_a_consumer_whose_fifo_was_removed_makes_a_new_one(queue_file):
    consumer = storage(queue_file, read_timeout=0.05)
    first = consumer._listener()
    first.path.unlink()  # someone tidied the folder: rings no longer reach it
    assert consumer.dequeue() is None
    second = consumer._listener()
    assert second is not first and second.intact()
    assert consumer.doorbell.ring("jobs") == 1


def test_the_queue_url_gives_consumers_that_wait(tmp_path):
    sqlite = jobs.make_huey(f"sqlite:///{tmp_path}/q.db")
    assert isinstance(sqlite.storage, DoorbellSqliteStorage) and sqlite.storage.blocking
    redis = jobs.make_huey("redis://127.0.0.1:6379/3")  # BRPOP: no connection made here
    assert redis.storage.blocking and redis.storage.read_timeout == jobs.READ_TIMEOUT_S
