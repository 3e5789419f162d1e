'use strict';
// Sales report service: start here (see statement.md). Node's http and the pg driver.

const http = require('http');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 5 });

function send(res, status, payload) {
  const data = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(data);
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok' });
  // TODO: GET /reports/top-customers (see statement.md), with `await pool.query(sql, params)`.
  return send(res, 501, { error: { code: 'not_implemented', message: 'Not implemented yet.' } });
}

async function main() {
  // Whatever must exist before the first report belongs here, before the server listens.
  await pool.query('SELECT 1');
  http.createServer((req, res) => handle(req, res)).listen(Number(process.env.PORT || 8080), '127.0.0.1');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
