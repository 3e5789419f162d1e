import random
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
        assert len(actual) == len(expected), (len(actual), len(expected))
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


def build_engine(n_posts, seed):
    rng = random.Random(seed)
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    start = datetime(2024, 1, 1, 8, 0)
    with Session(engine) as s:
        tags = [Tag(name=n) for n in ("api", "databases", "ops", "performance", "python", "security", "testing")]
        # Duplicate names on purpose: ordering falls back to id.
        authors = [Author(name=n) for n in ("Grace", "Alan", "Edsger", "Barbara", "Alan", "Ken", "Zed")]
        s.add_all(tags + authors)
        writers = authors[:-1]  # Zed never writes
        for i in range(n_posts):
            published = None if rng.random() < 0.2 else start + timedelta(hours=rng.randint(0, n_posts // 3))
            post = Post(title=f"Post {i}", author=rng.choice(writers), tags=rng.sample(tags, rng.randint(0, 4)),
                        published_at=published)
            post.comments = [Comment(body=f"c{j}", created_at=start) for j in range(rng.choice([0, 0, 1, 2, 5, 9]))]
            s.add(post)
        s.commit()
    return engine


@pytest.fixture(scope="module")
def big():
    engine = build_engine(300, seed=1)
    yield engine
    engine.dispose()


FEED_BUDGET, STATS_BUDGET = 3, 2


def expected_and_actual(engine, oracle, call, budget=None):
    """The original implementation's result, the candidate's, and the statements it ran.

    With a budget, the candidate's call must also stay within that many statements: keeping the
    output is only half of the job.
    """
    with Session(engine) as s:
        expected = oracle(s)
    with Session(engine) as s, CountQueries(engine) as counted:
        actual = call(s)
    if budget is not None:
        assert len(counted.statements) <= budget, (len(counted.statements), counted.statements[:5])
    return expected, actual, counted.statements


@pytest.mark.points(3)
def test_feed_matches_on_large_data(big):
    for limit in (1, 20, 57, 1000):
        expected, actual, _ = expected_and_actual(big, lambda s: original_feed(s, limit=limit),
                                                  lambda s: feed.build_feed(s, limit=limit), FEED_BUDGET)
        strict_equal(actual, expected)


@pytest.mark.points(3)
def test_feed_tag_filter_keeps_every_tag(big):
    for tag in ("python", "security", "nope"):
        for limit in (5, 40):
            expected, actual, _ = expected_and_actual(big, lambda s: original_feed(s, limit=limit, tag=tag),
                                                      lambda s: feed.build_feed(s, limit=limit, tag=tag), FEED_BUDGET)
            strict_equal(actual, expected)
    with Session(big) as s:
        result = feed.build_feed(s, limit=40, tag="python")
    assert any(len(item["tags"]) > 1 for item in result)


@pytest.mark.points(2)
def test_feed_default_limit_and_ties(big):
    expected, actual, _ = expected_and_actual(big, original_feed, feed.build_feed, FEED_BUDGET)
    strict_equal(actual, expected)
    assert len(actual) == 20
    stamps = [item["published_at"] for item in actual]
    assert len(set(stamps)) < len(stamps), "the data set is meant to contain ties"


@pytest.mark.points(4)
def test_feed_budget_does_not_grow(big):
    for limit, tag in ((1, None), (50, None), (1000, None), (50, "python")):
        _, actual, _ = expected_and_actual(big, lambda s: [], lambda s: feed.build_feed(s, limit=limit, tag=tag), FEED_BUDGET)
        assert actual, (limit, tag)


@pytest.mark.points(3)
@pytest.mark.skill("sql")
def test_author_stats_matches_on_large_data(big):
    expected, actual, _ = expected_and_actual(big, original_author_stats, feed.author_stats, STATS_BUDGET)
    strict_equal(actual, expected)
    assert actual[-1]["name"] == "Zed" and actual[-1]["published_posts"] == 0


@pytest.mark.points(4)
def test_author_stats_budget(big):
    _, actual, _ = expected_and_actual(big, lambda s: [], feed.author_stats, STATS_BUDGET)
    assert len(actual) == 7


@pytest.mark.points(2)
def test_edge_cases_small_database():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        for oracle, call in ((original_feed, feed.build_feed), (original_author_stats, feed.author_stats)):
            strict_equal(call(s), oracle(s))  # empty database
        ann, bob = Author(name="Ann"), Author(name="Bob")
        t = datetime(2024, 5, 5, 12, 0)
        draft = Post(title="Draft", author=ann, published_at=None)
        draft.comments = [Comment(body="early", created_at=t)]
        lonely = Post(title="No tags, no comments", author=ann, published_at=t)
        twin = Post(title="Same time", author=bob, published_at=t, tags=[Tag(name="zeta"), Tag(name="alpha")])
        twin.comments = [Comment(body="x", created_at=t), Comment(body="y", created_at=t)]
        s.add_all([draft, lonely, twin])
        s.commit()
    for oracle, call, budget in ((lambda s: original_feed(s, limit=10), lambda s: feed.build_feed(s, limit=10), FEED_BUDGET),
                                 (lambda s: original_feed(s, tag="alpha"), lambda s: feed.build_feed(s, tag="alpha"), FEED_BUDGET),
                                 (original_author_stats, feed.author_stats, STATS_BUDGET)):
        expected, actual, _ = expected_and_actual(engine, oracle, call, budget)
        strict_equal(actual, expected)
    with Session(engine) as s:
        strict_equal(feed.author_stats(s), [
            {"author_id": 1, "name": "Ann", "published_posts": 1, "comments_received": 0},
            {"author_id": 2, "name": "Bob", "published_posts": 1, "comments_received": 2},
        ])
    engine.dispose()
