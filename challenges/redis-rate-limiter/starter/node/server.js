'use strict';
// Rate limiter service: start here (see statement.md). Two instances run at once.

const http = require('http');
const { createClient } = require('redis');

// node-redis v4: await client.eval(script, { keys: [...], arguments: [...] }) and friends.
const client = createClient({ url: process.env.REDIS_URL || 'redis://127.0.0.1:6379/0' });

function send(res, status, payload, headers = {}) {
  const data = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
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
    // TODO: POST /api/requests, GET /limits/<key>, PUT /limits/<key>.
    send(res, 501, { error: { code: 'not_implemented', message: 'Not implemented yet.' } });
  });
});

client.on('error', (err) => console.error('redis:', err.message));
client.connect().then(() => {
  server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
});
