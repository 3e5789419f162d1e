"""Hidden tests: the statements one page of books costs, counted by pg_stat_statements."""

import pytest

PAGE = (
    "query($n: Int!) { books(first: $n) {"
    " edges { node { id title author { name } reviews { rating } } } pageInfo { hasNextPage } } }"
)
# Statements whose text names the table as a word; the pattern is a parameter, so these
# counting queries (they name pg_stat_statements, not the table) never count themselves.
CALLS = (
    "SELECT coalesce(sum(calls), 0)::bigint FROM stats.pg_stat_statements"
    " WHERE query ~* %s AND query !~* 'pg_stat_statements'"
)
TABLES = ("authors", "reviews")


def calls(db):
    """Return how many statements naming each table have run so far, by this role."""
    return {t: db.execute(CALLS, [rf"\m{t}\M"]).fetchone()[0] for t in TABLES}


def statements_for(http, db, first):
    """Return, per table, the statements naming it that one `books(first)` request ran."""
    before = calls(db)
    resp = http.post("/graphql", json={"query": PAGE, "variables": {"n": first}})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert not body.get("errors"), body
    assert len(body["data"]["books"]["edges"]) == first
    after = calls(db)
    return {t: after[t] - before[t] for t in TABLES}


@pytest.mark.points(5)
@pytest.mark.skill("performance")
def test_a_page_reads_authors_and_reviews_in_a_fixed_number_of_statements(http, db):
    statements_for(http, db, 10)  # warm-up: lazy start-up work is not the point here
    small = statements_for(http, db, 10)
    large = statements_for(http, db, 50)
    for table in TABLES:
        assert large[table] <= 2, f"{large[table]} statements on {table} for 50 books"
    assert small == large, f"10 books: {small}, 50 books: {large}"


@pytest.mark.points(1)
@pytest.mark.skill("performance")
def test_the_counting_sees_the_service(http, db):
    # The check above would pass vacuously if the statistics missed the service's statements.
    before = calls(db)
    resp = http.post("/graphql", json={"query": '{ book(id: "1") { author { name } } }'})
    assert resp.json()["data"]["book"]["author"]["name"]
    after = calls(db)
    assert after["authors"] > before["authors"]
