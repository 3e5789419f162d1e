"""The harness itself, run on the host through the fake backend: real pytest, real bridge.

The fake backend runs the tester and the candidate's agent as two local processes (no
isolation): what is tested here is the split itself, the bridge and how a run is classified.
Container attacks live in tests/integration/sandbox/test_attacks.py.
"""

from __future__ import annotations

import textwrap

import pytest

import sandbox

from .samples import EXPECTED, LIMITER, WRONG_LIMITER, make_job

PASSED, FAILED, ERROR = sandbox.Outcome.PASSED, sandbox.Outcome.FAILED, sandbox.Outcome.ERROR


def outcomes(result: sandbox.Result) -> dict[str, str]:
    return {t.id: str(t.outcome) for t in result.tests}


def flag_codes(result: sandbox.Result) -> set[str]:
    return {f.code for f in result.flags}


def solution(prefix: str, body: str = LIMITER) -> dict[str, str]:
    return {"limiter.py": textwrap.dedent(prefix) + "\n" + body}


def test_a_correct_solution_passes_everything_with_points_and_skills(fake):
    result = fake.run(make_job())
    assert result.status is sandbox.RunStatus.COMPLETED
    assert outcomes(result) == dict.fromkeys(EXPECTED, "passed")
    first = next(t for t in result.tests if t.id == EXPECTED[0])
    assert (first.points, first.skill) == (2.0, "algorithms")
    second = next(t for t in result.tests if t.id == EXPECTED[1])
    assert (second.points, second.skill) == (None, None)
    assert result.exit_code == 0 and result.flags == ()


def test_a_partial_solution_scores_exactly_what_it_should(fake):
    result = fake.run(make_job({"limiter.py": WRONG_LIMITER}))
    assert result.status is sandbox.RunStatus.COMPLETED
    assert outcomes(result) == {
        EXPECTED[0]: "passed",
        EXPECTED[1]: "failed",
        EXPECTED[2]: "failed",
        EXPECTED[3]: "failed",
    }
    failed = next(t for t in result.tests if t.id == EXPECTED[1])
    assert "assert True is False" in failed.message


def test_selection_runs_only_the_selected_tests(fake):
    result = fake.run(make_job(select=("public",), expected=EXPECTED[:2]))
    assert outcomes(result) == dict.fromkeys(EXPECTED[:2], "passed")


def test_public_and_hidden_modules_may_share_a_basename(fake):
    # Both test files are named test_api.py; importlib mode keeps them apart.
    assert len(fake.run(make_job()).tests) == 4


def test_a_solution_that_does_not_import_fails_every_test(fake):
    result = fake.run(make_job({"limiter.py": "class TokenBucket(:\n"}))
    assert result.status is sandbox.RunStatus.COMPLETED
    assert PASSED not in {t.outcome for t in result.tests}
    assert set(result.missing) == set(EXPECTED)
    assert "syntax_error" in flag_codes(result)


def test_sys_exit_at_import_never_passes(fake):
    result = fake.run(make_job(solution("import sys\nsys.exit(0)")))
    # pytest treats SystemExit during collection as an internal error and stops the session.
    assert result.status is sandbox.RunStatus.CRASHED
    assert "internal error" in result.detail
    assert set(result.missing) == set(EXPECTED)
    assert all(t.outcome is FAILED for t in result.tests)


def test_os_exit_at_import_crashes_the_run_never_a_pass(fake):
    result = fake.run(make_job(solution("import os\nos._exit(0)")))
    assert result.status is sandbox.RunStatus.CRASHED
    assert "the candidate's process ended during collection" in result.detail
    assert PASSED not in {t.outcome for t in result.tests}
    assert "hard_exit" in flag_codes(result)


