"""Public tests: the style of the hidden suite, against your service and its database."""

import pytest

BOOK_FIELDS = "id title year author { id name } reviews { id rating body }"


def gql(http, query, **variables):
    """Send one GraphQL request; return the decoded body."""
    resp = http.post("/graphql", json={"query": query, "variables": variables})
    assert resp.status_code in (200, 400), resp.text
    return resp.json()


def book_from_db(db, book_id):
    """Return a book as the API must show it, read with the tests' own SQL."""
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


def test_health(http):
    assert http.get("/health").status_code == 200


@pytest.mark.points(2)
@pytest.mark.skill("api-design")
def test_first_page_matches_the_database(http, db):
    query = (
        "query($n: Int!) { books(first: $n) { edges { node { %s } } pageInfo { hasNextPage } } }"
    )
    body = gql(http, query % BOOK_FIELDS, n=5)
    assert not body.get("errors"), body
    ids = [row[0] for row in db.execute("SELECT id FROM books ORDER BY id LIMIT 5")]
    books = body["data"]["books"]
    assert [edge["node"] for edge in books["edges"]] == [book_from_db(db, i) for i in ids]
    assert books["pageInfo"]["hasNextPage"] is True


@pytest.mark.points(2)
@pytest.mark.skill("api-design")
def test_book_by_id(http, db):
    book_id = db.execute("SELECT id FROM books ORDER BY id LIMIT 1 OFFSET 6").fetchone()[0]
    body = gql(http, "query($id: ID!) { book(id: $id) { %s } }" % BOOK_FIELDS, id=str(book_id))
    assert body == {"data": {"book": book_from_db(db, book_id)}}
