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

// The paid orders of the range; each one's lines and each kept customer's name are read after.
const PAID_ORDERS = `
  SELECT id, customer_id FROM orders
  WHERE status = 'paid'
    AND created_at >= $1::date::timestamp AT TIME ZONE 'UTC'
    AND created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'`;
const ORDER_LINES = 'SELECT quantity, unit_price_cents FROM order_items WHERE order_id = $1';
const CUSTOMER_NAME = 'SELECT name FROM customers WHERE id = $1';

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
  const { rows: orders } = await pool.query(PAID_ORDERS, [first, last]);
  const totals = new Map(); // customer id -> {orders, revenue}
  for (const order of orders) {
    const { rows: lines } = await pool.query(ORDER_LINES, [order.id]);
    const total = totals.get(order.customer_id) || { orders: 0, revenue: 0 };
    total.orders += 1;
    for (const line of lines) total.revenue += line.quantity * line.unit_price_cents;
    totals.set(order.customer_id, total);
  }
  const top = [...totals.entries()]
    .sort(([idA, a], [idB, b]) => b.revenue - a.revenue || idA - idB)
    .slice(0, limit);
  const customers = [];
  for (const [id, total] of top) {
    const { rows: named } = await pool.query(CUSTOMER_NAME, [id]);
    customers.push({ customer_id: id, name: named[0].name, orders: total.orders, revenue_cents: total.revenue });
  }
  return customers;
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
