'use strict';
// The schema and its resolvers: the children of a page's parents load in one query each.

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

function encodeCursor(offset) {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor) {
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || encodeCursor(match[1]) !== cursor) throw new GraphQLError('invalid cursor');
  return Number(match[1]);
}

function parseId(value) {
  return /^\d{1,9}$/.test(value) ? Number(value) : null;
}

// Collects the keys asked for during one tick, then loads them all with one query:
// graphql-js calls the resolvers of every item of a list before any of their promises settle.
class Batch {
  constructor(load) {
    this.load = load; // keys -> Map(key -> value)
    this.cache = new Map();
    this.queue = null;
  }

  get(key) {
    if (!this.cache.has(key)) {
      if (!this.queue) {
        this.queue = [];
        setImmediate(() => this.dispatch());
      }
      const entry = {};
      entry.promise = new Promise((resolve, reject) => Object.assign(entry, { resolve, reject }));
      this.queue.push({ key, entry });
      this.cache.set(key, entry.promise);
    }
    return this.cache.get(key);
  }

  async dispatch() {
    const queue = this.queue;
    this.queue = null;
    try {
      const values = await this.load(queue.map((item) => item.key));
      for (const { key, entry } of queue) entry.resolve(values.get(key));
    } catch (err) {
      for (const { entry } of queue) entry.reject(err);
    }
  }
}

function groupBy(keys, rows, column) {
  const groups = new Map(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(row[column]).push(row);
  return groups;
}

class Loader {
  constructor(pool) {
    this.pool = pool;
    this.authors = new Batch(async (ids) => {
      const sql = 'SELECT id, name FROM authors WHERE id = ANY($1::int[])';
      const { rows } = await pool.query(sql, [ids]);
      return new Map(rows.map((row) => [row.id, row]));
    });
    this.reviews = new Batch(async (bookIds) => {
      const sql =
        'SELECT id, book_id, rating, body FROM reviews WHERE book_id = ANY($1::int[]) ORDER BY id';
      return groupBy(bookIds, (await pool.query(sql, [bookIds])).rows, 'book_id');
    });
    this.booksOf = new Batch(async (authorIds) => {
      const sql = `SELECT ${BOOK_COLUMNS} FROM books WHERE author_id = ANY($1::int[]) ORDER BY id`;
      return groupBy(authorIds, (await pool.query(sql, [authorIds])).rows, 'author_id');
    });
  }

  async one(sql, params) {
    const { rows } = await this.pool.query(sql, params);
    return rows[0] || null;
  }
}

async function resolveBooks(_root, { first, after }, loader) {
  if (first < 1 || first > MAX_FIRST) throw new GraphQLError(`first must be from 1 to ${MAX_FIRST}`);
  const start = after === undefined || after === null ? 0 : decodeCursor(after);
  const sql = `SELECT ${BOOK_COLUMNS} FROM books ORDER BY id OFFSET $1 LIMIT $2`;
  const { rows } = await loader.pool.query(sql, [start, first + 1]);
  const page = rows.slice(0, first);
  return {
    edges: page.map((row, i) => ({ cursor: encodeCursor(start + i + 1), node: row })),
    pageInfo: {
      hasNextPage: rows.length > first,
      endCursor: page.length ? encodeCursor(start + page.length) : null,
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
  Book: {
    author: (book, _args, loader) => loader.authors.get(book.author_id),
    reviews: (book, _args, loader) => loader.reviews.get(book.id),
  },
  Author: {
    books: (author, _args, loader) => loader.booksOf.get(author.id),
  },
};

const schema = buildSchema(SDL);
for (const [typeName, fields] of Object.entries(resolvers)) {
  const typeFields = schema.getType(typeName).getFields();
  for (const [field, resolve] of Object.entries(fields)) typeFields[field].resolve = resolve;
}

module.exports = { schema, Loader };
