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
        assert len(actual) == len(expected), (actual, expected)
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


@pytest.fixture
def blog():
    conn = new_database()
    start = datetime(2024, 3, 1, 9, 0)
    tags = [insert(conn, "tags", name=n) for n in ("databases", "performance", "python")]
    authors = [insert(conn, "authors", name=n) for n in ("Grace", "Alan", "Edsger")]
    for i in range(30):
        post = insert(conn, "posts", title=f"Post {i}", author_id=authors[i % 3],
                      published_at=None if i % 7 == 0 else start + timedelta(hours=i))
        for tag in tags[: i % 4]:
            insert(conn, "post_tags", post_id=post, tag_id=tag)
        for j in range(i % 5):
            insert(conn, "comments", post_id=post, body=f"c{j}", created_at=start)
    conn.commit()
    yield conn, Blog(conn)
    conn.close()


@pytest.mark.points(2)
def test_feed_output_unchanged(blog):
    conn, expected = blog
    actual, _ = run_counted(conn, lambda s: feed.build_feed(s, limit=10))
    strict_equal(actual, expected.feed(limit=10))


@pytest.mark.points(2)
def test_author_stats_output_unchanged(blog):
    conn, expected = blog
    actual, _ = run_counted(conn, feed.author_stats)
    strict_equal(actual, expected.author_stats())


@pytest.mark.points(3)
def test_feed_query_budget(blog):
    conn, _ = blog
    _, statements = run_counted(conn, lambda s: feed.build_feed(s, limit=20))
    assert len(statements) <= 3, statements
