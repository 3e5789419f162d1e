'use strict';
// Orders REST service: start here (see statement.md). Node's standard library only.

const http = require('http');

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
    // TODO: POST /orders, GET /orders, GET /orders/<id>, PATCH /orders/<id>.
    send(res, 501, { error: { code: 'not_implemented', message: 'Not implemented yet.' } });
  });
});

server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
