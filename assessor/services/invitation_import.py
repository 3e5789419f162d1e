"""Read many candidates at once: pasted `name, email` lines or a CSV file, checked line by line."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

from assessor.services.invitations import (
    MAX_EXTRA_MINUTES,
    MAX_VALID_DAYS,
    InvalidInvitation,
    NewInvitation,
    live_invitations,
    problems_of,
)

MAX_LINES = 500
FORMAT = "`name, email` or `name, email, extra minutes`"
# "Jane Doe <jane@example.com>", as copied from an email client's address field.
ADDRESS = re.compile(r"^\s*\"?(?P<name>[^<>\"]*?)\"?\s*<(?P<email>[^<>\s]+)>\s*$")


@dataclass(frozen=True)
class LineProblem:
    line: int  # 1-based, as the person sees it in their text
    text: str  # the line as typed (shortened)
    problem: str


@dataclass
class Checked:
    """Lines that can be invited, lines that cannot (with why), and lines left out on purpose."""

    ready: list[NewInvitation] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the line of each ready invitation
    problems: list[LineProblem] = field(default_factory=list)
    skipped: list[LineProblem] = field(default_factory=list)


def check_lines(
    assessment_id: int,
    text: str,
    *,
    extra_minutes: int = 0,
    valid_days: int | None = None,
    skip_invited: bool = False,
) -> Checked:
    """Parse and check every line against the rules and the people already invited.

    A line is `name, email` with an optional third field, the candidate's extra minutes (the
    `extra_minutes` argument otherwise). Tabs or semicolons may separate fields instead of
    commas (as pasted from a spreadsheet); blank lines, `#` comments and a `name,email` header
    are ignored. Someone already invited is a problem, or skipped when `skip_invited`.
    """
    if valid_days is not None and not 1 <= valid_days <= MAX_VALID_DAYS:
        raise InvalidInvitation(f"an invitation must be valid for 1 to {MAX_VALID_DAYS} days")
    if not 0 <= extra_minutes <= MAX_EXTRA_MINUTES:
        raise InvalidInvitation(f"extra time must be from 0 to {MAX_EXTRA_MINUTES} minutes")
    result = Checked()
    first_seen: dict[str, int] = {}
    lines = text.splitlines()
    numbered = [(n, line) for n, line in enumerate(lines, 1) if _counts(line)]
    if numbered and _is_header(numbered[0][1]):
        numbered = numbered[1:]
    if len(numbered) > MAX_LINES:
        raise InvalidInvitation(
            f"{len(numbered)} lines: invite at most {MAX_LINES} candidates at once"
        )
    for number, line in numbered:
        new, problem = _parse(assessment_id, line, extra_minutes, valid_days)
        if new is not None:
            problems = problems_of(new)
            problem = "; ".join(problems) if problems else None
        if new is not None and problem is None:
            email = new.candidate_email.strip().lower()
            if email in first_seen:
                problem = f"{email} is already on line {first_seen[email]}"
            else:
                first_seen[email] = number
        if problem:
            result.problems.append(LineProblem(number, _shorten(line), problem))
        else:
            result.ready.append(new)
            result.lines.append(number)
    _set_aside_invited(assessment_id, result, lines, skip_invited)
    if not result.ready and not result.problems and not result.skipped:
        raise InvalidInvitation(
            f"There is no one to invite: write one candidate per line, {FORMAT}."
        )
    return result


def _set_aside_invited(assessment_id: int, result: Checked, lines: list[str], skip: bool) -> None:
    taken = live_invitations(assessment_id, [n.candidate_email for n in result.ready])
    if not taken:
        return
    ready, numbers = [], []
    for new, number in zip(result.ready, result.lines, strict=True):
        existing = taken.get(new.candidate_email.strip().lower())
        if existing is None:
            ready.append(new)
            numbers.append(number)
            continue
        note = (
            f"{existing.candidate_email} is already invited "
            f"({existing.status.value}, since {existing.created_at:%Y-%m-%d})"
        )
        entry = LineProblem(number, _shorten(lines[number - 1]), note)
        (result.skipped if skip else result.problems).append(entry)
    result.ready, result.lines = ready, numbers
    result.problems.sort(key=lambda p: p.line)


def _parse(
    assessment_id: int, line: str, extra_minutes: int, valid_days: int | None
) -> tuple[NewInvitation | None, str | None]:
    fields = [f.strip() for f in next(csv.reader([line], delimiter=_delimiter(line)))]
    while fields and not fields[-1]:
        fields.pop()  # a trailing comma, as spreadsheets write for an empty column
    if len(fields) == 1 and (match := ADDRESS.match(fields[0])):
        fields = [match["name"], match["email"]]
    if len(fields) not in (2, 3):
        found = "1 field" if len(fields) == 1 else f"{len(fields)} fields"
        return None, f"expected {FORMAT}; found {found}"
    name, email = fields[0], fields[1]
    if "@" in name and "@" not in email:
        return None, "the name comes first, then the email address"
    extra = extra_minutes
    if len(fields) == 3:
        try:
            extra = int(fields[2])
        except ValueError:
            return None, f"extra minutes must be a whole number, not {fields[2][:20]!r}"
    return NewInvitation(assessment_id, name, email, extra, valid_days), None


def _delimiter(line: str) -> str:
    for candidate in ("\t", ",", ";"):
        if candidate in line:
            return candidate
    return ","


def _counts(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _is_header(line: str) -> bool:
    fields = [f.strip().lower() for f in next(csv.reader([line], delimiter=_delimiter(line)))]
    return fields[:2] == ["name", "email"]


def _shorten(line: str) -> str:
    line = line.strip()
    return line if len(line) <= 120 else line[:117] + "..."
