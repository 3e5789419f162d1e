'use strict';
// Known-wrong: offset pagination disguised as a cursor.
// Orders REST service on Node's http module. Node runs handlers on one thread and every store
// operation below is synchronous, so each check-then-write is atomic without a lock.

const http = require('http');

// A body larger than this is refused: a client cannot make the server buffer gigabytes.
const MAX_BODY = 1 << 20;
const STATUSES = ['pending', 'paid', 'cancelled'];
const ITEM_FIELDS = ['sku', 'quantity', 'unit_price_cents'];
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const orders = []; // orders[id - 1]: ids are dense and ascending
const keys = new Map(); // idempotency key -> {body: canonical JSON, id}

class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    Object.assign(this, { status, code, fields });
  }
}

const notFound = () => new ApiError(404, 'not_found', 'No such order.');
const badRequest = (message) => new ApiError(400, 'bad_request', message);

function isInt(value, low, high) {
  return typeof value === 'number' && Number.isInteger(value) && value >= low && value <= high;
}

function isText(value, longest) {
  return typeof value === 'string' && value.length >= 1 && value.length <= longest && value.trim() !== '';
}

function validateOrder(body) {
  const errors = {};
  for (const name of Object.keys(body)) {
    if (name !== 'customer' && name !== 'items') errors[name] = 'is not a known field';
  }
  if (!isText(body.customer, 100)) errors.customer = 'must be a string of 1-100 characters, not only whitespace';
  const items = body.items;
  if (!Array.isArray(items) || items.length < 1 || items.length > 100) {
    errors.items = 'must be an array of 1-100 items';
    return errors;
  }
  items.forEach((entry, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      errors[`items[${i}]`] = 'must be an object';
      return;
    }
    for (const name of Object.keys(entry)) {
      if (!ITEM_FIELDS.includes(name)) errors[`items[${i}].${name}`] = 'is not a known field';
    }
    if (!isText(entry.sku, 64)) errors[`items[${i}].sku`] = 'must be a string of 1-64 characters';
    if (!isInt(entry.quantity, 1, 1000)) errors[`items[${i}].quantity`] = 'must be an integer from 1 to 1000';
    if (!isInt(entry.unit_price_cents, 0, 10000000)) {
      errors[`items[${i}].unit_price_cents`] = 'must be an integer from 0 to 10000000';
    }
  });
  return errors;
}

// JSON with sorted keys: two bodies are the same request when their parsed values are equal.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const encodeCursor = (offset) => Buffer.from(`offset:${offset}`).toString('base64url');

function decodeCursor(cursor) {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = /^offset:(0|[1-9][0-9]{0,14})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  return match ? Number(match[1]) : null;
}

function requireJsonObject(req, raw) {
  const mediaType = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
  }
  return () => {
    let data;
    try {
      data = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw badRequest('The body is not valid JSON.');
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw badRequest('The body must be a JSON object.');
    }
    return data;
  };
}

function createOrder(req, raw) {
  const parse = requireJsonObject(req, raw);
  const key = req.headers['idempotency-key'];
  if (key !== undefined && !KEY_PATTERN.test(key)) {
    throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-64 of A-Z a-z 0-9 _ -.');
  }
  const body = parse();
  const errors = validateOrder(body);
  if (Object.keys(errors).length) throw new ApiError(422, 'validation_error', 'Some fields are invalid.', errors);
  const location = (id) => ({ Location: `/orders/${id}` });
  if (key !== undefined && keys.has(key)) {
    const first = keys.get(key);
    if (first.body !== canonical(body)) {
      throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with another body.');
    }
    return [200, orders[first.id - 1], { ...location(first.id), 'Idempotent-Replayed': 'true' }];
  }
  const items = body.items.map((e) => ({ sku: e.sku, quantity: e.quantity, unit_price_cents: e.unit_price_cents }));
  const order = {
    id: orders.length + 1,
    customer: body.customer,
    items,
    total_cents: items.reduce((sum, e) => sum + e.quantity * e.unit_price_cents, 0),
    status: 'pending',
    created_at: new Date().toISOString(),
  };
  orders.push(order);
  if (key !== undefined) keys.set(key, { body: canonical(body), id: order.id });
  return [201, order, location(order.id)];
}

