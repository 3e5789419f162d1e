"""Each test starts from an empty schema, whatever the test before it wrote or altered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select, text

from assessor.extensions import db
from assessor.models import User
from tests.factories import make_user


@pytest.mark.parametrize("turn", ["first", "second"])
def test_rows_and_ids_start_afresh(ctx, turn):
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert make_user().id == 1  # ids restart too, as in a newly built schema


@pytest.mark.parametrize("turn", ["first", "second"])
def test_a_schema_altered_by_a_test_is_built_again(ctx, turn):
    columns = {column["name"] for column in inspect(db.engine).get_columns("users")}
    assert "nickname" not in columns
    db.session.execute(text("ALTER TABLE users ADD COLUMN nickname VARCHAR(20)"))
    db.session.commit()
