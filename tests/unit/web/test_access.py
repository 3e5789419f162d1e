from assessor.models import Role
from tests.factories import make_user


def test_every_route_declares_a_permission_or_is_public(app):
    """A staff route that forgets its permission check is a hole: fail the build instead."""
    unguarded = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not (
            getattr(view, "staff_permission", None)
            or getattr(view, "public_endpoint", False)
            or getattr(view, "candidate_endpoint", False)
        ):
            unguarded.append(rule.rule)
    assert unguarded == []


def test_author_can_open_home_but_sees_no_assessments(ctx, client, auth):
    author = make_user(Role.AUTHOR)
    auth.login(author.email)
    page = client.get("/")
    assert page.status_code == 200
    assert b"Assessments" not in page.data
