'use strict';
// The schema and its resolvers. They work, but one page of books costs a query per book.

const { buildSchema, GraphQLError } = require('graphql');

const SDL = `
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
`;
const MAX_FIRST = 100;
const BOOK_COLUMNS = 'id, title, year, author_id';

function encodeCursor(id) {
  return Buffer.from(`book:${id}`).toString('base64url');
}

function decodeCursor(cursor) {
  const match = /^book:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || encodeCursor(match[1]) !== cursor) throw new GraphQLError('invalid cursor');
  return Number(match[1]);
}

function parseId(value) {
  return /^\d{1,9}$/.test(value) ? Number(value) : null;
}

class Loader {
  // What a request's resolvers share: the pool. (Room for per-request batching.)
  constructor(pool) {
    this.pool = pool;
  }

  async one(sql, params) {
    const { rows } = await this.pool.query(sql, params);
    return rows[0] || null;
  }

  async all(sql, params) {
    return (await this.pool.query(sql, params)).rows;
  }
}

async function resolveBooks(_root, { first, after }, loader) {
  if (first < 1 || first > MAX_FIRST) throw new GraphQLError(`first must be from 1 to ${MAX_FIRST}`);
  const start = after === undefined || after === null ? 0 : decodeCursor(after);
  const sql = `SELECT ${BOOK_COLUMNS} FROM books WHERE id > $1 ORDER BY id LIMIT $2`;
  const { rows } = await loader.pool.query(sql, [start, first + 1]);
  const page = rows.slice(0, first);
  return {
    edges: page.map((row) => ({ cursor: encodeCursor(row.id), node: row })),
    pageInfo: {
      hasNextPage: rows.length > first,
      endCursor: page.length ? encodeCursor(page[page.length - 1].id) : null,
    },
  };
}

const resolvers = {
  Query: {
    books: resolveBooks,
    book: (_root, { id }, loader) =>
      parseId(id) === null
        ? null
        : loader.one(`SELECT ${BOOK_COLUMNS} FROM books WHERE id = $1`, [parseId(id)]),
    author: (_root, { id }, loader) =>
      parseId(id) === null
        ? null
        : loader.one('SELECT id, name FROM authors WHERE id = $1', [parseId(id)]),
  },
  // TODO: these run once per parent: a page of 50 books sends 50 author and 50 review queries.
  Book: {
    author: (book, _args, loader) =>
      loader.one('SELECT id, name FROM authors WHERE id = $1', [book.author_id]),
    reviews: (book, _args, loader) =>
      loader.all('SELECT id, book_id, rating, body FROM reviews WHERE book_id = $1 ORDER BY id', [
        book.id,
      ]),
  },
  Author: {
    books: (author, _args, loader) =>
      loader.all(`SELECT ${BOOK_COLUMNS} FROM books WHERE author_id = $1 ORDER BY id`, [author.id]),
  },
};

const schema = buildSchema(SDL);
for (const [typeName, fields] of Object.entries(resolvers)) {
  const typeFields = schema.getType(typeName).getFields();
  for (const [field, resolve] of Object.entries(fields)) typeFields[field].resolve = resolve;
}

module.exports = { schema, Loader };
