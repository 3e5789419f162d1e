"""What each simulated candidate writes, revision by revision: shared by the load and its check.

Kept free of locust (and so of gevent's monkey-patching) so the orchestrator can import it.
"""

from __future__ import annotations


def content(solution: str, candidate: int, item_id: int, revision: int) -> str:
    """Return the file a candidate saves as `revision` of a challenge: the solution, marked."""
    return f"# load test: candidate {candidate}, item {item_id}, revision {revision}\n{solution}"
