"""The assessment composer: create from the catalog, rearrange, edit before and after pinning."""

import re

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Assessment, AuditEvent, Role
from assessor.services import assessments, attempts
from tests.factories import make_attempt, make_user, make_version


@pytest.fixture
def owner(ctx, auth):
    user = make_user(Role.INTERVIEWER)
    auth.login(user.email)
    return user


@pytest.fixture
def library(ctx):
    """Three live challenges (the factory's versions take 30 minutes each)."""
    return {slug: make_version(slug) for slug in ("alpha", "beta", "gamma")}


def _form(title="Round one", duration="60", rows=(("alpha", "1"),), **extra):
    data = {"title": title, "duration_minutes": duration, "description": "", **extra}
    for i, (slug, weight) in enumerate(rows):
        data[f"items-{i}-slug"] = slug
        data[f"items-{i}-weight"] = weight
    return data


def _order(html: str) -> list[str]:
    return re.findall(r'name="items-\d+-slug"[^>]*value="([^"]+)"', html)


def _stored(assessment_id):
    db.session.expire_all()
    found = db.session.get(Assessment, assessment_id)
    return [(i.version.challenge.slug, i.challenge_version_id, i.weight) for i in found.items]


def test_new_from_the_catalog_prefills_the_chosen_challenges(client, owner, library):
    page = client.get("/assessments/new?challenge=beta&challenge=alpha&challenge=nope")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _order(html) == ["beta", "alpha"]
    assert re.search(r'id="duration_minutes"[^>]*value="60"', html)  # 2 x 30 minutes
    assert "Not in the catalog (or retired): nope" in html


def test_buttons_rearrange_the_rows_without_saving(client, owner, library):
    rows = (("alpha", "1"), ("beta", "2"), ("gamma", "1"))
    moved = client.post("/assessments/new", data=_form(rows=rows, op="up-1"))
    assert moved.status_code == 200 and _order(moved.get_data(as_text=True)) == [
        "beta",
        "alpha",
        "gamma",
    ]
    removed = client.post("/assessments/new", data=_form(rows=rows, op="remove-0"))
    assert _order(removed.get_data(as_text=True)) == ["beta", "gamma"]
    added = client.post("/assessments/new", data=_form(rows=rows[:1], op="add", add="gamma"))
    assert _order(added.get_data(as_text=True)) == ["alpha", "gamma"]
    assert db.session.scalar(select(Assessment)) is None


