"""Assessments: create, edit before and after pinning, pin, duplicate, archive and restore."""

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import (
    Assessment,
    AssessmentItem,
    AssessmentStatus,
    Attempt,
    AuditEvent,
    Challenge,
    Role,
)
from assessor.services import DomainError, NotFound, assessments
from assessor.services.assessments import (
    AssessmentPinned,
    Composition,
    Details,
    ItemSpec,
    NewAssessment,
)
from tests.factories import make_assessment, make_attempt, make_user, make_version


def _new(owner, *slugs, duration=60, **extra):
    return NewAssessment(
        title=extra.pop("title", "Back-end round"),
        duration_minutes=duration,
        owner_id=owner.id,
        items=[ItemSpec(slug=s) for s in slugs],
        **extra,
    )


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _resync(slug):
    """Sync a new version of a challenge: it becomes the current one."""
    return make_version(slug)


def test_create_takes_current_versions_in_order_with_weights(ctx):
    owner = make_user()
    a, b = make_version("alpha"), make_version("beta")
    created = assessments.create_assessment(
        NewAssessment(
            title="  Round one  ",
            duration_minutes=90,
            owner_id=owner.id,
            items=[ItemSpec(slug="beta", weight=2), ItemSpec(slug="alpha")],
            description="Be *kind*.",
            time_budget_minutes=75,
        )
    )
    assert created.title == "Round one" and created.time_budget_minutes == 75
    assert [(i.challenge_version_id, i.weight) for i in created.items] == [(b.id, 2), (a.id, 1)]
    assert created.pinned_at is None and created.status is AssessmentStatus.ACTIVE
    [event] = _events("assessment.create")
    assert event.actor_id == owner.id and event.data["items"] == [[b.id, 2.0], [a.id, 1.0]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": " "}, "title"),
        ({"duration": 0}, "duration"),
        ({"duration": 481}, "duration"),
        ({"slugs": ()}, "at least one challenge"),
        ({"slugs": ("alpha", "alpha")}, "twice"),
        ({"time_budget_minutes": 0}, "time budget"),
    ],
)
def test_create_refuses_what_makes_no_sense(ctx, change, message):
    owner = make_user()
    make_version("alpha")
    slugs = change.pop("slugs", ("alpha",))
    new = _new(owner, *slugs, duration=change.pop("duration", 60), **change)
    with pytest.raises(DomainError, match=message):
        assessments.create_assessment(new)
    assert db.session.scalar(select(Assessment)) is None


def test_create_refuses_unknown_retired_and_zero_weight(ctx):
    owner = make_user()
    make_version("alpha")
    with pytest.raises(NotFound):
        assessments.create_assessment(_new(owner, "nope"))
    gone = make_version("gone")
    gone.challenge.retired_at = gone.created_at
    db.session.commit()
    with pytest.raises(DomainError, match="retired"):
        assessments.create_assessment(_new(owner, "gone"))
    with pytest.raises(DomainError, match="weights"):
        assessments.create_assessment(
            NewAssessment("x", 30, owner.id, items=[ItemSpec(slug="alpha", weight=0)])
        )


def test_editing_before_pinning_follows_the_library(ctx):
    owner = make_user()
    make_version("alpha")
    created = assessments.create_assessment(_new(owner, "alpha"))
    newer = _resync("alpha")
    assessments.update_assessment(created.id, Details("Renamed"), actor_id=owner.id)
    db.session.expire_all()
    assessment = db.session.get(Assessment, created.id)
    assert assessment.items[0].challenge_version_id == newer.id
    [event] = _events("assessment.update")
    assert event.data["changed"] == ["items", "title"]


def test_recomposing_before_pinning_replaces_order_weights_and_duration(ctx):
    owner = make_user()
    a, b, c = make_version("alpha"), make_version("beta"), make_version("gamma")
    created = assessments.create_assessment(_new(owner, "alpha", "beta"))
    assessments.update_assessment(
        created.id,
        Details("Round"),
        Composition(45, [ItemSpec(slug="gamma", weight=3), ItemSpec(slug="alpha")]),
        actor_id=owner.id,
    )
    db.session.expire_all()
    assessment = db.session.get(Assessment, created.id)
    assert assessment.duration_minutes == 45
    assert [(i.position, i.challenge_version_id, i.weight) for i in assessment.items] == [
        (0, c.id, 3),
        (1, a.id, 1),
    ]
    assert b.id not in {i.challenge_version_id for i in assessment.items}


