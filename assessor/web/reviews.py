"""Review attempts: scorecards, decisions, revisions; compare candidates and export."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reviews", __name__)
