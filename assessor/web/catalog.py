"""The challenge catalog: browse and filter the synced library, open a challenge, sync it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/catalog")
