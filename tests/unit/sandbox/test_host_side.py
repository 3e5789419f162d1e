"""Host-side pieces: the container spec, output capping, OOM evidence, labels and the sweep."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

import sandbox
from sandbox.cgroup import oom_kills
from sandbox.container import LABEL_ROLE, create_kwargs
from sandbox.harness.frame import encode_record
from sandbox.orphans import (
    LABEL,
    LABEL_DEADLINE,
    LABEL_OWNER_HOST,
    LABEL_OWNER_PID,
    is_orphan,
    owner_alive,
    process_start,
    run_labels,
)
from sandbox.output import RECORD_ALLOWANCE, OutputCollector
from sandbox.wire import agent_request, request_line

from .samples import make_job


def test_the_container_spec_carries_every_hardening_option():
    limits = sandbox.Limits(cpus=0.5, memory_mb=128, pids=32, scratch_mb=16, file_mb=2)
    spec = create_kwargs("img:1", limits, {"a": "b"})
    host = spec["host_config"]
    assert host["network_mode"] == "none" and spec["network_disabled"] is True
    assert host["read_only"] is True
    assert host["tmpfs"] == {"/tmp": "rw,nosuid,nodev,noexec,size=16m,mode=1777"}
    assert host["cap_drop"] == ["ALL"]
    assert host["security_opt"] == ["no-new-privileges"]
    assert host["pids_limit"] == 32
    assert host["mem_limit"] == host["memswap_limit"] == "128m"
    assert host["nano_cpus"] == 500_000_000
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in host["ulimits"]}
    assert ulimits == {"nofile": (256, 256), "fsize": (2 * 1024 * 1024,) * 2, "core": (0, 0)}
    assert host["init"] is True
    assert host["log_config"]["Config"]["max-size"]
    assert spec["user"] == "10001:10001"
    assert set(spec["environment"]) == {"PATH", "LANG", "HOME", "PYTHONDONTWRITEBYTECODE"}
    assert spec["labels"] == {"a": "b", LABEL_ROLE: "candidate"} and spec["stdin_open"] is True
    assert spec["command"][-1] == "agent" and spec["hostname"] == "sandbox"


def test_the_tester_joins_the_candidates_namespace_with_the_same_hardening():
    limits = sandbox.Limits(memory_mb=128, pids=32)
    candidate = create_kwargs("img:1", limits, {"a": "b"})
    tester = create_kwargs("img:1", limits, {"a": "b"}, join="c0ffee")
    assert tester["host_config"]["network_mode"] == "container:c0ffee"
    assert tester["labels"][LABEL_ROLE] == "tester" and tester["command"][-1] != "agent"
    assert "hostname" not in tester and "network_disabled" not in tester
    shared = {k: v for k, v in candidate["host_config"].items() if k != "network_mode"}
    assert {k: tester["host_config"][k] for k in shared} == shared
    assert tester["user"] == candidate["user"] and tester["environment"] == candidate["environment"]


def test_the_tester_gets_the_tests_and_module_names_the_agent_only_the_files():
    job = make_job({"limiter.py": "x = 1", "pkg/util.py": "", "notes.txt": ""}, select=("public",))
    tester = json.loads(request_line(job, "n" * 32, agent="bridge-1", reap="namespace"))
    agent = json.loads(agent_request(job, agent="bridge-1"))
    assert tester["nonce"] == "n" * 32 and tester["options"]["reap"] == "namespace"
    assert tester["options"]["agent"] == agent["options"]["address"] == "bridge-1"
    assert tester["job"]["modules"] == ["limiter", "pkg"]
    assert set(tester["job"]) == {"tests", "select", "modules"}  # no candidate file
    assert agent["files"] == dict(job.files) and "nonce" not in agent
    assert set(agent) == {"files", "options"}


def test_output_is_capped_and_the_record_is_noticed():
    nonce = "ab" * 16
    collector = OutputCollector(output_kb=1, nonce=nonce)
    assert collector.feed(1, b"x" * 1000)
    assert not collector.done.is_set()
    record = encode_record(nonce, {"tests": []})
    for index in range(0, len(record), 7):  # the trailer arrives split across frames
        collector.feed(1, record[index : index + 7])
    assert collector.record_seen and collector.done.is_set()
    flooded = OutputCollector(output_kb=1, nonce=nonce)
    assert not flooded.feed(2, b"y" * (1024 + RECORD_ALLOWANCE + 1))
    assert flooded.exceeded and flooded.done.is_set()
    assert flooded.total == 1024 + RECORD_ALLOWANCE
    assert not flooded.feed(1, b"more")


def test_oom_kills_are_read_from_cgroup_v1_and_v2(tmp_path):
    v1 = tmp_path / "memory" / "docker" / "abc"
    v1.mkdir(parents=True)
    (v1 / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    assert oom_kills("abc", root=tmp_path) == 2
    v2 = tmp_path / "system.slice" / "docker-def.scope"
    v2.mkdir(parents=True)
    (v2 / "memory.events").write_text("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")
    assert oom_kills("def", root=tmp_path) == 1
    assert oom_kills("gone", root=tmp_path) is None


def test_labels_name_the_owner_and_deadline():
    labels = run_labels(1_900_000_000.4)
    assert labels[LABEL] == "1"
    assert labels[LABEL_OWNER_HOST] == socket.gethostname()
    assert labels[LABEL_OWNER_PID] == str(os.getpid())
    assert labels[LABEL_DEADLINE] == "1900000000"
    assert owner_alive(labels) is True


@pytest.mark.parametrize(
    "change, orphan",
    [
        ({}, False),  # live owner, deadline ahead
        ({LABEL_DEADLINE: "1000"}, True),  # deadline long past
        ({LABEL_OWNER_PID: "999999999"}, True),  # owner process gone
        ({"org.assessor.sandbox.owner-start": "1"}, True),  # pid reused by another process
        ({LABEL_OWNER_HOST: "elsewhere"}, False),  # another host's live run
        ({LABEL_OWNER_HOST: "elsewhere", LABEL_DEADLINE: "1000"}, True),
        ({LABEL_DEADLINE: "garbage", LABEL_OWNER_HOST: "elsewhere"}, True),
    ],
)
def test_only_orphans_are_swept(change, orphan):
    now = time.time()
    labels = run_labels(now + 600) | change
    assert is_orphan(labels, now) is orphan


def test_process_start_tells_processes_apart():
    assert process_start(os.getpid()) == process_start(os.getpid()) is not None
    assert process_start(999_999_999) is None
