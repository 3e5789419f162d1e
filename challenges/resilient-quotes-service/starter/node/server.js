'use strict';
// Quotes service: start here (see statement.md). Node's standard library only.

const http = require('http');

const UPSTREAM_URL = (process.env.UPSTREAM_URL || 'http://127.0.0.1:9090').replace(/\/+$/, '');

function send(res, status, body, headers = {}) {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
  res.end(data);
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  if (req.method === 'GET' && path === '/health') {
    send(res, 200, { status: 'ok' });
    return;
  }
  // TODO: GET /quotes/<symbol>, calling GET `${UPSTREAM_URL}/prices/<symbol>`.
  send(res, 501, { error: { code: 'not_implemented', message: 'Not implemented yet.' } });
});

server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
