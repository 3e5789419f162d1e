"""`assessor invite`: invite one candidate, or every row of a CSV file (the UI's services)."""

from __future__ import annotations
