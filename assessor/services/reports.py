"""An attempt's report for reviewers: scores by skill, tests, code against the starter, timeline,
integrity signals and the scorecards the reader may see, all as plain data."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessor.extensions import db
from assessor.kinds.service import language_of
from assessor.kinds.service_options import LANGUAGES
from assessor.models import Attempt, Draft, Submission, SubmissionKind, SubmissionStatus, User
from assessor.services import NotFound
from assessor.services.audience import EVERYONE, Audience
from assessor.services.dashboard import row_view
from assessor.services.grading import CANDIDATE_OUTPUT_HEADER
from assessor.services.integrity import Integrity, integrity_of
from assessor.services.progress import attempt_progress
from assessor.services.review_views import ReviewSummary, review_summary
from assessor.services.revisions import saves_of
from assessor.services.scorecards import ItemFacts, Spread, item_facts
from assessor.services.scoring import percent_text, round_percent
from assessor.services.submissions import candidate_files
from assessor.services.timeline import TimelineEntry, build_timeline


@dataclasses.dataclass(frozen=True)
class TestLine:
    __test__ = False  # not a pytest test class

    test_id: str
    outcome: str
    points: float
    max_points: float
    visibility: str
    skill: str
    message: str


@dataclasses.dataclass(frozen=True)
class FinalView:
    status: str
    outcome: str | None
    score: float | None
    max_score: float | None
    run_seconds: float | None
    error: str | None
    results: tuple[TestLine, ...]

    @property
    def graded(self) -> bool:
        return self.status == SubmissionStatus.GRADED.value


@dataclasses.dataclass(frozen=True)
class CodeFile:
    path: str
    text: str
    starter: str

    @property
    def changed(self) -> bool:
        return self.text != self.starter


@dataclasses.dataclass(frozen=True)
class ItemReport:
    facts: ItemFacts
    number: int
    kind: str  # the stored kind's name, shown when its plugin is not installed
    sections: tuple[str, ...]  # partials under templates/staff/report/, as the kind orders them
    final: FinalView | None
    files: tuple[CodeFile, ...]
    runs: int
    saves: int
    score: dict[str, Any]  # the dashboard's view of this challenge: label, tone, text
    spreads: tuple[Spread, ...]  # reviewers' points per criterion, when it has a rubric
    language: str | None = None  # the label of the language written in, for a kind offering some
    service_output: str = ""  # what the candidate's service printed in the final run (build first)


@dataclasses.dataclass(frozen=True)
class SkillLine:
    skill: str
    points: float
    out_of: float
    percent: int | None
    text: str


@dataclasses.dataclass(frozen=True)
class AttemptReport:
    id: int
    assessment_id: int
    assessment_title: str
    candidate: str
    email: str
    identity_hidden: bool
    row: dict[str, Any]  # the dashboard row: status, total, decisions, in the same words
    started_at: datetime | None
    submitted_at: datetime | None
    skills: tuple[SkillLine, ...]
    items: tuple[ItemReport, ...]
    timeline: tuple[TimelineEntry, ...]
    integrity: Integrity
    reviews: ReviewSummary


def attempt_report(attempt_id: int, audience: Audience = EVERYONE) -> AttemptReport:
    """Gather everything a reviewer reads about one attempt."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    submissions = list(
        db.session.scalars(
            select(Submission).where(Submission.attempt_id == attempt.id).order_by(Submission.id)
        )
    )
    row = attempt_progress(attempt, audience)
    reviews = review_summary(attempt.id, audience)
    spreads = {item.id: spread for item, spread in reviews.spreads}
    view = row_view(row, tuple(row.skills))
    scores = {s["item_id"]: s for s in view["items"]}
    items = tuple(
        _item(attempt, item, submissions, scores[item.id], spreads.get(item.id, ()))
        for item in attempt.assessment.items
    )
    titles = {i.facts.id: i.facts.title for i in items}
    inviter = db.session.get(User, attempt.invited_by_id) if attempt.invited_by_id else None
    return AttemptReport(
        id=attempt.id,
        assessment_id=attempt.assessment_id,
        assessment_title=attempt.assessment.title,
        candidate=row.candidate_name,
        email=row.candidate_email,
        identity_hidden=row.identity_hidden,
        row=view,
        started_at=attempt.started_at,
        submitted_at=attempt.submitted_at,
        skills=tuple(
            SkillLine(
                skill,
                p,
                m,
                round_percent(row.skill_percent(skill)),
                percent_text(row.skill_percent(skill)),
            )
            for skill, (p, m) in sorted(row.skills.items())
        ),
        items=items,
        timeline=build_timeline(
            attempt, titles, submissions, saves_of(attempt), inviter.name if inviter else None
        ),
        integrity=integrity_of([attempt.id])[attempt.id],
        reviews=reviews,
    )


def _item(attempt, item, submissions, score, spreads) -> ItemReport:
    final = next(
        (s for s in submissions if s.item_id == item.id and s.kind is SubmissionKind.FINAL), None
    )
    draft = db.session.scalar(
        select(Draft).where(Draft.attempt_id == attempt.id, Draft.item_id == item.id)
    )
    starter = item.version.files.get("starter", {})
    source = final.files if final else (draft.files if draft else None)
    language = _language(item.version, final, draft)
    return ItemReport(
        facts=item_facts(item),
        number=item.position + 1,
        kind=item.version.kind,
        sections=tuple(item.version.kind_plugin.report_sections),
        final=_final(final) if final else None,
        files=tuple(
            CodeFile(p, text, starter.get(p, ""))
            for p, text in candidate_files(item.version, source, language).items()
        ),
        runs=sum(1 for s in submissions if s.item_id == item.id and s.kind is SubmissionKind.RUN),
        saves=draft.revision if draft else 0,
        score=score,
        spreads=spreads,
        language=LANGUAGES.get(language, language) if language else None,
        service_output=_candidate_output(final.stdout_tail if final else ""),
    )


def _language(version, final: Submission | None, draft: Draft | None) -> str | None:
    """Return the language written in: the submitted files' folder, else the draft's pick."""
    if not version.kind_plugin.languages(version.material):
        return None
    if final is not None:
        return language_of(final.files or {})
    return draft.language if draft else None


def _candidate_output(stdout_tail: str) -> str:
    # Grading stores the tests' output, then the candidate's own under a header line.
    return (stdout_tail or "").partition(f"\n{CANDIDATE_OUTPUT_HEADER}\n")[2]


def _final(submission: Submission) -> FinalView:
    return FinalView(
        status=submission.status.value,
        outcome=submission.outcome,
        score=submission.score,
        max_score=submission.max_score,
        run_seconds=submission.run_seconds,
        error=submission.error,
        results=tuple(
            TestLine(r.test_id, r.outcome, r.points, r.max_points, r.visibility, r.skill, r.message)
            for r in submission.results
        ),
    )
