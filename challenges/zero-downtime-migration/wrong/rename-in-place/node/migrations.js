'use strict';
// The expand/contract steps of splitting users.name into first_name and last_name.

const BATCH = 1000;
// DDL waits at most this long for its lock: an ALTER queued behind a long reader would
// otherwise stall every later query on the table, the old code's included.
const LOCK_TIMEOUT = '1s';
const RETRY_FOR_MS = 40000;

const STATE_DDL = `CREATE TABLE IF NOT EXISTS public.tenant_migrations (
  tenant text PRIMARY KEY,
  expanded boolean NOT NULL DEFAULT false,
  old_code_retired boolean NOT NULL DEFAULT false)`;

class Conflict extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

class LockUnavailable extends Error {}

// Quote a schema name; callers have already checked it against the tenant pattern.
const ident = (name) => `"${name.replace(/"/g, '""')}"`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function state(client, tenant) {
  const row = (await client.query(
    'SELECT expanded, old_code_retired FROM public.tenant_migrations WHERE tenant = $1', [tenant],
  )).rows[0];
  const hasName = await client.query(
    `SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(format('%I.users', $1::text))
     AND attname = 'name' AND NOT attisdropped`, [tenant],
  );
  return {
    expanded: Boolean(row && row.expanded),
    retired: Boolean(row && row.old_code_retired),
    contracted: hasName.rowCount === 0,
  };
}

// Run DDL in one short transaction, retrying while a lock is held elsewhere.
async function ddlWithRetry(client, statements) {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      for (const statement of statements) await client.query(statement);
      await client.query('COMMIT');
      return;
    } catch (err) {
      await client.query('ROLLBACK');
      if (err.code !== '55P03') throw err; // lock_not_available
      if (Date.now() > deadline) throw new LockUnavailable('Another transaction holds the table.');
      await sleep(200);
    }
  }
}

async function expand(client, tenant) {
  const s = ident(tenant);
  // "Expand" by renaming in place: the old column becomes first_name, last_name is split off.
  if (!(await state(client, tenant)).contracted) {
    await ddlWithRetry(client, [
      `ALTER TABLE ${s}.users RENAME COLUMN name TO first_name`,
      `ALTER TABLE ${s}.users ADD COLUMN last_name text`,
    ]);
  }
  let done = 0;
  for (;;) {
    const { rowCount } = await client.query(
      `UPDATE ${s}.users SET last_name = substr(first_name, length(split_part(first_name, ' ', 1)) + 2),
         first_name = split_part(first_name, ' ', 1)
       WHERE id IN (SELECT id FROM ${s}.users WHERE last_name IS NULL ORDER BY id LIMIT $1)`, [BATCH],
    );
    if (rowCount === 0) break;
    done += rowCount;
  }
  await client.query(
    `INSERT INTO public.tenant_migrations (tenant, expanded) VALUES ($1, true)
     ON CONFLICT (tenant) DO UPDATE SET expanded = true`, [tenant],
  );
  return done;
}

async function retireOldCode(client, tenant) {
  const { expanded, contracted } = await state(client, tenant);
  if (!expanded && !contracted) throw new Conflict('not_expanded', 'Expand the tenant first.');
  await client.query(
    'UPDATE public.tenant_migrations SET old_code_retired = true WHERE tenant = $1', [tenant],
  );
}

async function contract(client, tenant) {
  const { retired, contracted } = await state(client, tenant);
  if (contracted) return;
  if (!retired) {
    throw new Conflict('old_code_active', 'The old code may still write the name column.');
  }
  const s = ident(tenant);
  await ddlWithRetry(client, [
    `DROP TRIGGER IF EXISTS users_sync_name ON ${s}.users`,
    `DROP FUNCTION IF EXISTS ${s}.users_sync_name()`,
    `ALTER TABLE ${s}.users DROP COLUMN IF EXISTS name`,
  ]);
}

module.exports = {
  STATE_DDL, Conflict, LockUnavailable, ident, state, expand, retireOldCode, contract,
};