function patchOrder(req, raw, order) {
  const body = requireJsonObject(req, raw)();
  const errors = {};
  for (const name of Object.keys(body)) if (name !== 'status') errors[name] = 'is not a known field';
  if (body.status !== 'paid' && body.status !== 'cancelled') errors.status = 'must be "paid" or "cancelled"';
  if (Object.keys(errors).length) throw new ApiError(422, 'validation_error', 'Some fields are invalid.', errors);
  if (order.status !== body.status) {
    if (order.status !== 'pending') {
      throw new ApiError(409, 'invalid_transition', `A ${order.status} order cannot become ${body.status}.`);
    }
    order.status = body.status;
  }
  return [200, order];
}

function listOrders(query) {
  let limit = 20;
  if (query.has('limit')) {
    const text = query.get('limit');
    if (!/^[0-9]{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 100) {
      throw badRequest('limit must be an integer from 1 to 100.');
    }
    limit = Number(text);
  }
  const status = query.get('status');
  if (status !== null && !STATUSES.includes(status)) throw badRequest('status must be pending, paid or cancelled.');
  let offset = 0;
  if (query.has('cursor')) {
    offset = decodeCursor(query.get('cursor'));
    if (offset === null) throw badRequest('cursor is not one this service issued.');
  }
  const customer = query.get('customer');
  // The mistake: the cursor counts matching orders already returned. When an order on an earlier
  // page stops matching (paid, cancelled), every later order shifts down and one is skipped.
  const matching = orders.filter(
    (o) => (customer === null || o.customer === customer) && (status === null || o.status === status),
  );
  const items = matching.slice(offset, offset + limit);
  const next = offset + limit < matching.length ? encodeCursor(offset + limit) : null;
  return [200, { items, next_cursor: next }];
}

const ROUTES = { health: ['GET'], orders: ['GET', 'POST'], order: ['GET', 'PATCH'] };

function route(req, raw) {
  const url = new URL(req.url, 'http://localhost');
  const parts = url.pathname.split('/');
  let name = null;
  if (url.pathname === '/health') name = 'health';
  else if (url.pathname === '/orders') name = 'orders';
  else if (parts.length === 3 && parts[1] === 'orders') name = 'order';
  if (name === null) throw new ApiError(404, 'not_found', 'No such resource.');
  if (!ROUTES[name].includes(req.method)) {
    throw new ApiError(405, 'method_not_allowed', `${req.method} is not supported here.`);
  }
  if (name === 'health') return [200, { status: 'ok' }];
  if (name === 'orders') return req.method === 'GET' ? listOrders(url.searchParams) : createOrder(req, raw);
  if (!/^[1-9][0-9]{0,14}$/.test(parts[2]) || Number(parts[2]) > orders.length) throw notFound();
  const order = orders[Number(parts[2]) - 1];
  return req.method === 'GET' ? [200, order] : patchOrder(req, raw, order);
}

function send(res, status, payload, headers = {}) {
  const data = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
  res.end(data);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      send(res, 413, { error: { code: 'payload_too_large', message: 'The body is too large.' } }, { Connection: 'close' });
      req.destroy();
    } else {
      chunks.push(chunk);
    }
  });
  req.on('end', () => {
    try {
      send(res, ...route(req, Buffer.concat(chunks)));
    } catch (err) {
      if (!(err instanceof ApiError)) {
        console.error(err);
        send(res, 500, { error: { code: 'internal_error', message: 'Something went wrong.' } });
        return;
      }
      const error = { code: err.code, message: err.message };
      if (err.fields) error.fields = err.fields;
      send(res, err.status, { error });
    }
  });
});

server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
