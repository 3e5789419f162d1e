"""Frame the supervisor's single result record so forged output cannot pass for it.

The record is bracketed by markers carrying the per-run nonce, which only the host and the
supervisor know; the candidate's code never sees it, so it cannot forge a record.
"""

from __future__ import annotations

import json
import re

BEGIN = b"@@ASSESSOR-RESULT@@"
END = b"@@ASSESSOR-END@@"
_HEADER = re.compile(rb"@@ASSESSOR-RESULT@@ ([0-9a-f]{16,128}) (\d{1,10})\n")


def encode_record(nonce: str, payload: dict) -> bytes:
    """Return the framed record for `payload`, starting on a fresh line."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()
    head = b"\n%s %s %d\n" % (BEGIN, nonce.encode(), len(body))
    return head + body + b"\n%s %s\n" % (END, nonce.encode())


def find_record(data: bytes, nonce: str) -> tuple[dict | None, int, tuple[int, int] | None]:
    """Return (payload, forged_headers, span) of the record with `nonce` in `data`.

    Headers with another nonce, or malformed ones, are counted as forgeries and ignored.
    `span` is the byte range of the genuine record, so it can be cut from the output tail.
    """
    payload: dict | None = None
    forged = 0
    span: tuple[int, int] | None = None
    key = nonce.encode()
    for match in _HEADER.finditer(data):
        if match.group(1) != key or payload is not None:
            forged += 1
            continue
        start = match.end()
        length = int(match.group(2))
        trailer = b"\n%s %s\n" % (END, key)
        if data[start + length : start + length + len(trailer)] != trailer:
            forged += 1
            continue
        try:
            decoded = json.loads(data[start : start + length])
        except ValueError:
            forged += 1
            continue
        if not isinstance(decoded, dict):
            forged += 1
            continue
        payload = decoded
        span = (max(match.start() - 1, 0), start + length + len(trailer))
    # Count bare marker text that did not even parse as a header (e.g. forged with a bad nonce).
    forged += max(data.count(BEGIN) - len(_HEADER.findall(data)), 0)
    return payload, forged, span
