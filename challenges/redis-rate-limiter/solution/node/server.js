'use strict';
// Redis-backed rate limiter service (reference). Two instances share every quota via Redis.

const http = require('http');
const crypto = require('crypto');
const { createClient } = require('redis');

const DEFAULT_CAPACITY = 10;
const DEFAULT_WINDOW_MS = 60000;
const API_KEY = /^[A-Za-z0-9_-]{1,64}$/;

// One script, so that reading the log and adding to it are one atomic step: two instances
// (or two concurrent requests) can never both see "one slot left" and both take it.
const HIT = `
local limit = redis.call('HMGET', KEYS[2], 'capacity', 'window_ms')
local capacity = tonumber(limit[1]) or tonumber(ARGV[2])
local window = tonumber(limit[2]) or tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < capacity then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, capacity, capacity - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, capacity, 0, tonumber(oldest[2]) + window - now}
`;

const client = createClient({ url: process.env.REDIS_URL || 'redis://127.0.0.1:6379/0' });

function send(res, status, payload, headers = {}) {
  const data = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
  res.end(data);
}

function error(code, message) {
  return { error: { code, message } };
}

async function getLimit(key) {
  const [capacity, windowMs] = await client.hmGet(`rl:limit:${key}`, ['capacity', 'window_ms']);
  if (capacity === null || windowMs === null) return [DEFAULT_CAPACITY, DEFAULT_WINDOW_MS];
  return [Number(capacity), Number(windowMs)];
}

function limitProblems(body) {
  const problems = {};
  for (const [name, low, high] of [['capacity', 1, 100000], ['window_ms', 100, 86400000]]) {
    const value = body[name];
    if (!Number.isInteger(value) || value < low || value > high) {
      problems[name] = `must be an integer from ${low} to ${high}`;
    }
  }
  for (const name of Object.keys(body)) {
    if (name !== 'capacity' && name !== 'window_ms') problems[name] = 'unknown field';
  }
  return problems;
}

async function hit(req, res) {
  const key = req.headers['x-api-key'] || '';
  if (!API_KEY.test(key)) {
    return send(res, 401, error('invalid_api_key', 'X-Api-Key is missing or invalid.'));
  }
  const member = crypto.randomUUID(); // two requests in the same millisecond are two entries
  const [allowed, capacity, remaining, waitMs] = await client.eval(HIT, {
    keys: [`rl:log:${key}`, `rl:limit:${key}`],
    arguments: [member, String(DEFAULT_CAPACITY), String(DEFAULT_WINDOW_MS)],
  });
  const headers = { 'X-RateLimit-Limit': capacity, 'X-RateLimit-Remaining': remaining };
  if (allowed === 1) return send(res, 200, { allowed: true, remaining }, headers);
  headers['Retry-After'] = Math.max(1, Math.ceil(waitMs / 1000));
  send(res, 429, error('rate_limited', 'Too many requests.'), headers);
}

async function limits(req, res, key, raw) {
  if (!API_KEY.test(key)) {
    return send(res, 400, error('invalid_api_key', 'The key in the path is invalid.'));
  }
  if (req.method === 'GET') {
    const [capacity, windowMs] = await getLimit(key);
    return send(res, 200, { key, capacity, window_ms: windowMs });
  }
  let body;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    body = null;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return send(res, 400, error('bad_request', 'The body must be a JSON object.'));
  }
  const problems = limitProblems(body);
  if (Object.keys(problems).length) {
    const payload = error('validation_error', 'Some fields are invalid.');
    payload.error.fields = problems;
    return send(res, 422, payload);
  }
  await client.hSet(`rl:limit:${key}`, {
    capacity: String(body.capacity),
    window_ms: String(body.window_ms),
  });
  send(res, 200, { key, capacity: body.capacity, window_ms: body.window_ms });
}

async function route(req, res, raw) {
  const path = new URL(req.url, 'http://localhost').pathname;
  if (path === '/health') {
    if (req.method !== 'GET') return send(res, 405, error('method_not_allowed', 'Use GET.'));
    return send(res, 200, { status: 'ok' });
  }
  if (path === '/api/requests') {
    if (req.method !== 'POST') return send(res, 405, error('method_not_allowed', 'Use POST.'));
    return hit(req, res);
  }
  const match = /^\/limits\/([^/]*)$/.exec(path);
  if (match) {
    if (req.method !== 'GET' && req.method !== 'PUT') {
      return send(res, 405, error('method_not_allowed', 'Use GET or PUT.'));
    }
    return limits(req, res, decodeURIComponent(match[1]), raw);
  }
  send(res, 404, error('not_found', 'No such path.'));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    route(req, res, Buffer.concat(chunks).toString()).catch((err) => {
      console.error(err);
      if (!res.headersSent) send(res, 500, error('internal', 'Internal error.'));
    });
  });
});

client.on('error', (err) => console.error('redis:', err.message));
client.connect().then(() => {
  server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
});
