import pytest

from app import create_app
from store import Store


@pytest.fixture
def world():
    store = Store()
    ann = store.add_user(org_id=1, role="member", token="ann")
    ada = store.add_user(org_id=1, role="admin", token="ada")
    bob = store.add_user(org_id=2, role="admin", token="bob")
    plans = store.add_project(org_id=1, name="Plans")
    store.add_project(org_id=2, name="Secrets")
    store.add_document(plans.id, ann.id, "Roadmap", "Q3: ship it")
    return store, create_app(store).test_client(), {"ann": ann, "ada": ada, "bob": bob}


def as_user(token):
    return {"Authorization": f"Bearer {token}"}


def test_owner_reads_own_document(world):
    _, client, users = world
    resp = client.get("/documents/1", headers=as_user("ann"))
    assert resp.status_code == 200
    assert resp.get_json() == {"id": 1, "project_id": 1, "owner_id": users["ann"].id, "title": "Roadmap", "body": "Q3: ship it"}
    assert client.get("/documents/1").status_code == 401


@pytest.mark.points(3)
def test_other_tenant_gets_404(world):
    _, client, _ = world
    resp = client.get("/documents/1", headers=as_user("bob"))
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


@pytest.mark.points(2)
def test_only_admins_delete(world):
    store, client, _ = world
    resp = client.delete("/documents/1", headers=as_user("ann"))
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"
    assert 1 in store.documents
    assert client.delete("/documents/1", headers=as_user("ada")).status_code == 204
    assert 1 not in store.documents


@pytest.mark.points(2)
def test_owner_cannot_be_chosen_by_the_client(world):
    store, client, users = world
    resp = client.post("/projects/1/documents", json={"title": "x", "owner_id": users["ada"].id}, headers=as_user("ann"))
    assert resp.status_code == 422
    assert set(resp.get_json()["error"]["fields"]) == {"owner_id"}
    assert len(store.documents) == 1