def test_killing_itself_mid_test_is_a_crash(fake):
    body = LIMITER.replace(
        "        self.tokens -= 1",
        "        import os, signal\n        os.kill(os.getpid(), signal.SIGKILL)",
    )
    result = fake.run(make_job({"limiter.py": body}))
    assert result.status is sandbox.RunStatus.CRASHED
    assert f"ended during {EXPECTED[3]}" in result.detail
    # hidden/ runs first: capacity 0 never reaches the kill, capacity 3 dies in it.
    assert outcomes(result) == {
        EXPECTED[2]: "passed",
        EXPECTED[3]: "failed",
        EXPECTED[0]: "failed",
        EXPECTED[1]: "failed",
    }
    assert all("PeerLost" in t.message for t in result.tests if t.id != EXPECTED[2])


def test_a_crash_never_satisfies_pytest_raises_exception(fake):
    # The candidate's process dying inside a call must not look like "it raised, as expected".
    tests = {
        "public/test_raise.py": (
            "import pytest\nfrom limiter import TokenBucket\n\n"
            "def test_refuses_negative_capacity():\n"
            "    with pytest.raises(Exception):\n"
            "        TokenBucket(-1)\n"
        )
    }
    body = "import os\nclass TokenBucket:\n    def __init__(self, capacity):\n        os._exit(0)\n"
    job = make_job({"limiter.py": body}, tests=tests, expected=())
    result = fake.run(job)
    assert outcomes(result) == {"public/test_raise.py::test_refuses_negative_capacity": "failed"}
    assert result.status is sandbox.RunStatus.CRASHED


def test_result_frames_printed_by_the_candidate_are_only_its_output(fake):
    forged = f"""
    import json, sys
    body = json.dumps({{"tests": [{{"id": i, "outcome": "passed"}} for i in {list(EXPECTED)!r}],
                       "child": {{"finished": True, "pytest_exit": 0}}}})
    for nonce in ("0" * 32, "ab" * 16):
        head = "\\n@@ASSESSOR-RESULT@@ " + nonce + " " + str(len(body)) + "\\n"
        sys.stdout.write(head + body + "\\n@@ASSESSOR-END@@ " + nonce + "\\n")
    print("==== 4 passed in 0.01s ====")
    """
    result = fake.run(make_job(solution(forged, WRONG_LIMITER)))
    assert result.status is sandbox.RunStatus.COMPLETED
    assert outcomes(result)[EXPECTED[1]] == "failed"
    assert "@@ASSESSOR-RESULT@@" in result.candidate_tail
    assert "@@ASSESSOR-RESULT@@" not in result.stdout_tail


def test_writing_to_every_descriptor_reaches_nothing_of_the_tester(fake):
    attack = """
    import os
    for fd in range(3, 256):
        try:
            os.write(fd, b'{"e": "result", "id": "x", "outcome": "passed", "duration_s": 0}\\n')
        except OSError:
            pass
    """
    result = fake.run(make_job(solution(attack, WRONG_LIMITER)))
    assert outcomes(result)[EXPECTED[1]] == "failed"
    assert "forged_events" not in flag_codes(result)


def test_always_equal_objects_never_pass_an_equality_assert(fake):
    cheat = """
    class _Anything:
        def __eq__(self, other):
            return True
        def __hash__(self):
            return 0
        def __bool__(self):
            return True
        def __len__(self):
            return 0
    """
    body = LIMITER.replace("        return True\n", "        return _Anything()\n").replace(
        "            return False", "            return _Anything()"
    )
    result = fake.run(make_job(solution(cheat, body)))
    # `allow() is False` and `[...] == [True, ..., False]` compare in the tester, by identity.
    assert outcomes(result)[EXPECTED[1]] == "failed"
    assert outcomes(result)[EXPECTED[3]] == "failed"
    always_equal = [f for f in result.flags if f.code == "always_equal"]
    assert always_equal and all(f.path == "limiter.py" and f.line for f in always_equal)