def test_create_saves_order_weights_and_audits(client, owner, library):
    data = _form(rows=(("gamma", "2.5"), ("alpha", "1")), time_budget_minutes="50", op="save")
    data["description"] = "Read `README` first."
    response = client.post("/assessments/new", data=data)
    created = db.session.scalar(select(Assessment))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{created.id}")
    assert _stored(created.id) == [
        ("gamma", library["gamma"].id, 2.5),
        ("alpha", library["alpha"].id, 1.0),
    ]
    assert created.owner_id == owner.id and created.time_budget_minutes == 50
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.create"))
    assert event.actor_id == owner.id and event.ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_form(title=""), "This field is required"),
        (_form(rows=(("alpha", "heavy"),)), "A weight is a number"),
        (_form(rows=(("alpha", "0"),)), "Between 0.1 and 100"),
        (_form(duration="0"), "between 1 and 480"),
        (_form(rows=()), "at least one challenge"),
    ],
)
def test_create_explains_what_is_wrong(client, owner, library, data, message):
    response = client.post("/assessments/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Assessment)) is None


def test_an_author_may_not_compose(client, auth, ctx, library):
    auth.login(make_user(Role.AUTHOR).email)
    assert client.get("/assessments/new").status_code == 403
    assert client.post("/assessments/new", data=_form()).status_code == 403


def _create(owner, *slugs, duration=60):
    return assessments.create_assessment(
        assessments.NewAssessment(
            title="Round",
            duration_minutes=duration,
            owner_id=owner.id,
            items=[assessments.ItemSpec(slug=s) for s in slugs],
        )
    )


def test_editing_before_the_first_invitation_recomposes(client, owner, library):
    created = _create(owner, "alpha", "beta")
    page = client.get(f"/assessments/{created.id}/edit?add=gamma")
    html = page.get_data(as_text=True)
    assert "Not sent yet" in html and _order(html) == ["alpha", "beta", "gamma"]
    response = client.post(
        f"/assessments/{created.id}/edit",
        data=_form(title="Round, reworked", duration="45", rows=(("gamma", "3"), ("alpha", "1"))),
    )
    assert response.status_code == 302
    assert _stored(created.id) == [
        ("gamma", library["gamma"].id, 3.0),
        ("alpha", library["alpha"].id, 1.0),
    ]
    assert db.session.get(Assessment, created.id).duration_minutes == 45


def test_editing_after_the_first_invitation_never_changes_what_candidates_get(
    client, owner, library
):
    created = _create(owner, "alpha", duration=60)
    assessments.pin(created.id)
    attempt = make_attempt(db.session.get(Assessment, created.id))
    attempts.start(attempt.id)
    before = attempts.workspace(attempt.id)
    newer = make_version("alpha")  # the library moves on after the invitation
    newer.statement = "A different task altogether."
    db.session.commit()

    page = client.get(f"/assessments/{created.id}/edit").get_data(as_text=True)
    assert "Candidates have been invited" in page
    assert "Nothing you change here alters what an invited candidate gets" in page
    assert 'name="items-0-slug"' not in page and 'name="duration_minutes"' not in page

    # A crafted POST tries to swap the challenge, its weight and the duration: refused whole.
    forged = _form(title="Forged", duration="5", rows=(("beta", "9"),), op="save")
    refused = client.post(f"/assessments/{created.id}/edit", data=forged, follow_redirects=True)
    assert "can no longer change" in refused.get_data(as_text=True)
    forged = _form(title="Forged", duration="60", rows=(("alpha", "1"), ("gamma", "1")), op="add")
    client.post(f"/assessments/{created.id}/edit", data=forged)
    assert db.session.get(Assessment, created.id).title == "Round"
    # The page's own form (title, description, review settings) saves.
    details = {"title": "Renamed", "description": "New words for the landing page."}
    assert client.post(f"/assessments/{created.id}/edit", data=details).status_code == 302
    # Sending the pinned composition back unchanged is fine too.
    same = _form(title="Renamed", rows=(("alpha", "1"),))
    same["description"] = "New words for the landing page."
    assert client.post(f"/assessments/{created.id}/edit", data=same).status_code == 302

    db.session.expire_all()
    found = db.session.get(Assessment, created.id)
    assert found.title == "Renamed" and found.description == "New words for the landing page."
    assert found.duration_minutes == 60
    assert _stored(created.id) == [("alpha", library["alpha"].id, 1.0)]
    after = attempts.workspace(attempt.id)
    assert [(i.id, i.title, i.statement, i.files) for i in after.items] == [
        (i.id, i.title, i.statement, i.files) for i in before.items
    ]
    assert after.deadline_at == before.deadline_at


def test_a_pin_while_the_form_was_open_refuses_the_new_composition(client, owner, library):
    created = _create(owner, "alpha")
    client.get(f"/assessments/{created.id}/edit")
    assessments.pin(created.id)  # a colleague invites the first candidate meanwhile
    # The page still looked unpinned, so the form carries challenges; the service refuses them.
    response = client.post(
        f"/assessments/{created.id}/edit", data=_form(rows=(("beta", "1"),)), follow_redirects=True
    )
    assert "Duplicate the assessment to change them" in response.get_data(as_text=True)
    assert db.session.get(Assessment, created.id).title == "Round"
    assert _stored(created.id) == [("alpha", library["alpha"].id, 1.0)]


def test_duplicate_gives_the_viewer_an_unpinned_copy(client, auth, ctx, library):
    owner, colleague = make_user(), make_user()
    created = _create(owner, "alpha")
    assessments.pin(created.id)
    from assessor.models import ShareAccess
    from assessor.services import assessment_shares

    assessment_shares.share(created.id, colleague.id, ShareAccess.VIEWER, actor_id=owner.id)
    auth.login(colleague.email)
    response = client.post(f"/assessments/{created.id}/duplicate")
    copy = db.session.scalar(select(Assessment).where(Assessment.id != created.id))
    assert response.headers["Location"].endswith(f"/assessments/{copy.id}/edit")
    assert copy.owner_id == colleague.id and copy.pinned_at is None
    assert "Not sent yet" in client.get(f"/assessments/{copy.id}/edit").get_data(as_text=True)


def test_archive_hides_refuses_invitations_and_restores(client, owner, library):
    from assessor.services import DomainError, invitations

    created = _create(owner, "alpha")
    link = f'href="/assessments/{created.id}"'
    assert client.post(f"/assessments/{created.id}/archive").status_code == 302
    assert link not in client.get("/assessments").get_data(as_text=True)
    assert link in client.get("/assessments?show=archived").get_data(as_text=True)
    with pytest.raises(DomainError):
        invitations.create_invitation(
            invitations.NewInvitation(created.id, "Casey", "casey@example.test")
        )
    client.post(f"/assessments/{created.id}/restore")
    assert link in client.get("/assessments").get_data(as_text=True)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "assessment")
    ).all()
    assert "assessment.archive" in actions and "assessment.unarchive" in actions


def test_the_description_is_rendered_safely(client, owner, library):
    created = _create(owner, "alpha")
    found = db.session.get(Assessment, created.id)
    found.description = "Hi `there` <script>alert(1)</script> [x](javascript:alert(2))"
    db.session.commit()
    html = client.get(f"/assessments/{created.id}/edit").get_data(as_text=True)
    preview = html.split('class="statement">', 1)[1].split("</div>", 1)[0]
    assert "<code>there</code>" in preview
    assert "<script" not in preview and 'href="javascript' not in preview


def test_invite_link_only_when_the_invitations_page_exists(app, client, owner, library):
    created = _create(owner, "alpha")
    html = client.get(f"/assessments/{created.id}/edit").get_data(as_text=True)
    assert ("Invite candidates" in html) == ("invitations.new" in app.view_functions)
    app.view_functions.pop("invitations.new", None)
    html = client.get(f"/assessments/{created.id}/edit").get_data(as_text=True)
    assert "Invite candidates" not in html
