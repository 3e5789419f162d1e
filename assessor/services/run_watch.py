"""Wait for a candidate's test run to change state (a long-poll), holding no database connection.

The caller subscribes to the run's change notices first, then calls `wait_for_run`: a change
committed after the subscription is heard, and one committed before it is seen by the first look
at the database. Between notices the run is looked at every CHECK_S seconds anyway, so a lost
notice delays an answer, never loses it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from assessor.extensions import db
from assessor.services.attempts import run_of
from assessor.services.status import submission_status

if TYPE_CHECKING:
    from assessor.changes import Subscription

CHECK_S = 1.0  # a look at the run between notices: catches a notice lost on the way
DEAF_CHECK_S = 0.25  # when notices cannot arrive at all (no FIFO, Redis down)


def run_status(attempt_id: int, run_id: int) -> dict[str, Any]:
    """Read a run's candidate status anew, then end the transaction (releasing the connection)."""
    db.session.expire_all()
    try:
        return submission_status(run_of(attempt_id, run_id), for_candidate=True)
    finally:
        db.session.rollback()


def wait_for_run(
    attempt_id: int,
    run_id: int,
    *,
    since: str | None,
    wait_s: float,
    subscription: Subscription,
) -> dict[str, Any]:
    """Return the run's status as soon as it is done or no longer `since`, else after wait_s.

    Without `since`, the status found on the first look is the one to wait out.
    """
    deadline = time.monotonic() + wait_s
    while True:
        data = run_status(attempt_id, run_id)
        if since is None:
            since = data["status"]
        remaining = deadline - time.monotonic()
        if data["done"] or data["status"] != since or remaining <= 0:
            return data
        check = CHECK_S if subscription.live else DEAF_CHECK_S
        subscription.wait(min(check, remaining))
