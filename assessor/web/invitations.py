"""Invite candidates to an assessment: one or many, links, resend, revoke, extend, outbox."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("invitations", __name__)
