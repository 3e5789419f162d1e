"""The invitation pages: invite one or many, copy links, resend, re-issue, revoke, extend."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import (
    AssessmentShare,
    Attempt,
    AttemptStatus,
    AuditEvent,
    Role,
    ShareAccess,
    utcnow,
)
from assessor.services import attempts
from assessor.services.invitations import NewInvitation, create_invitation, hash_token
from tests.factories import TEST_PASSWORD, make_assessment, make_user

LINK = re.compile(r"http://assessor\.test/a/([A-Za-z0-9_-]{43})")


@pytest.fixture
def world(ctx):
    owner = make_user(Role.INTERVIEWER)
    viewer = make_user(Role.INTERVIEWER)
    assessment = make_assessment(owner, duration_minutes=45)
    db.session.add(AssessmentShare(assessment_id=assessment.id, user_id=viewer.id))
    db.session.commit()
    return {"owner": owner, "viewer": viewer, "assessment": assessment}


@pytest.fixture
def owner_client(client, auth, world):
    auth.login(world["owner"].email)
    return client


def new_url(world):
    return f"/assessments/{world['assessment'].id}/invitations/new"


def one(name="Ada Lovelace", email="ada@example.test", **fields):
    data = {"one-name": name, "one-email": email, "one-valid_days": "14", "one-extra_minutes": "0"}
    data |= {"one-send_email": "y"} | {f"one-{k}": v for k, v in fields.items()}
    return data


def many(lines, **fields):
    data = {"many-lines": lines, "many-valid_days": "14", "many-extra_minutes": "0"}
    return data | {f"many-{k}": v for k, v in fields.items()}


def invited(world):
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.assessment_id == world["assessment"].id)
            .order_by(Attempt.id)
        )
    )


def test_the_invite_page_offers_both_forms_and_says_how_mail_works(owner_client, world):
    page = owner_client.get(new_url(world)).get_data(as_text=True)
    assert "One candidate" in page and "Several candidates" in page
    assert "No one is invited until every line is valid" in page
    assert "No mail server is configured" in page
    assert 'value="14"' in page  # INVITATION_DAYS as the default validity


def test_inviting_one_shows_a_working_link(owner_client, client, world):
    response = owner_client.post(new_url(world), data=one(**{"extra_minutes": "20"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Invited 1 candidate" in page
    assert "not emailed: no mail server" in page
    token = LINK.search(page).group(1)
    [attempt] = invited(world)
    assert attempt.token_hash == hash_token(token) and attempt.extra_minutes == 20
    assert attempt.invited_by_id == world["owner"].id
    landing = client.get(f"/a/{token}", follow_redirects=True)
    assert landing.status_code == 200


def test_a_bulk_paste_with_errors_invites_no_one_and_lists_each_line(owner_client, world):
    lines = "Ada, ada@example.test\nBob, bob@\n\nCarol carol@example.test\nDan, dan@example.test, x"
    response = owner_client.post(new_url(world), data=many(lines))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "No one was invited: 3 lines to fix" in page
    rows = re.findall(
        r'<tr><td class="num">(\d+)</td><td><code>(.*?)</code></td><td>(.*?)</td>', page
    )
    assert [(n, p) for n, _, p in rows] == [
        ("2", "&#39;bob@&#39; is not an email address"),
        ("4", "expected `name, email` or `name, email, extra minutes`; found 1 field"),
        ("5", "extra minutes must be a whole number, not &#39;x&#39;"),
    ]
    assert "Bob, bob@" in page  # the text comes back to be fixed
    assert invited(world) == []


def test_a_valid_bulk_paste_invites_everyone_with_their_extra_time(owner_client, world):
    lines = "Ada, ada@example.test\nBo, bo@example.test, 30"
    page = owner_client.post(new_url(world), data=many(lines, extra_minutes="10")).get_data(
        as_text=True
    )
    assert "Invited 2 candidates" in page and len(LINK.findall(page)) == 2
    assert [(a.candidate_email, a.extra_minutes) for a in invited(world)] == [
        ("ada@example.test", 10),
        ("bo@example.test", 30),
    ]


def test_someone_already_invited_is_flagged_or_left_out(owner_client, world):
    owner_client.post(new_url(world), data=one())
    lines = "Ada, ada@example.test\nBo, bo@example.test"
    flagged = owner_client.post(new_url(world), data=many(lines))
    assert flagged.status_code == 422 and "already invited" in flagged.get_data(as_text=True)
    assert len(invited(world)) == 1
    skipped = owner_client.post(new_url(world), data=many(lines, skip_invited="y"))
    page = skipped.get_data(as_text=True)
    assert "Invited 1 candidate" in page and "Left out: already invited" in page
    assert len(invited(world)) == 2
    again = owner_client.post(new_url(world), data=one())
    assert "already invited to this assessment" in again.get_data(as_text=True)


def test_copy_link_answers_the_same_link_twice_and_audits_it(owner_client, world):
    attempt, token = create_invitation(
        NewInvitation(world["assessment"].id, "Ada", "ada@example.test")
    )
    headers = {"Accept": "application/json"}
    first = owner_client.post(f"/invitations/{attempt.id}/link", headers=headers).json
    second = owner_client.post(f"/invitations/{attempt.id}/link", headers=headers).json
    assert first == second == {"url": f"http://assessor.test/a/{token}"}
    page = owner_client.post(f"/invitations/{attempt.id}/link").get_data(as_text=True)
    assert f"/a/{token}" in page and "Anyone holding this link" in page
    copied = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "invitation.link_copied")
    ).all()
    assert len(copied) == 3 and {e.actor_id for e in copied} == {world["owner"].id}


def test_a_viewer_sees_the_list_but_no_link_and_no_actions(client, auth, world):
    attempt, token = create_invitation(
        NewInvitation(world["assessment"].id, "Ada", "ada@example.test")
    )
    auth.login(world["viewer"].email)
    page = client.get(f"/assessments/{world['assessment'].id}/invitations").get_data(as_text=True)
    assert "Ada" in page and "Copy link" not in page and "Invite candidates" not in page
    assert token not in page
    detail = client.get(f"/invitations/{attempt.id}").get_data(as_text=True)
    assert "Revoke" not in detail and token not in detail
    assert client.post(f"/invitations/{attempt.id}/link").status_code == 403


def test_a_stranger_never_gets_a_link(client, auth, world):
    attempt, _ = create_invitation(NewInvitation(world["assessment"].id, "Ada", "ada@example.test"))
    auth.login(make_user(Role.INTERVIEWER).email)
    for path in ("link", "resend", "reissue", "revoke", "extend"):
        assert client.post(f"/invitations/{attempt.id}/{path}").status_code == 404
    assert client.get(f"/invitations/{attempt.id}").status_code == 404


def test_hidden_identities_stay_hidden_from_viewers(client, auth, world):
    world["assessment"].hide_identity = True
    db.session.commit()
    attempt, _ = create_invitation(
        NewInvitation(world["assessment"].id, "Ada Secret", "ada@example.test")
    )
    auth.login(world["viewer"].email)
    listing = client.get(f"/assessments/{world['assessment'].id}/invitations").get_data(
        as_text=True
    )
    detail = client.get(f"/invitations/{attempt.id}").get_data(as_text=True)
    for page in (listing, detail):
        assert "Ada Secret" not in page and "ada@example.test" not in page
        assert f"Candidate {attempt.id}" in page


def test_names_are_escaped_on_every_page(owner_client, world):
    name = "<img src=x onerror=alert(1)>"
    page = owner_client.post(new_url(world), data=one(name=name)).get_data(as_text=True)
    [attempt] = invited(world)
    listing = owner_client.get(f"/assessments/{world['assessment'].id}/invitations")
    detail = owner_client.get(f"/invitations/{attempt.id}")
    for html in (page, listing.get_data(as_text=True), detail.get_data(as_text=True)):
        assert name not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_revoke_turns_the_link_into_a_plain_invalid_link(app, owner_client, world):
    attempt, token = create_invitation(
        NewInvitation(world["assessment"].id, "Ada", "ada@example.test")
    )
    response = owner_client.post(f"/invitations/{attempt.id}/revoke", data={"back": "list"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/assessments/{world['assessment'].id}/invitations"
    )
    dead = app.test_client().get(f"/a/{token}")
    text = dead.get_data(as_text=True)
    assert dead.status_code == 404 and "This link does not work" in text
    assert "revoked" not in text.lower() and "Ada" not in text


def test_resend_without_a_mail_server_shows_the_link(owner_client, world):
    attempt, token = create_invitation(
        NewInvitation(world["assessment"].id, "Ada", "ada@example.test")
    )
    page = owner_client.post(f"/invitations/{attempt.id}/resend").get_data(as_text=True)
    assert "Not emailed: no mail server is configured" in page and f"/a/{token}" in page
    detail = owner_client.get(f"/invitations/{attempt.id}").get_data(as_text=True)
    assert "Outbox" in detail and "not emailed: no mail server" in detail
    assert token not in detail and "/a/[withheld]" in detail


def test_reissue_shows_the_new_link_and_kills_the_old_one(owner_client, client, world):
    attempt, token = create_invitation(
        NewInvitation(world["assessment"].id, "Ada", "ada@example.test")
    )
    page = owner_client.post(f"/invitations/{attempt.id}/reissue").get_data(as_text=True)
    assert "The previous link no longer works" in page
    new_token = LINK.search(page).group(1)
    assert new_token != token
    assert client.get(f"/a/{token}").status_code == 404
    assert client.get(f"/a/{new_token}", follow_redirects=True).status_code == 200


def test_extend_before_and_after_the_start(owner_client, world):
    attempt, _ = create_invitation(NewInvitation(world["assessment"].id, "Ada", "ada@example.test"))
    detail = owner_client.get(f"/invitations/{attempt.id}").get_data(as_text=True)
    assert "Extend the invitation" in detail and "Give more time" not in detail
    response = owner_client.post(
        f"/invitations/{attempt.id}/extend", data={"valid_days": "30", "extra_minutes": "15"}
    )
    assert response.status_code == 302
    db.session.refresh(attempt)
    assert attempt.extra_minutes == 15 and (attempt.expires_at - utcnow()).days >= 29
    attempts.start(attempt.id)
    detail = owner_client.get(f"/invitations/{attempt.id}").get_data(as_text=True)
    assert "Give more time" in detail and "Extend the invitation" not in detail
    deadline = attempt.deadline_at
    followed = owner_client.post(
        f"/invitations/{attempt.id}/extend", data={"add_minutes": "10"}, follow_redirects=True
    )
    assert "Added 10 minutes" in followed.get_data(as_text=True)
    db.session.refresh(attempt)
    assert (attempt.deadline_at - deadline).total_seconds() == 600


def test_a_refused_action_is_explained_not_a_crash(owner_client, world):
    attempt, _ = create_invitation(NewInvitation(world["assessment"].id, "Ada", "ada@example.test"))
    attempt.status = AttemptStatus.SUBMITTED
    db.session.commit()
    response = owner_client.post(f"/invitations/{attempt.id}/revoke", follow_redirects=True)
    assert "already submitted" in response.get_data(as_text=True)


def test_opening_the_link_is_shown_to_staff(owner_client, client, world):
    attempt, token = create_invitation(
        NewInvitation(world["assessment"].id, "Ada", "ada@example.test")
    )
    listing = f"/assessments/{world['assessment'].id}/invitations"
    assert "not yet" in owner_client.get(listing).get_data(as_text=True)
    client.get(f"/a/{token}")
    db.session.refresh(attempt)
    assert attempt.opened_at is not None
    assert 'data-state="opened"' in owner_client.get(listing).get_data(as_text=True)


def test_an_inactive_assessment_says_why_it_cannot_invite(owner_client, world):
    from assessor.models import AssessmentStatus

    world["assessment"].status = AssessmentStatus.ARCHIVED
    db.session.commit()
    page = owner_client.get(new_url(world)).get_data(as_text=True)
    assert "only an active assessment can have invitations" in page
    response = owner_client.post(new_url(world), data=one(), follow_redirects=True)
    assert "only an active assessment" in response.get_data(as_text=True)
    assert invited(world) == []


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_the_token_is_refused(self, client, world):
        login_page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        data = {"email": world["owner"].email, "password": TEST_PASSWORD, "csrf_token": csrf}
        assert client.post("/login", data=data).status_code == 302
        owner_client = client
        attempt, token = create_invitation(
            NewInvitation(world["assessment"].id, "Ada", "ada@example.test")
        )
        for path in ("revoke", "reissue", "link"):
            assert owner_client.post(f"/invitations/{attempt.id}/{path}").status_code == 400
        assert (
            owner_client.post(new_url(world), data=one(email="x@example.test")).status_code == 400
        )
        db.session.refresh(attempt)
        assert attempt.status is AttemptStatus.INVITED and attempt.token_hash == hash_token(token)


def test_an_editor_share_may_invite(client, auth, world):
    editor = make_user(Role.INTERVIEWER)
    db.session.add(
        AssessmentShare(
            assessment_id=world["assessment"].id, user_id=editor.id, access=ShareAccess.EDITOR
        )
    )
    db.session.commit()
    auth.login(editor.email)
    assert "Invited 1 candidate" in client.post(new_url(world), data=one()).get_data(as_text=True)


def test_a_link_that_cannot_be_recovered_says_to_reissue(owner_client, world):
    from tests.factories import make_attempt

    legacy = make_attempt(world["assessment"], token="legacy-token")
    headers = {"Accept": "application/json"}
    answer = owner_client.post(f"/invitations/{legacy.id}/link", headers=headers)
    assert answer.status_code == 409 and "re-issue it" in answer.json["error"]
    page = owner_client.post(f"/invitations/{legacy.id}/link", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "re-issue it" in text and "cannot be copied" in text
    assert "legacy-token" not in text
