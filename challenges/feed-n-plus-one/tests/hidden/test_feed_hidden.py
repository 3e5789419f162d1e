import random
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

import feed
import models

# The tables of models.py, created by the test: the database lives in the tester, and the
# candidate's Session runs its statements on the tester's connection (models.session_for).
SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    title VARCHAR(200) NOT NULL,
    published_at DATETIME
);
CREATE INDEX ix_posts_author_id ON posts (author_id);
CREATE INDEX ix_posts_published_at ON posts (published_at);
CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id),
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (post_id, tag_id)
);
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts (id),
    body TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX ix_comments_post_id ON comments (post_id);
"""


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


def new_database():
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.executescript(SCHEMA)
    return conn


def insert(conn, table, **row):
    """Insert one row and return its id; datetimes are stored as SQLAlchemy stores them."""
    values = [v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for v in row.values()]
    sql = f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
    return conn.execute(sql, values).lastrowid


class Blog:
    """The rows of the database, read in the tester; computes the original contract's results."""

    def __init__(self, conn):
        self.authors = dict(conn.execute("SELECT id, name FROM authors"))
        tag_names = dict(conn.execute("SELECT id, name FROM tags"))
        self.posts = [(pid, author_id, title, None if at is None else datetime.fromisoformat(at))
                      for pid, author_id, title, at in conn.execute("SELECT id, author_id, title, published_at FROM posts")]
        self.tags = {pid: [] for pid, *_ in self.posts}
        for post_id, tag_id in conn.execute("SELECT post_id, tag_id FROM post_tags"):
            self.tags[post_id].append(tag_names[tag_id])
        self.comments = {pid: 0 for pid, *_ in self.posts}
        for (post_id,) in conn.execute("SELECT post_id FROM comments"):
            self.comments[post_id] += 1

    def feed(self, limit=20, tag=None):
        published = [p for p in self.posts if p[3] is not None and (tag is None or tag in self.tags[p[0]])]
        published.sort(key=lambda p: (p[3], p[0]), reverse=True)
        return [{"id": pid, "title": title, "published_at": at.isoformat(),
                 "author": {"id": author_id, "name": self.authors[author_id]},
                 "tags": sorted(self.tags[pid]), "comment_count": self.comments[pid]}
                for pid, author_id, title, at in published[:limit]]

    def author_stats(self):
        out = []
        for author_id, name in sorted(self.authors.items(), key=lambda a: (a[1], a[0])):
            published = [p[0] for p in self.posts if p[1] == author_id and p[3] is not None]
            out.append({"author_id": author_id, "name": name, "published_posts": len(published),
                        "comments_received": sum(self.comments[pid] for pid in published)})
        return out


@contextmanager
def counting(conn):
    """Record every SQL statement the connection runs while the block runs."""
    statements = []
    conn.set_trace_callback(statements.append)  # the candidate's code cannot remove it
    try:
        yield statements
    finally:
        conn.set_trace_callback(None)


def run_counted(conn, call):
    """Run call(session) on a fresh Session; return its result and the statements it ran."""
    session = models.session_for(conn)
    try:
        with counting(conn) as statements:
            result = call(session)
    finally:
        session.close()
    return result, statements


