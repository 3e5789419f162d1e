"""The expand/contract steps of splitting users.name into first_name and last_name."""

import time

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

BATCH = 1000
RETRY_FOR_S = 40
STATE_DDL = """CREATE TABLE IF NOT EXISTS public.tenant_migrations (
    tenant text PRIMARY KEY,
    expanded boolean NOT NULL DEFAULT false,
    old_code_retired boolean NOT NULL DEFAULT false)"""

SYNC_FUNCTION = """CREATE OR REPLACE FUNCTION {schema}.users_sync_name() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.name IS NULL
       OR TG_OP = 'UPDATE' AND NEW.name IS NOT DISTINCT FROM OLD.name
          AND (NEW.first_name IS DISTINCT FROM OLD.first_name
               OR NEW.last_name IS DISTINCT FROM OLD.last_name) THEN
        NEW.name := CASE WHEN NEW.last_name = '' THEN NEW.first_name
                         ELSE NEW.first_name || ' ' || NEW.last_name END;
    ELSIF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name THEN
        NEW.first_name := split_part(NEW.name, ' ', 1);
        NEW.last_name := substr(NEW.name, length(split_part(NEW.name, ' ', 1)) + 2);
    END IF;
    RETURN NEW;
END $$"""
BACKFILL = """UPDATE {schema}.users
SET first_name = split_part(name, ' ', 1),
    last_name = substr(name, length(split_part(name, ' ', 1)) + 2)
WHERE id IN (SELECT id FROM {schema}.users WHERE first_name IS NULL ORDER BY id LIMIT %s)"""


class Conflict(Exception):
    """The step is not allowed in the tenant's current phase."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class LockUnavailable(Exception):
    """The DDL never got its lock within the retry window."""


def ensure_state_table(conn):
    """Create the table recording each tenant's migration phase."""
    conn.execute(STATE_DDL)


def state(conn, tenant):
    """Return (expanded, old_code_retired, contracted) for a tenant."""
    cur = conn.cursor(row_factory=tuple_row)
    row = cur.execute(
        "SELECT expanded, old_code_retired FROM public.tenant_migrations WHERE tenant = %s",
        (tenant,),
    ).fetchone()
    has_name = cur.execute(
        "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(format('%%I.users', %s::text))"
        " AND attname = 'name' AND NOT attisdropped",
        (tenant,),
    ).fetchone()
    expanded, retired = row or (False, False)
    return expanded, retired, has_name is None


def ddl_with_retry(conn, statements):
    """Run DDL in one short transaction, retrying while a lock is held elsewhere."""
    deadline = time.monotonic() + RETRY_FOR_S
    while True:
        try:
            with conn.transaction():
                for statement in statements:
                    conn.execute(statement)
            return
        except psycopg.errors.LockNotAvailable:
            if time.monotonic() > deadline:
                raise LockUnavailable() from None
            time.sleep(0.2)


def expand(conn, tenant):
    """Add the new columns and the sync trigger, then backfill in batches; return rows done."""
    _, _, contracted = state(conn, tenant)
    if contracted:
        raise Conflict("contracted", "The old column is already gone.")
    schema = sql.Identifier(tenant)
    ddl_with_retry(
        conn,
        [
            # Nullable, no default: a catalog-only change, no table rewrite.
            sql.SQL(
                "ALTER TABLE {schema}.users ADD COLUMN IF NOT EXISTS first_name text,"
                " ADD COLUMN IF NOT EXISTS last_name text"
            ).format(schema=schema),
            sql.SQL(SYNC_FUNCTION).format(schema=schema),
            sql.SQL(
                "CREATE OR REPLACE TRIGGER users_sync_name BEFORE INSERT OR UPDATE"
                " ON {schema}.users FOR EACH ROW EXECUTE FUNCTION {schema}.users_sync_name()"
            ).format(schema=schema),
        ],
    )
    done = 0
    backfill = sql.SQL(BACKFILL).format(schema=schema)
    while True:  # autocommit: each batch is its own short transaction
        count = conn.execute(backfill, (BATCH,)).rowcount
        if count == 0:
            break
        done += count
    conn.execute(
        "INSERT INTO public.tenant_migrations (tenant, expanded) VALUES (%s, true)"
        " ON CONFLICT (tenant) DO UPDATE SET expanded = true",
        (tenant,),
    )
    return done


def retire_old_code(conn, tenant):
    """Record that no old code writes to this tenant any more."""
    expanded, _, contracted = state(conn, tenant)
    if not expanded and not contracted:
        raise Conflict("not_expanded", "Expand the tenant first.")
    conn.execute(
        "UPDATE public.tenant_migrations SET old_code_retired = true WHERE tenant = %s", (tenant,)
    )


def contract(conn, tenant):
    """Drop the trigger, its function and the old column, once the old code is retired."""
    _, retired, contracted = state(conn, tenant)
    if contracted:
        return
    if not retired:
        raise Conflict("old_code_active", "The old code may still write the name column.")
    schema = sql.Identifier(tenant)
    ddl_with_retry(
        conn,
        [
            sql.SQL("DROP TRIGGER IF EXISTS users_sync_name ON {schema}.users").format(
                schema=schema
            ),
            sql.SQL("DROP FUNCTION IF EXISTS {schema}.users_sync_name()").format(schema=schema),
            sql.SQL("ALTER TABLE {schema}.users DROP COLUMN IF EXISTS name").format(schema=schema),
        ],
    )
