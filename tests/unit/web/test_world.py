"""The route x role world: each case starts from the same pristine copy, whatever others wrote."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assessor import create_app
from assessor.extensions import db
from assessor.models import User
from tests.fresh_databases import create_schema

from .world import enter_world

# Kept worlds exist on SQLite only, like the table they serve.
pytestmark = pytest.mark.matrix


def test_a_case_that_writes_leaves_the_next_one_a_pristine_world(app, app_config, tmp_path):
    world = enter_world(app)
    with app.app_context():
        people = db.session.scalar(select(func.count()).select_from(User))
        db.session.delete(db.session.get(User, world["user"]))
        db.session.commit()

    later = create_app(app_config | {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.db'}"})
    create_schema(later)
    assert enter_world(later) == world
    with later.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == people
        assert db.session.get(User, world["user"]) is not None
        db.session.remove()
        db.engine.dispose()
