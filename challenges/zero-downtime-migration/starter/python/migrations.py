"""The expand/contract steps of splitting users.name into first_name and last_name."""


def expand(conn, tenant):
    """Add the new columns and keep them in sync with the old one; backfill in batches."""
    raise NotImplementedError


def retire_old_code(conn, tenant):
    """Record that no old code writes to this tenant any more."""
    raise NotImplementedError


def contract(conn, tenant):
    """Drop what only the old code needed, once that is safe."""
    raise NotImplementedError
