"""Open candidate pages the way a browser does: the invitation link first, then its grant."""

from __future__ import annotations

from urllib.parse import urlsplit


def enter(client, token: str) -> str:
    """Open the invitation link in `client`'s cookie jar; return the token-less base URL."""
    response = client.get(f"/a/{token}")
    assert response.status_code == 303, response.status_code
    base = urlsplit(response.headers["Location"]).path.rstrip("/")
    assert token not in base
    return base