def test_sleeping_past_the_deadline_times_out_and_keeps_earlier_results(fake):
    body = LIMITER.replace(
        "        self.tokens -= 1",
        "        import time\n"
        "        time.sleep(60) if self.tokens == 3 else None\n"
        "        self.tokens -= 1",
    )
    result = fake.run(make_job({"limiter.py": body}, limits=sandbox.Limits(wall_s=3)))
    assert result.status is sandbox.RunStatus.TIMED_OUT
    # hidden/ runs first: capacity 0 passes, capacity 3 sleeps, public/ never starts.
    assert outcomes(result) == {
        EXPECTED[2]: "passed",
        EXPECTED[3]: "error",
        EXPECTED[0]: "error",
        EXPECTED[1]: "error",
    }
    messages = {t.id: t.message for t in result.tests}
    assert "ended during this test" in messages[EXPECTED[3]]
    assert messages[EXPECTED[0]].startswith("did not run")


def test_an_output_flood_is_cut_at_the_cap(fake):
    flood = 'import sys\nsys.stdout.write("x" * 64 * 1024 * 1024)\n'
    result = fake.run(make_job(solution(flood), limits=sandbox.Limits(output_kb=64)))
    assert result.status is sandbox.RunStatus.OUTPUT_EXCEEDED
    assert PASSED not in {t.outcome for t in result.tests}
    assert len(result.stdout_tail) <= sandbox.model.TAIL_LIMIT


@pytest.mark.parametrize("name", ["pytest.ini", "pyproject.toml", "setup.cfg"])
def test_candidate_configuration_never_reaches_pytest(fake, name):
    # Even if the policy were bypassed, the harness's own ini and rootdir win.
    config = (
        "[pytest]\naddopts = -p no:python\n"
        if name != "pyproject.toml"
        else ("[tool.pytest.ini_options]\naddopts = '-p no:python'\n")
    )
    result = fake.run(make_job({"limiter.py": LIMITER, name: config}))
    assert outcomes(result) == dict.fromkeys(EXPECTED, "passed")


def test_a_candidate_conftest_is_never_loaded(fake):
    conftest = "import os\nos._exit(0)\n"
    result = fake.run(make_job({"limiter.py": LIMITER, "conftest.py": conftest}))
    assert result.status is sandbox.RunStatus.COMPLETED
    assert outcomes(result) == dict.fromkeys(EXPECTED, "passed")


def test_relative_paths_land_in_the_candidates_scratch_not_in_the_tests(fake):
    files = {
        "limiter.py": LIMITER,
        "store.py": (
            "def save(text):\n    with open('state.txt', 'w') as f:\n        f.write(text)\n"
            "def load():\n    return open('state.txt').read()\n"
        ),
    }
    tests = {
        "public/test_store.py": (
            "import os\nfrom store import load, save\n\n"
            "def test_save():\n"
            "    save('kept')\n"
            "    assert load() == 'kept'\n"
            "    assert not os.path.exists('state.txt')\n"
            "    assert not os.path.exists(os.path.join(os.path.dirname(__file__), 'state.txt'))\n"
        )
    }
    result = fake.run(make_job(files, tests=tests, expected=("public/test_store.py::test_save",)))
    assert outcomes(result) == {"public/test_store.py::test_save": "passed"}


def test_skips_xfails_and_fixture_errors_follow_pytest_semantics(fake):
    suite = textwrap.dedent(
        """
        import pytest
        from limiter import TokenBucket

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture exploded")

        @pytest.fixture
        def noisy_teardown():
            yield
            raise RuntimeError("teardown exploded")

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass

        @pytest.mark.xfail(reason="known bug")
        def test_xfailed():
            assert TokenBucket(0).allow()

        @pytest.mark.xfail(strict=True)
        def test_strict_xpass():
            assert True

        def test_setup_error(broken):
            pass

        def test_teardown_error(noisy_teardown):
            pass
        """
    )
    names = [
        "test_skipped",
        "test_xfailed",
        "test_strict_xpass",
        "test_setup_error",
        "test_teardown_error",
    ]
    job = make_job(
        tests={"hidden/test_modes.py": suite},
        expected=tuple(f"hidden/test_modes.py::{n}" for n in names),
    )
    result = fake.run(job)
    assert {k.split("::")[1]: v for k, v in outcomes(result).items()} == {
        "test_skipped": "skipped",
        "test_xfailed": "skipped",
        "test_strict_xpass": "failed",
        "test_setup_error": "error",
        "test_teardown_error": "error",
    }
    messages = {t.id.split("::")[1]: t.message for t in result.tests}
    assert "not today" in messages["test_skipped"]
    assert "fixture exploded" in messages["test_setup_error"]
    assert "teardown exploded" in messages["test_teardown_error"]