def test_pin_fixes_current_versions_and_is_idempotent(ctx):
    owner = make_user()
    make_version("alpha")
    created = assessments.create_assessment(_new(owner, "alpha"))
    newer = _resync("alpha")  # synced after composing, before the first invitation
    pinned = assessments.pin(created.id, actor_id=owner.id)
    first = pinned.pinned_at
    assert first is not None and pinned.items[0].challenge_version_id == newer.id
    _resync("alpha")
    again = assessments.pin(created.id, actor_id=owner.id)
    assert again.pinned_at == first and again.items[0].challenge_version_id == newer.id
    assert len(_events("assessment.pin")) == 1


def test_pin_refuses_a_retired_challenge(ctx):
    owner = make_user()
    version = make_version("alpha")
    created = assessments.create_assessment(_new(owner, "alpha"))
    version.challenge.retired_at = version.created_at
    db.session.commit()
    with pytest.raises(DomainError, match="retired"):
        assessments.pin(created.id)
    assert db.session.get(Assessment, created.id).pinned_at is None


def test_pin_without_commit_joins_the_callers_transaction(ctx):
    owner = make_user()
    make_version("alpha")
    created = assessments.create_assessment(_new(owner, "alpha"))
    assessments.pin(created.id, commit=False)
    db.session.rollback()  # the invitation that needed the pin was refused
    assert db.session.get(Assessment, created.id).pinned_at is None


def test_after_pinning_edits_never_change_what_candidates_get(ctx):
    owner = make_user()
    a, b = make_version("alpha"), make_version("beta")
    created = assessments.create_assessment(_new(owner, "alpha", duration=60))
    assessments.pin(created.id)
    attempt = make_attempt(db.session.get(Assessment, created.id))
    _resync("alpha")
    given = [(i.id, i.challenge_version_id, i.weight) for i in attempt.assessment.items]

    with pytest.raises(AssessmentPinned, match="Duplicate"):
        assessments.update_assessment(
            created.id, Details("Round"), Composition(60, [ItemSpec(slug="beta")]), actor_id=1
        )
    with pytest.raises(AssessmentPinned):
        assessments.update_assessment(
            created.id, Details("Round"), Composition(90, [ItemSpec(slug="alpha")]), actor_id=1
        )
    with pytest.raises(AssessmentPinned):
        assessments.update_assessment(
            created.id,
            Details("Round"),
            Composition(60, [ItemSpec(slug="alpha", weight=5)]),
            actor_id=1,
        )
    # The same composition (the form sent back unchanged) and the details are fine.
    assessments.update_assessment(
        created.id,
        Details("Renamed", "New words", 50, blind_review=True),
        Composition(60, [ItemSpec(slug="alpha")]),
        actor_id=owner.id,
    )
    assessments.update_assessment(created.id, Details("Renamed again"), actor_id=owner.id)
    db.session.expire_all()
    assessment = db.session.get(Assessment, created.id)
    assert assessment.title == "Renamed again" and assessment.duration_minutes == 60
    assert [(i.id, i.challenge_version_id, i.weight) for i in assessment.items] == given
    assert given[0][1] == a.id and b.id not in {v for _, v, _ in given}


def test_an_assessment_with_candidates_but_no_pin_is_still_fixed(ctx):
    """Rows invited before pinning existed: an edit must not move them to new versions."""
    owner = make_user()
    old = make_version("alpha")
    assessment = make_assessment(owner, versions=[old])
    make_attempt(assessment)
    _resync("alpha")
    assessments.update_assessment(assessment.id, Details("Renamed"), actor_id=owner.id)
    pinned = assessments.pin(assessment.id)
    assert pinned.pinned_at is not None and pinned.items[0].challenge_version_id == old.id


