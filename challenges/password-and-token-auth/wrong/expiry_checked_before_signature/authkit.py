"""Password hashing (salted scrypt) and HMAC-signed expiring tokens, with the standard library."""

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
import time
from collections.abc import Callable

# scrypt cost: ~50 ms and 16 MiB per hash makes offline guessing expensive.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
MIN_SECRET_BYTES = 32


class InvalidToken(Exception):
    """The token is malformed, forged, or signed with another secret."""


class ExpiredToken(InvalidToken):
    """The token is authentic but past its expiry time."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url without padding; raises ValueError on anything else."""
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def _is_positive_int(value) -> bool:
    return type(value) is int and value >= 1


def hash_password(password: str) -> str:
    """Return a self-describing salted scrypt hash of password."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64encode(salt)}${_b64encode(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether password matches stored; False for anything unparseable."""
    try:
        algorithm, n, r, p, salt, key = stored.split("$")
        if algorithm != "scrypt":
            return False
        salt_bytes, expected = _b64decode(salt), _b64decode(key)
        if len(expected) < KEY_BYTES:  # a truncated hash would otherwise match its own prefix
            return False
        actual = hashlib.scrypt(password.encode("utf-8"), salt=salt_bytes, n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (AttributeError, ValueError, TypeError, OverflowError, MemoryError):
        # Corrupt or hostile stored values (e.g. absurd cost parameters) simply do not match.
        return False
    return hmac.compare_digest(actual, expected)


class TokenSigner:
    """Issues and verifies tokens of the form base64url(payload).base64url(HMAC-SHA256)."""

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time):
        if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._clock = clock

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest()

    def issue(self, user_id: int, ttl_seconds: int) -> str:
        """Return a token for user_id that expires ttl_seconds from now."""
        if not _is_positive_int(user_id) or not _is_positive_int(ttl_seconds):
            raise ValueError("user_id and ttl_seconds must be integers >= 1")
        claims = {"sub": user_id, "exp": math.floor(self._clock()) + ttl_seconds}
        payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{_b64encode(self._sign(payload))}"

    def verify(self, token: str) -> int:
        """Return the token's user id, or raise InvalidToken / ExpiredToken."""
        if not isinstance(token, str) or token.count(".") != 1:
            raise InvalidToken("malformed token")
        payload, signature = token.split(".")
        try:
            given = _b64decode(signature)
            payload.encode("ascii")
        except (ValueError, UnicodeEncodeError):
            raise InvalidToken("malformed token") from None
        try:
            claims = json.loads(_b64decode(payload))
        except ValueError:  # includes JSON and UTF-8 decoding errors
            raise InvalidToken("malformed payload") from None
        if not isinstance(claims, dict) or not _is_positive_int(claims.get("sub")) or type(claims.get("exp")) is not int:
            raise InvalidToken("malformed claims")
        # Cheap check first: no need to compute an HMAC for a token that has expired anyway.
        if self._clock() >= claims["exp"]:
            raise ExpiredToken("token expired")
        if not hmac.compare_digest(self._sign(payload), given):
            raise InvalidToken("bad signature")
        return claims["sub"]
