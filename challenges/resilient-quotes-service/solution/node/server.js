'use strict';
// Quotes service: prices from a flaky upstream, with timeouts, retries and a circuit breaker.

const http = require('http');

const UPSTREAM_URL = (process.env.UPSTREAM_URL || 'http://127.0.0.1:9090').replace(/\/+$/, '');
const TRY_TIMEOUT_MS = 1000;
const BACKOFF_MS = [100, 200]; // before the second and the third try
const FAILURE_THRESHOLD = 5;
const OPEN_MS = 2000;
const SYMBOL = /^[A-Za-z0-9._-]{1,32}$/;

// One circuit per symbol: consecutive failed tries, when it opened, whether a probe is out.
const breakers = new Map();
const lastGood = new Map();

function acquire(symbol) {
  let breaker = breakers.get(symbol);
  if (!breaker) {
    breaker = { failures: 0, openedAt: null, probing: false };
    breakers.set(symbol, breaker);
  }
  if (breaker.openedAt === null) return { allowed: true };
  const left = OPEN_MS - (Date.now() - breaker.openedAt);
  if (left > 0 || breaker.probing) {
    return { allowed: false, retryAfter: Math.max(1, Math.ceil(left / 1000)) };
  }
  breaker.probing = true; // half-open: this try is the one probe
  return { allowed: true };
}

function record(symbol, failed) {
  const breaker = breakers.get(symbol);
  const wasProbe = breaker.probing;
  breaker.probing = false;
  if (!failed) {
    breaker.failures = 0;
    breaker.openedAt = null;
    return;
  }
  breaker.failures += 1;
  if (wasProbe || breaker.failures >= FAILURE_THRESHOLD) breaker.openedAt = Date.now();
}

// One try: {outcome: 'ok', quote} | {outcome: 'client', status} | {outcome: 'fail'}.
function fetchOnce(symbol) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    // agent: false, a fresh connection per try; the timer covers connect, headers and body.
    const req = http.get(`${UPSTREAM_URL}/prices/${symbol}`, { agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', () => finish({ outcome: 'fail' }));
      res.on('aborted', () => finish({ outcome: 'fail' }));
      res.on('end', () => {
        if (res.statusCode >= 400 && res.statusCode < 500) {
          finish({ outcome: 'client', status: res.statusCode });
          return;
        }
        if (res.statusCode !== 200) {
          finish({ outcome: 'fail' });
          return;
        }
        let data;
        try {
          data = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch (err) {
          finish({ outcome: 'fail' });
          return;
        }
        const ok = data && typeof data === 'object' && !Array.isArray(data) &&
          typeof data.price === 'number' && typeof data.currency === 'string';
        finish(ok
          ? { outcome: 'ok', quote: { symbol, price: data.price, currency: data.currency } }
          : { outcome: 'fail' });
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
      finish({ outcome: 'fail' });
    }, TRY_TIMEOUT_MS);
    req.on('error', () => finish({ outcome: 'fail' }));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function error(code, message) {
  return { error: { code, message } };
}

function fallback(symbol) {
  const quote = lastGood.get(symbol);
  return quote ? { status: 200, body: { ...quote, stale: true } } : null;
}

async function getQuote(symbol) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (attempt > 0) await sleep(BACKOFF_MS[attempt - 1]);
    const gate = acquire(symbol);
    if (!gate.allowed) {
      return fallback(symbol) || {
        status: 503,
        body: error('circuit_open', 'The upstream is failing; try again later.'),
        headers: { 'Retry-After': String(gate.retryAfter) },
      };
    }
    const result = await fetchOnce(symbol);
    record(symbol, result.outcome === 'fail');
    if (result.outcome === 'ok') {
      lastGood.set(symbol, result.quote);
      return { status: 200, body: { ...result.quote, stale: false } };
    }
    if (result.outcome === 'client') {
      if (result.status === 404) return { status: 404, body: error('unknown_symbol', 'No such symbol.') };
      return { status: 502, body: error('upstream_error', `The upstream refused (${result.status}).`) };
    }
  }
  return fallback(symbol) || {
    status: 503, body: error('upstream_unavailable', 'The upstream did not answer.'),
  };
}

function send(res, { status, body, headers = {} }) {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
  res.end(data);
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  if (req.method === 'GET' && path === '/health') {
    send(res, { status: 200, body: { status: 'ok' } });
  } else if (req.method === 'GET' && path.startsWith('/quotes/')) {
    const symbol = path.slice('/quotes/'.length);
    if (!SYMBOL.test(symbol)) {
      send(res, { status: 400, body: error('invalid_symbol', 'A symbol is 1-32 of A-Z a-z 0-9 . _ -.') });
      return;
    }
    getQuote(symbol).then((answer) => send(res, answer));
  } else {
    send(res, { status: 404, body: error('not_found', 'No such path.') });
  }
});

server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