BANK = """\
class AccountError(ValueError):
    pass


class BankAccount:
    def __init__(self):
        self._balance = None

    def open(self):
        if self._balance is not None:
            raise AccountError("account already open")
        self._balance = 0

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be greater than 0")
        self._balance += amount

    def get_balance(self):
        if self._balance is None:
            raise AccountError("account not open")
        return self._balance


def leap_year(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
"""
EXERCISE_SUITE = """\
import unittest

import pytest

from bank import AccountError, BankAccount, leap_year


class BankAccountTest(unittest.TestCase):
    def test_newly_opened_account_has_zero_balance(self):
        account = BankAccount()
        account.open()
        self.assertEqual(account.get_balance(), 0)

    def test_deposit_into_account(self):
        account = BankAccount()
        account.open()
        account.deposit(100)
        self.assertEqual(account.get_balance(), 100)

    def test_cannot_deposit_negative(self):
        account = BankAccount()
        account.open()
        with self.assertRaises(ValueError) as err:
            account.deposit(-50)
        self.assertEqual(type(err.exception), ValueError)
        self.assertEqual(err.exception.args[0], "amount must be greater than 0")

    def test_cannot_open_twice(self):
        account = BankAccount()
        account.open()
        with self.assertRaisesRegex(AccountError, "already open"):
            account.open()


YEARS = [(2015, False), (1996, True), (1900, False), (2000, True)]


@pytest.mark.parametrize("year, expected", YEARS)
def test_leap_year(year, expected):
    assert leap_year(year) is expected
"""


def test_an_exercise_track_suite_runs_unchanged(fake):
    names = [
        "BankAccountTest::test_newly_opened_account_has_zero_balance",
        "BankAccountTest::test_deposit_into_account",
        "BankAccountTest::test_cannot_deposit_negative",
        "BankAccountTest::test_cannot_open_twice",
        *(
            f"test_leap_year[{y}-{e}]"
            for y, e in [(2015, False), (1996, True), (1900, False), (2000, True)]
        ),
    ]
    expected = tuple(f"hidden/test_bank.py::{n}" for n in names)
    job = make_job(
        {"bank.py": BANK}, tests={"hidden/test_bank.py": EXERCISE_SUITE}, expected=expected
    )
    result = fake.run(job)
    assert result.status is sandbox.RunStatus.COMPLETED
    assert outcomes(result) == dict.fromkeys(expected, "passed")
    broken = BANK.replace('raise ValueError("amount must be greater than 0")', "return")
    result = fake.run(
        make_job(
            {"bank.py": broken}, tests={"hidden/test_bank.py": EXERCISE_SUITE}, expected=expected
        )
    )
    assert outcomes(result)[expected[2]] == "failed"


IMPORTS_LIMITER = (
    "from limiter import TokenBucket\n\n\ndef test_one():\n    assert TokenBucket(1)\n"
)


@pytest.mark.parametrize(
    "files, said",
    [
        ({"limiter_v2.py": LIMITER}, "none of your files defines it (expected limiter.py"),
        ({"limiter.py": "import nosuchthing\n" + LIMITER}, 'File "limiter.py", line 1'),
    ],
    ids=["missing-module", "failing-import"],
)
def test_an_import_failure_is_said_once_in_the_candidates_terms(fake, files, said):
    job = make_job(
        files, tests={"public/test_x.py": IMPORTS_LIMITER}, expected=("public/test_x.py::test_one",)
    )
    result = fake.run(job)
    (error,) = [e for e in result.stdout_tail.split("\n") if "Hint:" in e] or [None]
    message = result.tests[0].message
    assert said in message
    assert "sandbox_harness" not in message and "/tmp/" not in message and "Hint:" not in message
    assert error is None  # pytest's "valid Python names" hint is gone from the output too
