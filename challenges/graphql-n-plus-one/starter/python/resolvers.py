"""The schema and its resolvers. They work, but one page of books costs a query per book."""

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
    """What a request's resolvers share: its connection. (Room for per-request batching.)"""

    def __init__(self, conn):
        self.conn = conn


def resolve_books(_root, info, first, after=None):
    if not 1 <= first <= MAX_FIRST:
        raise GraphQLError(f"first must be from 1 to {MAX_FIRST}")
    start = decode_cursor(after) if after is not None else 0
    sql = f"SELECT {BOOK_COLUMNS} FROM books WHERE id > %s ORDER BY id LIMIT %s"
    rows = info.context.conn.execute(sql, [start, first + 1]).fetchall()
    page = rows[:first]
    return {
        "edges": [{"cursor": encode_cursor(row["id"]), "node": row} for row in page],
        "pageInfo": {
            "hasNextPage": len(rows) > first,
            "endCursor": encode_cursor(page[-1]["id"]) if page else None,
        },
    }


def resolve_book(_root, info, id):
    book_id = parse_id(id)
    if book_id is None:
        return None
    sql = f"SELECT {BOOK_COLUMNS} FROM books WHERE id = %s"
    return info.context.conn.execute(sql, [book_id]).fetchone()


def resolve_author(_root, info, id):
    author_id = parse_id(id)
    if author_id is None:
        return None
    return info.context.conn.execute(
        "SELECT id, name FROM authors WHERE id = %s", [author_id]
    ).fetchone()


# TODO: these run once per parent: a page of 50 books sends 50 author and 50 review queries.
def resolve_book_author(book, info):
    sql = "SELECT id, name FROM authors WHERE id = %s"
    return info.context.conn.execute(sql, [book["author_id"]]).fetchone()


def resolve_book_reviews(book, info):
    sql = "SELECT id, book_id, rating, body FROM reviews WHERE book_id = %s ORDER BY id"
    return info.context.conn.execute(sql, [book["id"]]).fetchall()


def resolve_author_books(author, info):
    sql = f"SELECT {BOOK_COLUMNS} FROM books WHERE author_id = %s ORDER BY id"
    return info.context.conn.execute(sql, [author["id"]]).fetchall()


def build_schema():
    """Return the executable schema: the SDL with its resolvers attached."""
    schema = graphql.build_schema(SDL)
    resolvers = {
        ("Query", "books"): resolve_books,
        ("Query", "book"): resolve_book,
        ("Query", "author"): resolve_author,
        ("Book", "author"): resolve_book_author,
        ("Book", "reviews"): resolve_book_reviews,
        ("Author", "books"): resolve_author_books,
    }
    for (type_name, field), resolve in resolvers.items():
        schema.type_map[type_name].fields[field].resolve = resolve
    return schema
