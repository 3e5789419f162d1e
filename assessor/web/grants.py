"""The grants a browser's session holds: which attempts its invitation links have opened."""

from __future__ import annotations

import hmac

from flask import session

from assessor.models import Attempt
from assessor.services.grants import attempt_for_grant, proof_of

SESSION_KEY = "candidate_grants"
# One browser may open a few invitations (a second assessment, a re-sent link); the session
# cookie must stay far below the 4 KB browsers keep, so the oldest grant goes first.
MAX_GRANTS = 8


def _grants() -> list[list]:
    held = session.get(SESSION_KEY)
    return held if isinstance(held, list) else []


def remember(attempt: Attempt) -> None:
    """Record in the session that this browser opened the attempt's current link."""
    kept = [g for g in _grants() if g[0] != attempt.id]
    # A list, not a dict: the session serializer sorts keys, and the order says which is oldest.
    session[SESSION_KEY] = [*kept, [attempt.id, proof_of(attempt)]][-MAX_GRANTS:]


def proof_for(attempt_id: object) -> str | None:
    """Return the session's proof for an attempt, or None (reads the signed cookie only)."""
    return next((g[1] for g in _grants() if g[0] == attempt_id), None)


def granted(attempt_id: int) -> Attempt:
    """Return the attempt when this browser holds a live grant for it, else raise NoGrant."""
    return attempt_for_grant(attempt_id, proof_for(attempt_id))


def holds(attempt: Attempt) -> bool:
    """Tell whether this browser already holds a live grant for the attempt."""
    proof = proof_for(attempt.id)
    return proof is not None and hmac.compare_digest(proof, proof_of(attempt))
