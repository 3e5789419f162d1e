"""The candidate's API for a service challenge: the language picker and its files."""

import re

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Draft
from assessor.services import attempts
from tests.factories import make_assessment, make_attempt
from tests.unit.services.service_versions import service_version

from .candidates import enter

TOKEN = "language-token-" + "l" * 30


@pytest.fixture
def attempt(ctx):
    attempt = make_attempt(make_assessment(versions=[service_version()]), token=TOKEN)
    attempts.start(attempt.id)
    return attempt


@pytest.fixture
def base(client, attempt):
    return enter(client, TOKEN)


def item_json(client, base):
    [item] = client.get(f"{base}/api/workspace").get_json()["items"]
    return item


def test_the_workspace_json_offers_the_languages_before_a_choice(client, base):
    item = item_json(client, base)
    assert item["languages"] == [
        {"name": "python", "label": "Python"},
        {"name": "node", "label": "Node.js"},
    ]
    assert item["language"] is None
    assert [f["path"] for f in item["files"] if f["editable"]] == []


def test_choosing_a_language_answers_the_item_with_its_files(client, base, attempt):
    item_id = attempt.assessment.items[0].id
    response = client.post(f"{base}/api/items/{item_id}/language", json={"language": "node"})
    assert response.status_code == 200
    chosen = response.get_json()
    assert chosen["id"] == item_id and chosen["language"] == "node"
    editable = [(f["path"], f["language"]) for f in chosen["files"] if f["editable"]]
    assert editable == [("node/server.js", "javascript")]
    assert item_json(client, base)["language"] == "node"
    saved = client.post(
        f"{base}/api/items/{item_id}/draft",
        json={"files": {"node/server.js": "// mine\n"}, "revision": chosen["revision"]},
    )
    assert saved.status_code == 200
    draft = db.session.scalar(select(Draft))
    assert (draft.language, draft.files["node/server.js"]) == ("node", "// mine\n")


def test_an_unknown_language_is_a_clear_json_error(client, base, attempt):
    item_id = attempt.assessment.items[0].id
    response = client.post(f"{base}/api/items/{item_id}/language", json={"language": "cobol"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "LanguageRejected" and "Node.js (node)" in body["error"]


def test_a_save_outside_the_chosen_folder_names_the_problem(client, base, attempt):
    item_id = attempt.assessment.items[0].id
    url = f"{base}/api/items/{item_id}/draft"
    early = client.post(url, json={"files": {"node/server.js": "x"}, "revision": 0})
    assert early.status_code == 422 and early.get_json()["code"] == "LanguageNotChosen"
    client.post(f"{base}/api/items/{item_id}/language", json={"language": "python"})
    refused = client.post(url, json={"files": {"node/server.js": "x"}, "revision": 0})
    assert refused.status_code == 400
    assert "not in the Python folder you chose (python/)" in refused.get_json()["problems"][0]


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        app_config["WTF_CSRF_ENABLED"] = True
        return app_config

    def test_choosing_a_language_needs_the_csrf_header(self, client, base, attempt):
        url = f"{base}/api/items/{attempt.assessment.items[0].id}/language"
        refused = client.post(url, json={"language": "node"})
        assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
        assert db.session.scalar(select(Draft.id)) is None
        html = client.get(f"{base}/work").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        ok = client.post(url, json={"language": "node"}, headers={"X-CSRFToken": token})
        assert ok.status_code == 200
