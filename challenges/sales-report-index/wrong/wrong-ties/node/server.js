'use strict';
// Sales report service: top customers by paid revenue over a range of days (http, pg).

const http = require('http');
const { Pool } = require('pg');

// A few connections are plenty for one report at a time; the store allows 30 in all.
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 5 });

// The report reads only paid orders in a created_at range, then the lines of each: a partial
// index serves the first, an index on the foreign key the second. Without them both tables are
// scanned whole on every request.
const INDEXES = [
  "CREATE INDEX IF NOT EXISTS orders_paid_created_at_idx ON orders (created_at) WHERE status = 'paid'",
  'CREATE INDEX IF NOT EXISTS order_items_order_id_idx ON order_items (order_id)',
];

// Aggregate first, then look up the names of the few customers kept. The range is compared on
// the bare column (no cast), so that the index serves it.
const TOP_CUSTOMERS = `
  WITH totals AS (
    SELECT o.customer_id,
           count(DISTINCT o.id) AS orders,
           sum(i.quantity::bigint * i.unit_price_cents) AS revenue_cents
    FROM orders o
    JOIN order_items i ON i.order_id = o.id
    WHERE o.status = 'paid'
      AND o.created_at >= $1::date::timestamp AT TIME ZONE 'UTC'
      AND o.created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
    GROUP BY o.customer_id
    ORDER BY revenue_cents DESC
    LIMIT $3
  )
  SELECT t.customer_id, c.name, t.orders, t.revenue_cents::text AS revenue_cents
  FROM totals t
  JOIN customers c ON c.id = t.customer_id
  ORDER BY t.revenue_cents DESC, c.name`;

class BadRequest extends Error {}

// A calendar date YYYY-MM-DD (no 2025-02-30), returned as the same string.
function parseDay(params, name) {
  const value = params.get(name);
  const match = value === null ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) throw new BadRequest(`${name} must be a date YYYY-MM-DD`);
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new BadRequest(`${name} is not a calendar date`);
  }
  return value;
}

function parseLimit(params) {
  const value = params.get('limit') ?? '10';
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 100) {
    throw new BadRequest('limit must be an integer from 1 to 100');
  }
  return Number(value);
}

async function topCustomers(params) {
  const first = parseDay(params, 'from');
  const last = parseDay(params, 'to');
  const limit = parseLimit(params);
  if (first > last) throw new BadRequest('from must not be after to'); // same-width ISO dates sort as text
  const { rows } = await pool.query(TOP_CUSTOMERS, [first, last, limit]);
  // pg returns bigints as text; a JS number is exact up to 2^53 cents (90 trillion euros).
  return rows.map((r) => ({
    customer_id: r.customer_id,
    name: r.name,
    orders: Number(r.orders),
    revenue_cents: Number(r.revenue_cents),
  }));
}

function send(res, status, payload) {
  const data = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(data);
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  try {
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && url.pathname === '/reports/top-customers') {
      return send(res, 200, { customers: await topCustomers(url.searchParams) });
    }
    return send(res, 404, { error: { code: 'not_found', message: 'No such resource.' } });
  } catch (err) {
    if (err instanceof BadRequest) return send(res, 400, { error: { code: 'bad_request', message: err.message } });
    console.error(err);
    return send(res, 500, { error: { code: 'internal', message: 'Internal error.' } });
  }
}

async function main() {
  // Before listening: /health answers only once the report can be served fast.
  for (const statement of INDEXES) await pool.query(statement);
  await pool.query('ANALYZE orders, order_items');
  http.createServer((req, res) => handle(req, res)).listen(Number(process.env.PORT || 8080), '127.0.0.1');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
