import copy

import pytest

from app import create_app
from store import Store


class World:
    """Org 1: ann, cid (members), ada (admin); projects 1, 2. Org 2: bob (admin), bea (member); project 3."""

    def __init__(self):
        self.store = s = Store()
        self.ann = s.add_user(org_id=1, role="member", token="ann")
        self.ada = s.add_user(org_id=1, role="admin", token="ada")
        self.cid = s.add_user(org_id=1, role="member", token="cid")
        self.bob = s.add_user(org_id=2, role="admin", token="bob")
        self.bea = s.add_user(org_id=2, role="member", token="bea")
        self.p1 = s.add_project(org_id=1, name="Plans")
        self.p2 = s.add_project(org_id=1, name="HR")
        self.p3 = s.add_project(org_id=2, name="Secrets")
        self.d1 = s.add_document(self.p1.id, self.ann.id, "Roadmap", "Q3")
        self.d2 = s.add_document(self.p1.id, self.cid.id, "Notes", "")
        self.d3 = s.add_document(self.p2.id, self.ada.id, "Salaries", "confidential")
        self.d4 = s.add_document(self.p3.id, self.bob.id, "Merger", "top secret")
        self.client = create_app(s).test_client()

    def call(self, method, url, token=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def snapshot(self):
        return copy.deepcopy({k: vars(v) for k, v in self.store.documents.items()})


def doc_json(doc):
    return {"id": doc.id, "project_id": doc.project_id, "owner_id": doc.owner_id, "title": doc.title, "body": doc.body}


def code(resp, status):
    assert resp.status_code == status, (resp.status_code, resp.data)
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    assert isinstance(body["error"].get("message"), str)
    return body["error"].get("code")


@pytest.fixture
def w():
    return World()


@pytest.mark.points(3)
def test_reads_within_the_tenant(w):
    for token in ("ann", "ada", "cid"):
        for doc in (w.d1, w.d2, w.d3):
            resp = w.call("GET", f"/documents/{doc.id}", token)
            assert resp.status_code == 200 and resp.get_json() == doc_json(doc)
    for token in ("bob", "bea"):
        resp = w.call("GET", f"/documents/{w.d4.id}", token)
        assert resp.status_code == 200 and resp.get_json() == doc_json(w.d4)


@pytest.mark.points(4)
def test_other_tenants_look_like_missing_ids(w):
    missing = w.call("GET", "/documents/999", "bob")
    assert code(missing, 404) == "not_found"
    for token in ("bob", "bea"):
        for doc in (w.d1, w.d2, w.d3):
            resp = w.call("GET", f"/documents/{doc.id}", token)
            assert code(resp, 404) == "not_found", (token, doc.id)
    for token in ("ann", "ada"):
        assert code(w.call("GET", f"/documents/{w.d4.id}", token), 404) == "not_found"


@pytest.mark.points(3)
def test_listing_is_scoped(w):
    resp = w.call("GET", f"/projects/{w.p1.id}/documents", "cid")
    assert resp.status_code == 200
    assert resp.get_json() == {"items": [doc_json(w.d1), doc_json(w.d2)]}
    for token, project in (("bob", w.p1), ("bea", w.p2), ("ada", w.p3), ("ann", None)):
        project_id = project.id if project else 999
        assert code(w.call("GET", f"/projects/{project_id}/documents", token), 404) == "not_found"


@pytest.mark.points(3)
def test_create_in_own_tenant_only(w):
    resp = w.call("POST", f"/projects/{w.p2.id}/documents", "cid", json={"title": "Onboarding"})
    assert resp.status_code == 201
    created = resp.get_json()
    assert created == {"id": 5, "project_id": w.p2.id, "owner_id": w.cid.id, "title": "Onboarding", "body": ""}
    before = w.snapshot()
    for token, project_id in (("bob", w.p1.id), ("bea", w.p2.id), ("ann", w.p3.id), ("ann", 999)):
        assert code(w.call("POST", f"/projects/{project_id}/documents", token, json={"title": "x"}), 404) == "not_found"
    assert w.snapshot() == before


@pytest.mark.points(3)
@pytest.mark.skill("security")
def test_create_rejects_server_controlled_fields(w):
    before = w.snapshot()
    for extra, fields in (({"owner_id": w.ada.id}, {"owner_id"}),
                          ({"project_id": w.p3.id}, {"project_id"}),
                          ({"id": 1}, {"id"}),
                          ({"owner_id": 1, "role": "admin", "title": ""}, {"owner_id", "role", "title"})):
        body = {"title": "Mine", **extra}
        resp = w.call("POST", f"/projects/{w.p1.id}/documents", "ann", json=body)
        assert code(resp, 422) == "validation_error"
        assert set(resp.get_json()["error"]["fields"]) == fields
    assert w.snapshot() == before


@pytest.mark.points(4)
def test_update_permissions(w):
    resp = w.call("PATCH", f"/documents/{w.d1.id}", "ann", json={"body": "Q3 and Q4"})
    assert resp.status_code == 200 and resp.get_json()["body"] == "Q3 and Q4"
    resp = w.call("PATCH", f"/documents/{w.d1.id}", "ada", json={"title": "Q3 plan"})
    assert resp.status_code == 200
    assert resp.get_json() == {"id": w.d1.id, "project_id": w.p1.id, "owner_id": w.ann.id, "title": "Q3 plan", "body": "Q3 and Q4"}
    before = w.snapshot()
    assert code(w.call("PATCH", f"/documents/{w.d1.id}", "cid", json={"title": "mine now"}), 403) == "forbidden"
    assert code(w.call("PATCH", f"/documents/{w.d3.id}", "ann", json={"title": "raise"}), 403) == "forbidden"
    for token in ("bob", "bea"):
        assert code(w.call("PATCH", f"/documents/{w.d1.id}", token, json={"title": "pwned"}), 404) == "not_found"
    assert code(w.call("PATCH", f"/documents/{w.d4.id}", "ada", json={"title": "pwned"}), 404) == "not_found"
    assert code(w.call("PATCH", "/documents/999", "ada", json={"title": "x"}), 404) == "not_found"
    assert w.snapshot() == before


@pytest.mark.points(4)
@pytest.mark.skill("security")
def test_update_cannot_move_or_reassign(w):
    before = w.snapshot()
    for token in ("ann", "ada"):
        for body, fields in (({"owner_id": w.cid.id}, {"owner_id"}),
                             ({"project_id": w.p3.id}, {"project_id"}),
                             ({"id": 77, "title": "ok"}, {"id"}),
                             ({"title": "ok", "org_id": 2}, {"org_id"})):
            resp = w.call("PATCH", f"/documents/{w.d1.id}", token, json=body)
            assert code(resp, 422) == "validation_error", (token, body)
            assert set(resp.get_json()["error"]["fields"]) == fields
    assert w.snapshot() == before


@pytest.mark.points(2)
@pytest.mark.skill("api-design")
def test_check_order(w):
    assert code(w.call("PATCH", f"/documents/{w.d1.id}", "bob", json={"owner_id": 4}), 404) == "not_found"
    assert code(w.call("PATCH", f"/documents/{w.d1.id}", "cid", json={"owner_id": 3}), 403) == "forbidden"
    assert code(w.call("PATCH", f"/documents/{w.d1.id}", "cid", data="nope", content_type="text/plain"), 403) == "forbidden"
    assert code(w.call("PATCH", f"/documents/{w.d1.id}", "ann", data="nope", content_type="text/plain"), 400) == "bad_request"
    assert code(w.call("POST", f"/projects/{w.p3.id}/documents", "ann", json={"owner_id": 1}), 404) == "not_found"
    assert code(w.call("PATCH", f"/documents/{w.d1.id}", None, json={"title": "x"}), 401) == "unauthenticated"


@pytest.mark.points(3)
def test_delete_permissions(w):
    before = w.snapshot()
    assert code(w.call("DELETE", f"/documents/{w.d1.id}", "ann"), 403) == "forbidden"   # owner, not admin
    assert code(w.call("DELETE", f"/documents/{w.d1.id}", "cid"), 403) == "forbidden"
    assert code(w.call("DELETE", f"/documents/{w.d1.id}", "bob"), 404) == "not_found"   # admin elsewhere
    assert code(w.call("DELETE", f"/documents/{w.d4.id}", "ada"), 404) == "not_found"
    assert code(w.call("DELETE", "/documents/999", "ada"), 404) == "not_found"
    assert w.snapshot() == before
    resp = w.call("DELETE", f"/documents/{w.d1.id}", "ada")
    assert resp.status_code == 204 and resp.data == b""
    assert w.d1.id not in w.store.documents
    resp = w.call("DELETE", f"/documents/{w.d4.id}", "bob")
    assert resp.status_code == 204


@pytest.mark.skill("auth")
def test_authentication_everywhere(w):
    calls = [("GET", f"/documents/{w.d1.id}"), ("GET", f"/projects/{w.p1.id}/documents"),
             ("POST", f"/projects/{w.p1.id}/documents"), ("PATCH", f"/documents/{w.d1.id}"),
             ("DELETE", f"/documents/{w.d1.id}")]
    before = w.snapshot()
    for method, url in calls:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic ann"}, {"Authorization": "ann"}):
            resp = w.client.open(url, method=method, headers=headers, json={"title": "x"})
            assert code(resp, 401) == "unauthenticated", (method, url, headers)
    assert w.snapshot() == before