def test_duplicate_is_an_unpinned_copy_on_current_versions(ctx):
    owner, other = make_user(), make_user()
    make_version("alpha")
    source = assessments.create_assessment(
        _new(owner, "alpha", description="Hello", blind_review=True, hide_identity=True)
    )
    assessments.pin(source.id)
    newer = _resync("alpha")
    copy = assessments.duplicate(source.id, actor_id=other.id)
    assert copy.id != source.id and copy.owner_id == other.id
    assert copy.title == "Copy of Back-end round" and copy.pinned_at is None
    assert copy.description == "Hello" and copy.blind_review and copy.hide_identity
    assert [i.challenge_version_id for i in copy.items] == [newer.id]
    [event] = _events("assessment.duplicate")
    assert event.actor_id == other.id and event.data["source_id"] == source.id


def test_archive_and_restore_are_audited_once(ctx):
    owner = make_user()
    assessment = make_assessment(owner)
    assessments.archive(assessment.id, actor_id=owner.id)
    assessments.archive(assessment.id, actor_id=owner.id)
    assert db.session.get(Assessment, assessment.id).status is AssessmentStatus.ARCHIVED
    assessments.restore(assessment.id, actor_id=owner.id)
    assert db.session.get(Assessment, assessment.id).status is AssessmentStatus.ACTIVE
    assert len(_events("assessment.archive")) == 1
    assert [e.data["previous"] for e in _events("assessment.unarchive")] == ["archived"]


def test_hide_identity_only_with_blind_review(ctx):
    owner = make_user(Role.INTERVIEWER)
    make_version("alpha")
    created = assessments.create_assessment(_new(owner, "alpha", hide_identity=True))
    assert created.hide_identity is False


def test_unknown_assessment_is_not_found(ctx):
    with pytest.raises(NotFound):
        assessments.pin(12345)
    assert db.session.scalar(select(Challenge)) is None


def test_a_save_that_changes_nothing_is_not_audited(ctx):
    owner = make_user()
    make_version("alpha")
    created = assessments.create_assessment(_new(owner, "alpha"))
    same = Details(created.title, created.description)
    assessments.update_assessment(created.id, same, actor_id=owner.id)
    assert _events("assessment.update") == []


def test_a_copy_keeps_a_retired_challenge_until_removed(ctx):
    owner = make_user()
    version = make_version("alpha")
    make_version("beta")
    source = assessments.create_assessment(_new(owner, "alpha", "beta"))
    version.challenge.retired_at = version.created_at
    db.session.commit()
    copy = assessments.duplicate(source.id, actor_id=owner.id)
    assert copy.items[0].challenge_version_id == version.id
    with pytest.raises(DomainError, match="retired"):
        assessments.pin(copy.id)
    assessments.update_assessment(
        copy.id, Details("Fixed"), Composition(60, [ItemSpec(slug="beta")]), actor_id=owner.id
    )
    assert assessments.pin(copy.id).pinned_at is not None


def test_the_first_invitation_pins_what_every_candidate_then_gets(ctx):
    """Through the invitation service: later syncs and edits change nothing for candidates."""
    from assessor.services import attempts, invitations

    owner = make_user()
    make_version("alpha")
    created = assessments.create_assessment(_new(owner, "alpha", duration=40))
    at_invitation = _resync("alpha")  # synced after composing: the invitation pins this one
    first, _ = invitations.create_invitation(
        invitations.NewInvitation(created.id, "Ada", "ada@example.test"), actor_id=owner.id
    )
    assert db.session.get(Assessment, created.id).pinned_at is not None
    _resync("alpha")
    assessments.update_assessment(created.id, Details("Renamed", "New words"), actor_id=owner.id)
    second, _ = invitations.create_invitation(
        invitations.NewInvitation(created.id, "Bo", "bo@example.test"), actor_id=owner.id
    )
    for attempt in (first, second):
        attempts.start(attempt.id)
        [item] = attempts.workspace(attempt.id).items
        assert db.session.get(AssessmentItem, item.id).challenge_version_id == at_invitation.id
        deadline = db.session.get(Attempt, attempt.id).deadline_at
        started = db.session.get(Attempt, attempt.id).started_at
        assert round((deadline - started).total_seconds() / 60) == 40
