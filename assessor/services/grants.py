"""A candidate's grant: what a browser keeps once it has exchanged its invitation token."""

from __future__ import annotations

import hashlib
import hmac

from assessor.extensions import db
from assessor.models import Attempt, AttemptStatus
from assessor.services import NotFound

# Separates a grant's proof from anything else ever derived from an invitation's hash.
GRANT_CONTEXT = "assessor/grant/v1"


class NoGrant(NotFound):
    """This browser holds no grant for the attempt, or the invitation changed since it got one."""


def proof_of(attempt: Attempt) -> str:
    """Return what a session keeps for an attempt: bound to its current token, never the token."""
    return hashlib.sha256(f"{GRANT_CONTEXT}:{attempt.token_hash}".encode()).hexdigest()


def attempt_for_grant(attempt_id: int, proof: str | None) -> Attempt:
    """Return the attempt a session's proof grants, or raise NoGrant.

    A re-issued link changes the token's hash, so grants taken with the old link end; a revoked
    invitation ends every grant. Both read exactly like an attempt that does not exist.
    """
    attempt = db.session.get(Attempt, attempt_id) if proof else None
    if (
        attempt is None
        or attempt.status is AttemptStatus.REVOKED
        or not hmac.compare_digest(proof_of(attempt), proof)
    ):
        raise NoGrant(
            "This page opens from the link in your invitation email: open that link again."
        )
    return attempt
