"""Compose assessments: create, edit, duplicate, archive and share them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assessments", __name__)
