"""Password hashing (salted scrypt) and HMAC-signed expiring tokens, with the standard library."""

import time
from collections.abc import Callable


class InvalidToken(Exception):
    """The token is malformed, forged, or signed with another secret."""


class ExpiredToken(InvalidToken):
    """The token is authentic but past its expiry time."""


def hash_password(password: str) -> str:
    """Return a self-describing salted scrypt hash of password."""
    raise NotImplementedError


def verify_password(password: str, stored: str) -> bool:
    """Whether password matches stored; False for anything unparseable."""
    raise NotImplementedError


class TokenSigner:
    """Issues and verifies tokens of the form base64url(payload).base64url(HMAC-SHA256)."""

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time):
        raise NotImplementedError

    def issue(self, user_id: int, ttl_seconds: int) -> str:
        """Return a token for user_id that expires ttl_seconds from now."""
        raise NotImplementedError

    def verify(self, token: str) -> int:
        """Return the token's user id, or raise InvalidToken / ExpiredToken."""
        raise NotImplementedError
