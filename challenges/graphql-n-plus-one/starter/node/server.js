'use strict';
// Bookshop GraphQL service: POST /graphql over PostgreSQL. Start here (see statement.md).

const http = require('http');
const { Pool } = require('pg');
const { graphql } = require('graphql');
const { schema, Loader } = require('./resolvers');

const pool = new Pool({
  connectionString: process.env.DATABASE_URL || 'postgresql://app@127.0.0.1:5432/app',
  max: 5,
});

function send(res, status, payload) {
  const data = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(data);
}

async function execute(request) {
  const result = await graphql({
    schema,
    source: request.query,
    variableValues: request.variables || {},
    operationName: request.operationName,
    contextValue: new Loader(pool),
  });
  const body = { data: result.data === undefined ? null : result.data };
  if (result.errors) body.errors = result.errors.map((error) => error.toJSON());
  return body;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' });
    if (req.method !== 'POST' || req.url !== '/graphql') {
      return send(res, 404, { errors: [{ message: 'not found' }] });
    }
    let request;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      request = null;
    }
    if (!request || typeof request !== 'object' || typeof request.query !== 'string') {
      return send(res, 400, { errors: [{ message: 'expected {query, variables}' }] });
    }
    execute(request).then(
      (body) => send(res, 200, body),
      (err) => send(res, 500, { errors: [{ message: String(err && err.message) }] }),
    );
  });
});

server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
