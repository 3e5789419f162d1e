import base64
import hashlib
import hmac
import json

import pytest

from authkit import ExpiredToken, InvalidToken, TokenSigner, hash_password, verify_password

SECRET = b"s" * 32


class FakeClock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@pytest.mark.points(2)
def test_hash_and_verify():
    stored = hash_password("correct horse")
    assert type(stored) is str and "correct horse" not in stored
    assert verify_password("correct horse", stored) is True
    assert verify_password("Correct horse", stored) is False
    assert verify_password("correct horse", "nope") is False


@pytest.mark.points(2)
def test_token_round_trip_and_expiry():
    clock = FakeClock(1_700_000_000.7)
    signer = TokenSigner(SECRET, clock=clock)
    token = signer.issue(42, ttl_seconds=60)
    user_id = signer.verify(token)
    assert type(user_id) is int and user_id == 42
    clock.now = 1_700_000_060.0
    with pytest.raises(ExpiredToken):
        signer.verify(token)


def test_token_format():
    signer = TokenSigner(SECRET, clock=FakeClock(1_700_000_000.7))
    payload, signature = signer.issue(42, ttl_seconds=60).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == 42 and type(claims["sub"]) is int
    assert claims["exp"] == 1_700_000_060 and type(claims["exp"]) is int
    assert signature == b64(hmac.new(SECRET, payload.encode("ascii"), hashlib.sha256).digest())


@pytest.mark.points(2)
def test_other_secret_is_rejected():
    clock = FakeClock(1_700_000_000.0)
    token = TokenSigner(SECRET, clock=clock).issue(42, ttl_seconds=60)
    with pytest.raises(InvalidToken):
        TokenSigner(b"x" * 32, clock=clock).verify(token)
