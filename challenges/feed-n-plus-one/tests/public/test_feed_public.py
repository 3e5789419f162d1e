from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session

import feed
from models import Author, Base, Comment, Post, Tag


def strict_equal(actual, expected):
    """Deep equality that also requires identical types (so 1 != True and no look-alikes)."""
    assert type(actual) is type(expected), (actual, expected)
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), (actual, expected)
        for key in expected:
            strict_equal(actual[key], expected[key])
    elif isinstance(expected, list):
        assert len(actual) == len(expected), (actual, expected)
        for a, e in zip(actual, expected):
            strict_equal(a, e)
    else:
        assert actual == expected, (actual, expected)


class CountQueries:
    """Record every SQL statement the engine sends while the block runs."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def engine():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    start = datetime(2024, 3, 1, 9, 0)
    with Session(engine) as s:
        tags = [Tag(name=n) for n in ("databases", "performance", "python")]
        authors = [Author(name=n) for n in ("Grace", "Alan", "Edsger")]
        s.add_all(tags + authors)
        for i in range(30):
            post = Post(title=f"Post {i}", author=authors[i % 3], tags=tags[: i % 4],
                        published_at=None if i % 7 == 0 else start + timedelta(hours=i))
            post.comments = [Comment(body=f"c{j}", created_at=start) for j in range(i % 5)]
            s.add(post)
        s.commit()
    yield engine
    engine.dispose()


def original_feed(session, limit=20, tag=None):
    stmt = select(Post).where(Post.published_at.is_not(None)).order_by(Post.published_at.desc(), Post.id.desc()).limit(limit)
    if tag is not None:
        stmt = stmt.where(Post.tags.any(Tag.name == tag))
    return [{"id": p.id, "title": p.title, "published_at": p.published_at.isoformat(),
             "author": {"id": p.author.id, "name": p.author.name},
             "tags": sorted(t.name for t in p.tags), "comment_count": len(p.comments)}
            for p in session.scalars(stmt)]


def original_author_stats(session):
    out = []
    for a in session.scalars(select(Author).order_by(Author.name, Author.id)):
        published = [p for p in a.posts if p.published_at is not None]
        out.append({"author_id": a.id, "name": a.name, "published_posts": len(published),
                    "comments_received": sum(len(p.comments) for p in published)})
    return out


@pytest.mark.points(2)
def test_feed_output_unchanged(engine):
    with Session(engine) as s:
        expected = original_feed(s, limit=10)
    with Session(engine) as s:
        strict_equal(feed.build_feed(s, limit=10), expected)


@pytest.mark.points(2)
def test_author_stats_output_unchanged(engine):
    with Session(engine) as s:
        expected = original_author_stats(s)
    with Session(engine) as s:
        strict_equal(feed.author_stats(s), expected)


@pytest.mark.points(3)
def test_feed_query_budget(engine):
    with Session(engine) as s, CountQueries(engine) as counted:
        feed.build_feed(s, limit=20)
    assert len(counted.statements) <= 3, counted.statements
