"""The report of a service challenge: the language written in, and what the service printed."""

import pytest

from assessor.extensions import db
from assessor.models import AttemptEvent, AttemptStatus, Role, Submission, SubmissionKind
from assessor.services.grading import CANDIDATE_OUTPUT_HEADER
from tests.factories import make_assessment, make_attempt, make_user, make_version
from tests.unit.services.service_versions import service_version

NODE = "// the candidate's server\n"
OUTPUT = "listening on 8080 <script>alert(1)</script>"


@pytest.fixture
def submitted(ctx):
    owner = make_user(Role.INTERVIEWER)
    code = make_version(files={"starter": {"solution.py": "x = 1\n"}, "tests": {}})
    attempt = make_attempt(
        make_assessment(owner, versions=[service_version(), code]), status=AttemptStatus.SUBMITTED
    )
    service_item, code_item = attempt.assessment.items
    db.session.add_all(
        [
            Submission(
                attempt_id=attempt.id,
                item_id=service_item.id,
                kind=SubmissionKind.FINAL,
                status="graded",
                outcome="service_failed",
                score=0.0,
                max_score=3.0,
                files={"node/server.js": NODE},
                stdout_tail=f"pytest said little\n{CANDIDATE_OUTPUT_HEADER}\n{OUTPUT}",
            ),
            Submission(
                attempt_id=attempt.id,
                item_id=code_item.id,
                kind=SubmissionKind.FINAL,
                status="graded",
                outcome="completed",
                files={"solution.py": "x = 2\n"},
            ),
            AttemptEvent(
                attempt_id=attempt.id,
                item_id=service_item.id,
                kind="language",
                data={"language": "node"},
            ),
        ]
    )
    db.session.commit()
    return owner, attempt


def test_the_report_names_the_language_and_shows_the_service_output(client, auth, submitted):
    owner, attempt = submitted
    auth.login(owner.email)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert html.count('class="service-language"') == 1  # the service challenge only
    assert '<strong class="service-language">Node.js</strong>' in html
    assert "the service did not start" in html
    assert "listening on 8080 &lt;script&gt;" in html and "<script>alert(1)" not in html
    assert "pytest said little" not in html.split("service-output")[1].split("</details>")[0]
    assert "node/server.js" in html and "python/app.py" not in html  # only the chosen language
    assert "Chose Node.js as the language of this challenge." in html
