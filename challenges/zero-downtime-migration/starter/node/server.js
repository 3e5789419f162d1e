'use strict';
// Users service of a schema-per-tenant database: start here (see statement.md).

const http = require('http');
const { Pool } = require('pg'); // node-postgres is installed
const migrations = require('./migrations'); // eslint-disable-line no-unused-vars

const pool = new Pool({ // eslint-disable-line no-unused-vars
  connectionString: process.env.DATABASE_URL || 'postgresql://app@127.0.0.1:5432/app',
});

function send(res, status, payload) {
  const data = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(data);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/health') {
      send(res, 200, { status: 'ok' });
      return;
    }
    // TODO: POST /tenants/<tenant>/migrations/{expand,old-code-retired,contract},
    // GET/POST /tenants/<tenant>/users, GET/PATCH /tenants/<tenant>/users/<id>.
    send(res, 501, { error: { code: 'not_implemented', message: 'Not implemented yet.' } });
  });
});

server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
