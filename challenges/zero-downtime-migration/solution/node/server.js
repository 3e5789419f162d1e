'use strict';
// Users service of a schema-per-tenant database, with its zero-downtime migration steps.

const http = require('http');
const { Pool } = require('pg');
const migrations = require('./migrations');

const pool = new Pool({
  connectionString: process.env.DATABASE_URL || 'postgresql://app@127.0.0.1:5432/app',
  max: 10,
});
// A tenant is a schema name; anything else never reaches SQL, even quoted.
const TENANT = /^[a-z][a-z0-9_]{0,62}$/;
const RULES = {
  first_name: [/^\S{1,50}$/, 50],
  last_name: [/^(\S+( \S+)*)?$/, 50],
  email: [/^[^\s@]+@\S+$/, 254],
};
const FIELDS = Object.keys(RULES);
const COLUMNS = 'id, first_name, last_name, email';

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function send(res, status, payload, headers = {}) {
  const data = Buffer.from(JSON.stringify(payload));
  res.writeHead(status, {
    'Content-Type': 'application/json', 'Content-Length': data.length, ...headers,
  });
  res.end(data);
}

const user = (row) => ({ ...row, id: Number(row.id) });

async function checkTenant(client, tenant) {
  const found = await client.query("SELECT to_regclass(format('%I.users', $1::text)) AS t", [tenant]);
  if (found.rows[0].t === null) {
    throw new ApiError(404, 'not_found', 'No such tenant.');
  }
}

async function requireExpanded(client, tenant) {
  const { expanded, contracted } = await migrations.state(client, tenant);
  if (!expanded && !contracted) {
    throw new ApiError(409, 'not_expanded', 'The tenant is not migrated yet.');
  }
}

function userFields(raw, partial) {
  let body;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    throw new ApiError(400, 'bad_request', 'The body is not valid JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'bad_request', 'The body must be a JSON object.');
  }
  const keys = Object.keys(body);
  const wanted = partial ? keys : FIELDS;
  if (keys.some((k) => !FIELDS.includes(k)) || !wanted.length || wanted.some((k) => !(k in body))) {
    throw new ApiError(422, 'validation_error', `Send ${FIELDS.join(', ')} and nothing else.`);
  }
  for (const [field, value] of Object.entries(body)) {
    const [pattern, longest] = RULES[field];
    if (typeof value !== 'string' || value.length > longest || !pattern.test(value)) {
      throw new ApiError(422, 'validation_error', `${field} is invalid.`);
    }
  }
  return body;
}

async function migrate(client, tenant, step) {
  if (step === 'expand') {
    return { phase: 'expanded', backfilled: await migrations.expand(client, tenant) };
  }
  if (step === 'old-code-retired') {
    await migrations.retireOldCode(client, tenant);
    return { phase: 'old_code_retired' };
  }
  await migrations.contract(client, tenant);
  return { phase: 'contracted' };
}

async function users(client, req, tenant, id, raw) {
  await requireExpanded(client, tenant);
  const s = migrations.ident(tenant);
  if (id === undefined && req.method === 'GET') {
    const { rows } = await client.query(`SELECT ${COLUMNS} FROM ${s}.users ORDER BY id`);
    return [200, { items: rows.map(user) }];
  }
  if (id === undefined && req.method === 'POST') {
    const body = userFields(raw, false);
    // Only the new columns: while the old one exists, the trigger fills it.
    const { rows } = await client.query(
      `INSERT INTO ${s}.users (first_name, last_name, email) VALUES ($1, $2, $3)
       RETURNING ${COLUMNS}`, FIELDS.map((f) => body[f]),
    );
    return [201, user(rows[0]), { Location: `/tenants/${tenant}/users/${rows[0].id}` }];
  }
  let result;
  if (req.method === 'PATCH') {
    const body = userFields(raw, true);
    const keys = Object.keys(body);
    const sets = keys.map((k, i) => `${k} = $${i + 1}`).join(', ');
    result = await client.query(
      `UPDATE ${s}.users SET ${sets} WHERE id = $${keys.length + 1} RETURNING ${COLUMNS}`,
      [...keys.map((k) => body[k]), id],
    );
  } else {
    result = await client.query(`SELECT ${COLUMNS} FROM ${s}.users WHERE id = $1`, [id]);
  }
  if (!result.rowCount) throw new ApiError(404, 'not_found', 'No such user.');
  return [200, user(result.rows[0])];
}

async function route(req, raw) {
  const { pathname } = new URL(req.url, 'http://localhost');
  if (pathname === '/health') return [200, { status: 'ok' }];
  const step = pathname.match(/^\/tenants\/([^/]+)\/migrations\/(expand|old-code-retired|contract)$/);
  const list = pathname.match(/^\/tenants\/([^/]+)\/users$/);
  const one = pathname.match(/^\/tenants\/([^/]+)\/users\/([1-9][0-9]{0,17})$/);
  const allowed = step ? ['POST'] : list ? ['GET', 'POST'] : one ? ['GET', 'PATCH'] : null;
  if (!allowed) throw new ApiError(404, 'not_found', 'No such resource.');
  if (!allowed.includes(req.method)) {
    throw new ApiError(405, 'method_not_allowed', 'Method not allowed.');
  }
  const tenant = decodeURIComponent((step || list || one)[1]);
  if (!TENANT.test(tenant)) throw new ApiError(404, 'not_found', 'No such tenant.');
  const client = await pool.connect();
  try {
    await checkTenant(client, tenant);
    if (step) return [200, await migrate(client, tenant, step[2])];
    return await users(client, req, tenant, one ? one[2] : undefined, raw);
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    route(req, Buffer.concat(chunks).toString('utf8'))
      .then(([status, payload, headers]) => send(res, status, payload, headers))
      .catch((err) => {
        if (err instanceof ApiError) return send(res, err.status, { error: { code: err.code, message: err.message } });
        if (err instanceof migrations.Conflict) return send(res, 409, { error: { code: err.code, message: err.message } });
        if (err instanceof migrations.LockUnavailable) {
          return send(res, 503, { error: { code: 'lock_unavailable', message: err.message } });
        }
        console.error(err);
        return send(res, 500, { error: { code: 'internal', message: 'Internal error.' } });
      });
  });
});

pool.query(migrations.STATE_DDL).then(() => {
  server.listen(Number(process.env.PORT || 8080), '127.0.0.1');
});
