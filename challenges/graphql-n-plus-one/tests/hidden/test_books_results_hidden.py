"""Hidden tests: exact results, compared with the tests' own SQL on the same database."""

import uuid

import pytest

BOOK_FIELDS = "id title year author { id name } reviews { id rating body }"
PAGE = (
    "query($n: Int!, $after: String) { books(first: $n, after: $after) {"
    " edges { cursor node { %s } } pageInfo { hasNextPage endCursor } } }"
)


def gql(http, query, **variables):
    resp = http.post("/graphql", json={"query": query, "variables": variables})
    assert resp.status_code in (200, 400), resp.text
    return resp.json()


def page(http, first, after=None, fields="id"):
    """Return one page of `books`; fail on errors."""
    body = gql(http, PAGE % fields, n=first, after=after)
    assert not body.get("errors"), body
    return body["data"]["books"]


def book_from_db(db, book_id):
    title, year, author_id, name = db.execute(
        "SELECT b.title, b.year, a.id, a.name FROM books b JOIN authors a ON a.id = b.author_id"
        " WHERE b.id = %s",
        [book_id],
    ).fetchone()
    reviews = db.execute(
        "SELECT id, rating, body FROM reviews WHERE book_id = %s ORDER BY id", [book_id]
    ).fetchall()
    return {
        "id": str(book_id),
        "title": title,
        "year": year,
        "author": {"id": str(author_id), "name": name},
        "reviews": [{"id": str(i), "rating": r, "body": b} for i, r, b in reviews],
    }


def new_author(db, books):
    """Insert an author with `books` books of its own; return (author id, book ids)."""
    name = f"hidden-{uuid.uuid4().hex[:10]}"
    author_id = db.execute(
        "INSERT INTO authors (name) VALUES (%s) RETURNING id", [name]
    ).fetchone()[0]
    ids = [
        db.execute(
            "INSERT INTO books (title, year, author_id) VALUES (%s, 2001, %s) RETURNING id",
            [f"{name} book {n}", author_id],
        ).fetchone()[0]
        for n in range(books)
    ]
    return author_id, ids


@pytest.mark.points(4)
@pytest.mark.skill("api-design")
def test_walking_every_page_returns_every_book_exactly(http, db):
    ids = [row[0] for row in db.execute("SELECT id FROM books ORDER BY id")]
    seen, after = [], None
    while True:
        books = page(http, 100, after, BOOK_FIELDS)
        seen += [edge["node"] for edge in books["edges"]]
        for edge in books["edges"]:
            assert isinstance(edge["cursor"], str)
        if not books["pageInfo"]["hasNextPage"]:
            break
        after = books["pageInfo"]["endCursor"]
        assert len(seen) <= len(ids), "more pages than books"
    assert [book["id"] for book in seen] == [str(i) for i in ids]
    assert seen == [book_from_db(db, i) for i in ids]


def walk_to(http, count):
    """Return the endCursor after the first `count` books, in pages of at most 100."""
    after = None
    while count > 0:
        step = min(100, count)
        after = page(http, step, after)["pageInfo"]["endCursor"]
        count -= step
    return after


@pytest.mark.points(2)
@pytest.mark.skill("api-design")
def test_has_next_page_is_exact_at_the_end(http, db):
    ids = [row[0] for row in db.execute("SELECT id FROM books ORDER BY id")]
    after = walk_to(http, len(ids) - 3)
    last = page(http, 3, after)
    assert [edge["node"]["id"] for edge in last["edges"]] == [str(i) for i in ids[-3:]]
    assert last["pageInfo"] == {"hasNextPage": False, "endCursor": last["edges"][-1]["cursor"]}
    short = page(http, 2, after)
    assert short["pageInfo"]["hasNextPage"] is True
    assert short["pageInfo"]["endCursor"] == short["edges"][-1]["cursor"]


@pytest.mark.points(3)
@pytest.mark.skill("api-design")
def test_cursor_marks_a_position_not_an_offset(http, db):
    _, ids = new_author(db, 5)
    before = db.execute("SELECT count(*) FROM books WHERE id <= %s", [ids[1]]).fetchone()[0]
    after = walk_to(http, before)  # the page ends on our second book
    db.execute("DELETE FROM books WHERE id = ANY(%s)", [ids[:2]])
    books = page(http, 2, after)
    assert [edge["node"]["id"] for edge in books["edges"]] == [str(i) for i in ids[2:4]]
    assert books["pageInfo"]["hasNextPage"] is True


@pytest.mark.points(1)
@pytest.mark.skill("api-design")
@pytest.mark.parametrize("first", [0, -1, 101])
def test_first_out_of_range_is_an_error(http, first):
    body = gql(http, PAGE % "id", n=first)
    assert body.get("errors"), body
    assert not (body.get("data") or {}).get("books"), body


@pytest.mark.points(1)
@pytest.mark.skill("api-design")
@pytest.mark.parametrize("cursor", ["not a cursor!", "", "eyJpZCI6MX0"])
def test_unknown_cursor_is_an_error(http, cursor):
    body = gql(http, PAGE % "id", n=5, after=cursor)
    assert body.get("errors"), body
    assert not (body.get("data") or {}).get("books"), body


@pytest.mark.points(1)
@pytest.mark.skill("api-design")
def test_unknown_ids_are_null(http):
    query = '{ book(id: "999999999") { id } author(id: "999999999") { id } }'
    assert gql(http, query) == {"data": {"book": None, "author": None}}


@pytest.mark.points(2)
@pytest.mark.skill("api-design")
def test_author_lists_their_books(http, db):
    query = "query($id: ID!) { author(id: $id) { id name books { %s } } }" % BOOK_FIELDS
    author_id, name = db.execute(
        "SELECT id, name FROM authors WHERE id = (SELECT max(author_id) FROM books WHERE id < 100)"
    ).fetchone()
    ids = [
        r[0]
        for r in db.execute("SELECT id FROM books WHERE author_id = %s ORDER BY id", [author_id])
    ]
    body = gql(http, query, id=str(author_id))
    expected = {"id": str(author_id), "name": name, "books": [book_from_db(db, i) for i in ids]}
    assert body == {"data": {"author": expected}}
    lonely, _ = new_author(db, 0)
    body = gql(http, "query($id: ID!) { author(id: $id) { books { id } } }", id=str(lonely))
    assert body == {"data": {"author": {"books": []}}}


@pytest.mark.points(2)
@pytest.mark.skill("performance")
def test_changes_in_the_database_show_at_once(http, db):
    author_id, (book_id,) = new_author(db, 1)
    query = "query($id: ID!) { book(id: $id) { %s } }" % BOOK_FIELDS
    assert gql(http, query, id=str(book_id)) == {"data": {"book": book_from_db(db, book_id)}}
    db.execute("UPDATE authors SET name = name || ' (renamed)' WHERE id = %s", [author_id])
    db.execute("INSERT INTO reviews (book_id, rating, body) VALUES (%s, 4, 'fresh')", [book_id])
    fresh = book_from_db(db, book_id)
    assert fresh["author"]["name"].endswith("(renamed)") and fresh["reviews"]
    assert gql(http, query, id=str(book_id)) == {"data": {"book": fresh}}
