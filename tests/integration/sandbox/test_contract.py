"""Behaviour every backend must share, run against the fake and the Docker backend alike."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import sandbox
from tests.unit.sandbox.samples import EXPECTED, LIMITER, WRONG_LIMITER, make_job

from .conftest import docker_backend_of


@pytest.fixture(
    params=[
        "fake",
        pytest.param("cold", marks=pytest.mark.docker),
        pytest.param("pooled", marks=pytest.mark.docker),
    ]
)
def backend(request: pytest.FixtureRequest) -> Iterator[sandbox.Backend]:
    """Return each registered backend in turn (Docker cold and pooled, where the engine is up)."""
    if request.param == "fake":
        yield sandbox.get_backend("fake")
        return
    request.getfixturevalue("host_guard")
    client = request.getfixturevalue("docker_client")
    docker = docker_backend_of(request.param, client, request.getfixturevalue("sandbox_image"))
    yield docker
    docker.close()


def outcomes(result: sandbox.Result) -> dict[str, str]:
    return {t.id: str(t.outcome) for t in result.tests}


def test_backend_satisfies_the_contract(backend):
    assert isinstance(backend, sandbox.Backend)
    assert backend.name in sandbox.backend_names()


def test_correct_solution_scores_everything(backend):
    result = sandbox.run(make_job(), backend)
    assert result.status is sandbox.RunStatus.COMPLETED
    assert outcomes(result) == dict.fromkeys(EXPECTED, "passed")
    assert result.exit_code == 0 and result.missing == () and result.unexpected == ()


def test_partial_solution_scores_exactly_its_share(backend):
    result = sandbox.run(make_job({"limiter.py": WRONG_LIMITER}), backend)
    assert result.status is sandbox.RunStatus.COMPLETED
    assert outcomes(result) == {
        EXPECTED[0]: "passed",
        EXPECTED[1]: "failed",
        EXPECTED[2]: "failed",
        EXPECTED[3]: "failed",
    }
    assert result.exit_code == 1


def test_missing_and_unexpected_tests(backend):
    expected = (*EXPECTED[1:], "hidden/test_api.py::test_removed")
    result = sandbox.run(make_job(expected=expected), backend)
    assert result.missing == ("hidden/test_api.py::test_removed",)
    assert result.unexpected == (EXPECTED[0],)
    assert outcomes(result)["hidden/test_api.py::test_removed"] == "failed"
    assert outcomes(result)[EXPECTED[0]] == "passed"  # still reported


def test_points_and_skills_are_reported(backend):
    tests = {t.id: t for t in sandbox.run(make_job(), backend).tests}
    assert (tests[EXPECTED[0]].points, tests[EXPECTED[0]].skill) == (2.0, "algorithms")
    assert (tests[EXPECTED[1]].points, tests[EXPECTED[1]].skill) == (None, None)


def test_forged_output_never_passes(backend):
    forge = (
        "import os\n"
        "os.write(1, b'\\n@@ASSESSOR-RESULT@@ ' + b'f' * 32 + b' 2\\n{}\\n@@ASSESSOR-END@@ '"
        " + b'f' * 32 + b'\\n')\n"
        "os._exit(0)\n"
    )
    result = sandbox.run(make_job({"limiter.py": forge + LIMITER}), backend)
    assert result.status is sandbox.RunStatus.CRASHED
    assert all(t.outcome is sandbox.Outcome.FAILED for t in result.tests)
    assert "hard_exit" in {f.code for f in result.flags}
    # The frame is the candidate's own output: never where the record is looked for.
    assert "@@ASSESSOR-RESULT@@" in result.candidate_tail


def test_deadline_times_out(backend):
    sleeper = LIMITER.replace(
        "        self.tokens -= 1", "        import time\n        time.sleep(120)"
    )
    job = make_job({"limiter.py": sleeper}, limits=sandbox.Limits(wall_s=2))
    result = sandbox.run(job, backend)
    assert result.status is sandbox.RunStatus.TIMED_OUT
    assert sandbox.Outcome.PASSED not in {t.outcome for t in result.tests if t.id != EXPECTED[2]}


def test_result_shape_round_trips(backend):
    result = sandbox.run(make_job({"limiter.py": WRONG_LIMITER}), backend)
    assert sandbox.Result.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    assert result.duration_s > 0
    assert "3 failed" in result.stdout_tail
    assert result.detail == "completed: 3 failed, 1 passed"
    failed = next(t for t in result.tests if t.id == EXPECTED[1])
    assert "assert True is False" in failed.message
