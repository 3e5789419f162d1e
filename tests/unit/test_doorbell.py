"""The FIFO doorbell: who a ring reaches, and what is left behind by listeners that died."""

import os
import stat

from assessor.doorbell import Doorbell


def test_a_ring_reaches_the_listeners_of_its_topic_only(tmp_path):
    bell = Doorbell(tmp_path / "wake")
    with bell.listen("run-4") as four, bell.listen("run-42") as forty_two:
        assert bell.ring("run-4") == 1
        assert four.wait(0) is True
        assert forty_two.wait(0) is False
        assert bell.ring("run-4", "run-42") == 2
        assert four.wait(0) and forty_two.wait(0)


def test_rings_heard_while_busy_are_kept_until_cleared(tmp_path):
    bell = Doorbell(tmp_path / "wake")
    with bell.listen("jobs") as listener:
        bell.ring("jobs")
        bell.ring("jobs")
        assert listener.wait(0) is True  # both consumed by one wait
        assert listener.wait(0) is False
        bell.ring("jobs")
        listener.clear()
        assert listener.wait(0) is False


def test_ringing_with_nobody_listening_is_harmless(tmp_path):
    assert Doorbell(tmp_path / "never-made").ring("jobs") == 0


def test_a_listener_removes_its_fifo_when_closed(tmp_path):
    bell = Doorbell(tmp_path / "wake")
    listener = bell.listen("jobs")
    assert listener.path.exists() and stat.S_ISFIFO(listener.path.stat().st_mode)
    listener.close()
    assert not listener.path.exists()
    assert bell.ring("jobs") == 0


def test_a_fifo_left_by_a_dead_listener_is_removed_by_the_next_ring(tmp_path):
    folder = tmp_path / "wake"
    folder.mkdir()
    stale = folder / "jobs.99999.dead.fifo"
    os.mkfifo(stale)  # named like a listener's, but nobody holds it open
    bell = Doorbell(folder)
    with bell.listen("jobs") as alive:
        assert bell.ring("jobs") == 1
        assert alive.wait(0)
    assert not stale.exists()


def test_a_ring_never_writes_into_anything_but_a_fifo(tmp_path):
    folder = tmp_path / "wake"
    folder.mkdir()
    planted = folder / "jobs.1.file.fifo"
    planted.write_bytes(b"keep")
    target = tmp_path / "precious"
    target.write_bytes(b"keep")
    (folder / "jobs.2.link.fifo").symlink_to(target)
    assert Doorbell(folder).ring("jobs") == 0
    assert planted.read_bytes() == b"keep" and target.read_bytes() == b"keep"


def test_a_listener_whose_fifo_was_removed_knows_it(tmp_path):
    with Doorbell(tmp_path / "wake").listen("jobs") as listener:
        assert listener.intact()
        listener.path.unlink()
        assert not listener.intact()
