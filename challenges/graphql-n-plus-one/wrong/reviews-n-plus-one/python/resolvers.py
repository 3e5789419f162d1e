"""The schema and its resolvers: every list of children loaded in one query per request."""

import base64
import binascii

import graphql
from graphql import GraphQLError

SDL = """
type Query {
  books(first: Int!, after: String): BookConnection!
  book(id: ID!): Book
  author(id: ID!): Author
}
type BookConnection { edges: [BookEdge!]!  pageInfo: PageInfo! }
type BookEdge { cursor: String!  node: Book! }
type PageInfo { hasNextPage: Boolean!  endCursor: String }
type Book { id: ID!  title: String!  year: Int!  author: Author!  reviews: [Review!]! }
type Author { id: ID!  name: String!  books: [Book!]! }
type Review { id: ID!  rating: Int!  body: String! }
"""
MAX_FIRST = 100
BOOK_COLUMNS = "id, title, year, author_id"


def encode_cursor(book_id):
    return base64.urlsafe_b64encode(f"book:{book_id}".encode()).decode()


def decode_cursor(cursor):
    """Return the book id a cursor points after; raise GraphQLError if we never issued it."""
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "book" and value.isdigit():
            return int(value)
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise GraphQLError("invalid cursor")


def parse_id(value):
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


class Loader:
    """Per-request batches: a child lookup loads the children of every parent seen so far.

    graphql-core resolves a list depth-first, item by item, so a resolver cannot wait for its
    siblings; instead each query that returns parents records their keys here, and the first
    child lookup loads the children of all of them at once.
    """

    def __init__(self, conn):
        self.conn = conn
        self.authors, self.reviews, self.books_of = {}, {}, {}
        self.author_keys, self.review_keys, self.books_keys = set(), set(), set()

    def saw_books(self, rows):
        for row in rows:
            self.author_keys.add(row["author_id"])
            self.review_keys.add(row["id"])
        return rows

    def saw_authors(self, rows):
        self.books_keys.update(row["id"] for row in rows)
        return rows

    def author(self, author_id):
        if author_id not in self.authors:
            keys = list((self.author_keys | {author_id}) - self.authors.keys())
            sql = "SELECT id, name FROM authors WHERE id = ANY(%s)"
            rows = self.saw_authors(self.conn.execute(sql, [keys]).fetchall())
            self.authors.update((row["id"], row) for row in rows)
        return self.authors[author_id]

    def reviews_of(self, book_id):
        if book_id not in self.reviews:
            keys = list((self.review_keys | {book_id}) - self.reviews.keys())
            sql = (
                "SELECT id, book_id, rating, body FROM reviews WHERE book_id = ANY(%s) ORDER BY id"
            )
            self._group(self.reviews, keys, "book_id", self.conn.execute(sql, [keys]))
        return self.reviews[book_id]

    def books_by(self, author_id):
        if author_id not in self.books_of:
            keys = list((self.books_keys | {author_id}) - self.books_of.keys())
            sql = f"SELECT {BOOK_COLUMNS} FROM books WHERE author_id = ANY(%s) ORDER BY id"
            rows = self.saw_books(self.conn.execute(sql, [keys]).fetchall())
            self._group(self.books_of, keys, "author_id", rows)
        return self.books_of[author_id]

    @staticmethod
    def _group(into, keys, column, rows):
        for key in keys:
            into[key] = []
        for row in rows:
            into[row[column]].append(row)


def resolve_books(_root, info, first, after=None):
    if not 1 <= first <= MAX_FIRST:
        raise GraphQLError(f"first must be from 1 to {MAX_FIRST}")
    start = decode_cursor(after) if after is not None else 0
    loader = info.context
    sql = f"SELECT {BOOK_COLUMNS} FROM books WHERE id > %s ORDER BY id LIMIT %s"
    rows = loader.conn.execute(sql, [start, first + 1]).fetchall()
    page = loader.saw_books(rows[:first])
    return {
        "edges": [{"cursor": encode_cursor(row["id"]), "node": row} for row in page],
        "pageInfo": {
            "hasNextPage": len(rows) > first,
            "endCursor": encode_cursor(page[-1]["id"]) if page else None,
        },
    }


def resolve_book(_root, info, id):
    book_id, loader = parse_id(id), info.context
    if book_id is None:
        return None
    sql = f"SELECT {BOOK_COLUMNS} FROM books WHERE id = %s"
    rows = loader.saw_books(loader.conn.execute(sql, [book_id]).fetchall())
    return rows[0] if rows else None


def resolve_author(_root, info, id):
    author_id, loader = parse_id(id), info.context
    if author_id is None:
        return None
    sql = "SELECT id, name FROM authors WHERE id = %s"
    rows = loader.saw_authors(loader.conn.execute(sql, [author_id]).fetchall())
    return rows[0] if rows else None


def build_schema():
    """Return the executable schema: the SDL with its resolvers attached."""
    schema = graphql.build_schema(SDL)
    resolvers = {
        ("Query", "books"): resolve_books,
        ("Query", "book"): resolve_book,
        ("Query", "author"): resolve_author,
        ("Book", "author"): lambda book, info: info.context.author(book["author_id"]),
        ("Book", "reviews"): lambda book, info: info.context.conn.execute(
            "SELECT id, book_id, rating, body FROM reviews WHERE book_id = %s ORDER BY id",
            [book["id"]],
        ).fetchall(),
        ("Author", "books"): lambda author, info: info.context.books_by(author["id"]),
    }
    for (type_name, field), resolve in resolvers.items():
        schema.type_map[type_name].fields[field].resolve = resolve
    return schema
