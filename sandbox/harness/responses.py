"""HTTP responses of a WSGI test client cross the boundary as data: status, headers and body.

A test that calls `client.get(...)` on the candidate's Flask app gets back a local response
object in one round trip; reading its status, headers or JSON never goes back to the candidate.
"""

from __future__ import annotations

import sys
from typing import Any

from .codec import RESPONSE, Packing

MAX_BODY = 16 * 1024 * 1024


def encode_response(packing: Packing, obj: object) -> Any:
    """Encode a werkzeug test response by value, or return None for anything else."""
    module = sys.modules.get("werkzeug.test")
    response_type = getattr(module, "TestResponse", None)
    if response_type is None or not isinstance(obj, response_type):
        return None
    body = obj.get_data()
    if len(body) > MAX_BODY:
        raise ValueError(f"a response body over {MAX_BODY} bytes")
    headers = [[str(k), str(v)] for k, v in obj.headers.items()]
    return packing.ext(RESPONSE, [obj.status, headers, body, packing.share(obj)])


def decode_response(peer: Any, code: int, value: Any) -> Any:
    """Build the local response for a RESPONSE value; None for other codes."""
    if code != RESPONSE:
        return None
    from werkzeug.datastructures import Headers
    from werkzeug.test import TestResponse

    from .space import ProtocolError

    status, headers, body, ref = value
    if not isinstance(status, str) or not isinstance(body, bytes) or not isinstance(ref, int):
        raise ProtocolError("a malformed HTTP response")
    if not all(
        isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in headers
    ):
        raise ProtocolError("malformed HTTP response headers")
    response = TestResponse([body], status, Headers([tuple(h) for h in headers]), None)
    response.direct_passthrough = False
    peer.space.track(response, ref)
    return response
