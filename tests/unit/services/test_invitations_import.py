"""Many candidates at once: every line checked, each problem with its line number."""

from __future__ import annotations

import pytest

from assessor.services.invitation_import import MAX_LINES, check_lines
from assessor.services.invitations import InvalidInvitation, NewInvitation, create_invitation
from tests.factories import make_assessment


@pytest.fixture
def assessment(ctx):
    return make_assessment()


def people(checked):
    return [(n.candidate_name, n.candidate_email, n.extra_minutes) for n in checked.ready]


def problems(checked):
    return [(p.line, p.problem) for p in checked.problems]


def test_good_lines_in_every_accepted_shape(assessment):
    text = "\n".join(
        [
            "name,email,extra_minutes",  # a header is ignored
            "Ada Lovelace, ada@example.test",
            "",
            "# a comment",
            '"Hopper, Grace", grace@example.test, 30',
            "Alan Turing\talan@example.test",  # pasted from a spreadsheet
            "Edsger Dijkstra; edsger@example.test;",
            "Barbara Liskov <barbara@example.test>",  # copied from an address field
        ]
    )
    checked = check_lines(assessment.id, text, extra_minutes=10)
    assert checked.problems == []
    assert people(checked) == [
        ("Ada Lovelace", "ada@example.test", 10),
        ("Hopper, Grace", "grace@example.test", 30),
        ("Alan Turing", "alan@example.test", 10),
        ("Edsger Dijkstra", "edsger@example.test", 10),
        ("Barbara Liskov", "barbara@example.test", 10),
    ]
    assert checked.lines == [2, 5, 6, 7, 8]


def test_each_bad_line_says_its_number_and_what_is_wrong(assessment):
    text = "\n".join(
        [
            "Ada Lovelace, ada@example.test",
            "just a name",
            "bob@example.test, Bob",
            "Carol, carol@",
            "Dan, dan@example.test, lots",
            "Eve, eve@example.test, 5, extra",
            "Ada again, ADA@example.test",
            ", nameless@example.test",
            "Fay, fay@example.test, 2000",
        ]
    )
    checked = check_lines(assessment.id, text)
    assert problems(checked) == [
        (2, "expected `name, email` or `name, email, extra minutes`; found 1 field"),
        (3, "the name comes first, then the email address"),
        (4, "'carol@' is not an email address"),
        (5, "extra minutes must be a whole number, not 'lots'"),
        (6, "expected `name, email` or `name, email, extra minutes`; found 4 fields"),
        (7, "ada@example.test is already on line 1"),
        (8, "the name is empty"),
        (9, "extra time must be from 0 to 1440 minutes"),
    ]
    assert checked.problems[1].text == "bob@example.test, Bob"
    assert people(checked) == [("Ada Lovelace", "ada@example.test", 0)]


def test_someone_already_invited_is_a_problem_or_skipped(assessment):
    create_invitation(NewInvitation(assessment.id, "Ada", "ada@example.test"))
    text = "Bo, bo@example.test\nAda L., Ada@Example.test"
    flagged = check_lines(assessment.id, text)
    assert [p.line for p in flagged.problems] == [2]
    assert "already invited (invited, since" in flagged.problems[0].problem
    skipped = check_lines(assessment.id, text, skip_invited=True)
    assert skipped.problems == [] and [p.line for p in skipped.skipped] == [2]
    assert people(skipped) == [("Bo", "bo@example.test", 0)]


def test_nothing_to_invite_is_said_plainly(assessment):
    with pytest.raises(InvalidInvitation, match="no one to invite"):
        check_lines(assessment.id, "\n# only a comment\n\n")


def test_a_huge_paste_is_refused_whole(assessment):
    text = "\n".join(f"P{i}, p{i}@example.test" for i in range(MAX_LINES + 1))
    with pytest.raises(InvalidInvitation, match=f"at most {MAX_LINES}"):
        check_lines(assessment.id, text)


@pytest.mark.parametrize(("days", "extra"), [(0, 0), (366, 0), (7, -1)])
def test_batch_options_are_checked_once(assessment, days, extra):
    with pytest.raises(InvalidInvitation):
        check_lines(assessment.id, "Ada, ada@example.test", valid_days=days, extra_minutes=extra)
