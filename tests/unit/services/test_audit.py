"""The audit log read back: filters, keyset pages newest first, and entries as sentences."""

from datetime import date, datetime, timedelta

import pytest

from assessor.extensions import db
from assessor.models import AuditEvent, Role, utcnow
from assessor.services import audit
from assessor.services.audit import AuditQuery
from tests.factories import make_assessment, make_user


def add(action, *, actor=None, target=None, at=None, **data):
    event = audit.record(action, actor_id=actor.id if actor else None, target=target, **data)
    if at is not None:
        event.at = at
    db.session.commit()
    return event


@pytest.fixture
def people(ctx):
    return make_user(Role.ADMIN), make_user(Role.INTERVIEWER)


def test_newest_first_and_filtered_by_who_what_and_object(people):
    admin, ivan = people
    add("user.role_change", actor=admin, target=ivan, old="interviewer", new="author")
    add("assessment.create", actor=ivan, target=make_assessment(ivan))
    add("user.deactivate", actor=admin, target=ivan)
    add("user.create", target=ivan, role="interviewer", via="cli")

    everything = audit.search(AuditQuery())
    assert [e.action for e in everything.entries] == [
        "user.create",
        "user.deactivate",
        "assessment.create",
        "user.role_change",
    ]
    by_admin = audit.search(AuditQuery(actor=str(admin.id)))
    assert {e.action for e in by_admin.entries} == {"user.role_change", "user.deactivate"}
    nobody = audit.search(AuditQuery(actor=audit.NO_ACTOR))
    assert [e.action for e in nobody.entries] == ["user.create"]
    family = audit.search(AuditQuery(action="user.*"))
    assert len(family.entries) == 3
    exact = audit.search(AuditQuery(action="user.deactivate"))
    assert [e.action for e in exact.entries] == ["user.deactivate"]
    about_ivan = audit.search(AuditQuery(target_type="user", target_id=str(ivan.id)))
    assert len(about_ivan.entries) == 3
    assert audit.search(AuditQuery(actor="not-a-number")).entries == []


def test_a_family_filter_is_not_a_wildcard(people):
    admin, _ = people
    add("user.create", actor=admin)
    add("user_x.create", actor=admin)  # "_" must not match any character
    assert [e.action for e in audit.search(AuditQuery(action="user.*")).entries] == ["user.create"]
    assert audit.search(AuditQuery(action="%.*")).entries == []


def test_dates_include_both_ends(people):
    admin, _ = people
    day = datetime(2026, 3, 10, 12, 0, tzinfo=utcnow().tzinfo)
    for offset in (-1, 0, 1, 2):
        add("auth.login", actor=admin, at=day + timedelta(days=offset), n=offset)
    found = audit.search(AuditQuery(since=date(2026, 3, 10), until=date(2026, 3, 11)))
    assert sorted(int(dict(e.details)["n"]) for e in found.entries) == [0, 1]


def test_keyset_pages_walk_the_log_both_ways(people):
    admin, _ = people
    ids = [add("auth.login", actor=admin, n=i).id for i in range(7)]
    first = audit.search(AuditQuery(limit=3))
    assert [e.id for e in first.entries] == ids[:3:-1][:3] and first.newer is None
    second = audit.search(AuditQuery(limit=3, before=first.older))
    third = audit.search(AuditQuery(limit=3, before=second.older))
    assert [e.id for e in third.entries] == [ids[0]] and third.older is None
    seen = [e.id for page in (first, second, third) for e in page.entries]
    assert seen == sorted(ids, reverse=True)
    back = audit.search(AuditQuery(limit=3, after=second.newer))
    assert [e.id for e in back.entries] == [e.id for e in first.entries]
    assert back.newer is None and back.older == first.older


def test_entries_read_as_sentences(people):
    admin, ivan = people
    admin.name, ivan.name = "Ada Admin", "Ivan Ivanov"
    add("user.role_change", actor=admin, target=ivan, old="interviewer", new="admin")
    add("user.password_reset", target=ivan, via="demo")
    add("auth.login_failed", email="ghost@example.test", ip="10.0.0.9")
    add("user.password_set", actor=ivan, target=ivan)
    add("something.new_here", actor=admin, target=ivan, extra="kept")
    entries = {e.action: e for e in audit.search(AuditQuery()).entries}
    assert entries["user.role_change"].sentence == (
        f"Ada Admin changed the role of Ivan Ivanov ({ivan.email}) from interviewer to admin."
    )
    assert entries["user.role_change"].details == []  # all said in the sentence
    assert entries["user.password_reset"].sentence.startswith("The demo command reset the password")
    assert (
        entries["auth.login_failed"].sentence == "Someone failed to sign in as ghost@example.test."
    )
    assert entries["user.password_set"].sentence == (
        "Ivan Ivanov set their own password with a one-time link."
    )
    unknown = entries["something.new_here"]
    assert unknown.sentence == f"Ada Admin something: new here Ivan Ivanov ({ivan.email})."
    assert unknown.details == [("extra", "kept")]


def test_a_deleted_object_still_has_a_label(people):
    admin, _ = people
    db.session.add(
        AuditEvent(
            action="assessment.update",
            actor_id=admin.id,
            target_type="assessment",
            target_id="999",
            data={},
        )
    )
    db.session.commit()
    (entry,) = audit.search(AuditQuery()).entries
    assert "assessment #999 (no longer exists)" in entry.sentence


def test_options_list_what_the_log_holds(people):
    admin, ivan = people
    add("user.create", actor=admin, target=ivan)
    add("auth.login", actor=ivan, target=ivan)
    options = audit.options()
    assert (str(admin.id), f"{admin.name} ({admin.email})") in options.actors
    assert options.actors[-1][0] == audit.NO_ACTOR
    values = [v for v, _ in options.actions]
    assert values == ["auth.*", "user.*", "auth.login", "user.create"]
    assert options.target_types == ["user"]


def test_runs_and_exports_read_as_sentences(people):
    admin, _ = people
    admin.name = "Ada Admin"
    assessment = make_assessment(admin)
    add("assessment.export", actor=admin, target=assessment, format="csv", candidates=3)
    db.session.add(
        AuditEvent(
            action="library.sync.fail",
            actor_id=admin.id,
            target_type="librarysync",
            target_id="7",
            data={"error": "the worker stopped"},
        )
    )
    db.session.commit()
    entries = {e.action: e for e in audit.search(AuditQuery()).entries}
    assert entries["assessment.export"].sentence == (
        f"Ada Admin exported the comparison of “{assessment.title}” as csv."
    )
    assert entries["assessment.export"].details == [("candidates", "3")]
    assert entries["library.sync.fail"].sentence == "Library sync #7 failed: the worker stopped"
    families = [v for v, _ in audit.options().actions if v.endswith(".*")]
    assert families == ["assessment.*", "library.*"]
    assert len(audit.search(AuditQuery(action="library.*")).entries) == 1


def test_details_read_as_words_not_python_values():
    from assessor.services.audit_text import _text

    assert _text(True) == "yes" and _text(False) == "no"
    assert _text(3.0) == "3" and _text(2.5) == "2.5"
    assert _text([[1, 3.0], [2, 1.0]]) == "(1, 3), (2, 1)"
    assert _text({"blind": True}) == "blind: yes"