def build_database(n_posts, seed):
    rng = random.Random(seed)
    conn = new_database()
    start = datetime(2024, 1, 1, 8, 0)
    tags = [insert(conn, "tags", name=n) for n in ("api", "databases", "ops", "performance", "python", "security", "testing")]
    # Duplicate names on purpose: ordering falls back to id.
    authors = [insert(conn, "authors", name=n) for n in ("Grace", "Alan", "Edsger", "Barbara", "Alan", "Ken", "Zed")]
    writers = authors[:-1]  # Zed never writes
    for i in range(n_posts):
        published = None if rng.random() < 0.2 else start + timedelta(hours=rng.randint(0, n_posts // 3))
        post = insert(conn, "posts", title=f"Post {i}", author_id=rng.choice(writers), published_at=published)
        for tag in rng.sample(tags, rng.randint(0, 4)):
            insert(conn, "post_tags", post_id=post, tag_id=tag)
        for j in range(rng.choice([0, 0, 1, 2, 5, 9])):
            insert(conn, "comments", post_id=post, body=f"c{j}", created_at=start)
    conn.commit()
    return conn


@pytest.fixture(scope="module")
def big():
    conn = build_database(300, seed=1)
    # Read once, before any candidate call: what the candidate's code writes cannot move the oracle.
    yield conn, Blog(conn)
    conn.close()


FEED_BUDGET, STATS_BUDGET = 3, 2


def actual_within(conn, call, budget):
    """The candidate's result, which must also come within `budget` statements.

    Keeping the output is only half of the job.
    """
    actual, statements = run_counted(conn, call)
    assert len(statements) <= budget, (len(statements), statements[:5])
    return actual


@pytest.mark.points(3)
def test_feed_matches_on_large_data(big):
    conn, expected = big
    for limit in (1, 20, 57, 1000):
        actual = actual_within(conn, lambda s: feed.build_feed(s, limit=limit), FEED_BUDGET)
        strict_equal(actual, expected.feed(limit=limit))


@pytest.mark.points(3)
def test_feed_tag_filter_keeps_every_tag(big):
    conn, expected = big
    for tag in ("python", "security", "nope"):
        for limit in (5, 40):
            actual = actual_within(conn, lambda s: feed.build_feed(s, limit=limit, tag=tag), FEED_BUDGET)
            strict_equal(actual, expected.feed(limit=limit, tag=tag))
    assert any(len(item["tags"]) > 1 for item in expected.feed(limit=40, tag="python"))


@pytest.mark.points(2)
def test_feed_default_limit_and_ties(big):
    conn, expected = big
    actual = actual_within(conn, feed.build_feed, FEED_BUDGET)
    strict_equal(actual, expected.feed())
    assert len(actual) == 20
    stamps = [item["published_at"] for item in actual]
    assert len(set(stamps)) < len(stamps), "the data set is meant to contain ties"


@pytest.mark.points(4)
def test_feed_budget_does_not_grow(big):
    conn, _ = big
    for limit, tag in ((1, None), (50, None), (1000, None), (50, "python")):
        actual = actual_within(conn, lambda s: feed.build_feed(s, limit=limit, tag=tag), FEED_BUDGET)
        assert actual, (limit, tag)


@pytest.mark.points(3)
@pytest.mark.skill("sql")
def test_author_stats_matches_on_large_data(big):
    conn, expected = big
    actual = actual_within(conn, feed.author_stats, STATS_BUDGET)
    strict_equal(actual, expected.author_stats())
    assert actual[-1]["name"] == "Zed" and actual[-1]["published_posts"] == 0


@pytest.mark.points(4)
def test_author_stats_budget(big):
    conn, _ = big
    actual = actual_within(conn, feed.author_stats, STATS_BUDGET)
    assert len(actual) == 7


@pytest.mark.points(2)
def test_edge_cases_small_database():
    conn = new_database()
    for oracle, call in ((Blog.feed, feed.build_feed), (Blog.author_stats, feed.author_stats)):
        actual, _ = run_counted(conn, call)
        strict_equal(actual, oracle(Blog(conn)))  # empty database
    ann, bob = insert(conn, "authors", name="Ann"), insert(conn, "authors", name="Bob")
    t = datetime(2024, 5, 5, 12, 0)
    draft = insert(conn, "posts", title="Draft", author_id=ann, published_at=None)
    insert(conn, "comments", post_id=draft, body="early", created_at=t)
    insert(conn, "posts", title="No tags, no comments", author_id=ann, published_at=t)
    twin = insert(conn, "posts", title="Same time", author_id=bob, published_at=t)
    for name in ("zeta", "alpha"):
        insert(conn, "post_tags", post_id=twin, tag_id=insert(conn, "tags", name=name))
    for body in ("x", "y"):
        insert(conn, "comments", post_id=twin, body=body, created_at=t)
    conn.commit()
    expected = Blog(conn)
    for oracle, call, budget in ((lambda: expected.feed(limit=10), lambda s: feed.build_feed(s, limit=10), FEED_BUDGET),
                                 (lambda: expected.feed(tag="alpha"), lambda s: feed.build_feed(s, tag="alpha"), FEED_BUDGET),
                                 (expected.author_stats, feed.author_stats, STATS_BUDGET)):
        strict_equal(actual_within(conn, call, budget), oracle())
    actual, _ = run_counted(conn, feed.author_stats)
    strict_equal(actual, [
        {"author_id": 1, "name": "Ann", "published_posts": 1, "comments_received": 0},
        {"author_id": 2, "name": "Bob", "published_posts": 1, "comments_received": 2},
    ])
    conn.close()
