import base64
import hashlib
import hmac
import json

import pytest
from sandbox_harness import remote

import authkit
from authkit import ExpiredToken, InvalidToken, TokenSigner, hash_password, verify_password

SECRET = b"s" * 32
NOW = 1_700_000_000.0
# The scrypt spy derives in the tester's process: a candidate's call must not be able to exhaust
# the tester's memory (64 MiB still allows n=2**16, r=8, four times the documented cost).
SPY_SCRYPT_MAXMEM = 65 * 2**20


class FakeClock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def forge(claims, secret=SECRET):
    """A token built from the documented format; claims may be a dict or raw JSON text."""
    text = claims if isinstance(claims, str) else json.dumps(claims)
    payload = b64(text.encode("utf-8"))
    return f"{payload}.{b64(hmac.new(secret, payload.encode('ascii'), hashlib.sha256).digest())}"


def assert_invalid_not_expired(signer, token):
    with pytest.raises(InvalidToken) as info:
        signer.verify(token)
    assert not isinstance(info.value, ExpiredToken), token


def patch_everywhere(monkeypatch, module_names, attribute, spy):
    """Put spy in place of the candidate's `module.attribute`, and of any alias authkit holds.

    The candidate's code runs in its own process: the tester's hmac/hashlib are not the ones it
    calls, so the patch goes to the candidate's modules, through the bridge.
    """
    real = getattr(remote.import_module(module_names[0]), attribute)
    for module_name in module_names:
        monkeypatch.setattr(remote.import_module(module_name), attribute, spy)
    # Set through a handle on authkit, not the `import authkit` proxy: pytest 9's monkeypatch reads
    # the old value from the proxy's local __dict__, finds nothing and would delete the name on undo.
    handle = remote.import_module("authkit")
    for name in dir(authkit):  # `from hmac import compare_digest`, `import ... as ...`
        if not name.startswith("__") and getattr(authkit, name, None) is real:
            monkeypatch.setattr(handle, name, spy)


def encodings(raw):
    """The forms a candidate may reasonably compare a digest in: raw, hex or base64, str or bytes."""
    texts = {raw.hex(), base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    texts |= {t.rstrip("=") for t in texts}
    return {raw} | texts | {t.encode("ascii") for t in texts}


def compared(calls, raw):
    """Whether some recorded comparison had raw (in any of its encodings) in one of its operands."""
    forms = encodings(raw)
    return any(type(form) is type(operand) and form in operand
               for pair in calls for operand in pair for form in forms)


@pytest.fixture
def compare_spy(monkeypatch):
    """Wrap compare_digest wherever the candidate's authkit can reach it.

    The spy runs here, in the tester, and records a call only once the real comparison has run on
    what it was given, so a call that cannot compare anything (handles, a type error) records nothing.
    """
    real = hmac.compare_digest
    calls = []

    def compare_digest(a, b):
        result = real(a, b)  # only str or bytes-like values get past it
        calls.append(tuple(bytes(x) if isinstance(x, bytearray) else x for x in (a, b)))
        return result

    patch_everywhere(monkeypatch, ["hmac", "secrets"], "compare_digest", compare_digest)
    return calls


@pytest.fixture
def scrypt_spy(monkeypatch):
    """Wrap the candidate's hashlib.scrypt; each call recorded as (keyword arguments, derived key)."""
    real = hashlib.scrypt
    calls = []

    def scrypt(password, **kwargs):
        bounded = {**kwargs, "maxmem": min(kwargs.get("maxmem") or SPY_SCRYPT_MAXMEM, SPY_SCRYPT_MAXMEM)}
        key = real(password, **bounded)  # validates the arguments: a call that fails is not a call
        calls.append((kwargs, key))
        return key

    patch_everywhere(monkeypatch, ["hashlib"], "scrypt", scrypt)
    return calls


@pytest.mark.points(3)
def test_hashes_are_salted_and_self_contained():
    first, second = hash_password("hunter2"), hash_password("hunter2")
    assert type(first) is str and type(second) is str
    assert first != second
    assert "hunter2" not in first
    assert verify_password("hunter2", first) is True
    assert verify_password("hunter2", second) is True
    for password in ("", "pässwörd 🔑", "x" * 1000):
        stored = hash_password(password)
        assert verify_password(password, stored) is True
        assert verify_password(password + "!", stored) is False


@pytest.mark.points(3)
@pytest.mark.skill("security")
def test_scrypt_parameters(scrypt_spy):
    stored = hash_password("correct horse")
    assert len(scrypt_spy) == 1, "hash_password must derive with hashlib.scrypt"
    kwargs, _ = scrypt_spy[0]
    assert kwargs["n"] >= 2**14 and kwargs["r"] >= 8 and kwargs["p"] >= 1
    assert len(kwargs["salt"]) >= 16
    assert kwargs.get("dklen", 64) >= 32
    verify_password("correct horse", stored)
    assert len(scrypt_spy) == 2


@pytest.mark.points(2)
def test_unparseable_hashes_never_match():
    good = hash_password("pw")
    other = hash_password("other")
    parts = good.split("$")
    for stored in ["", "garbage", "$$$$$", other, good.replace(parts[0], "md5", 1),
                   "scrypt$16384$8$1$!!!!$!!!!", "scrypt$abc$8$1$AAAA$AAAA", "scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
                   "scrypt$1099511627776$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]:
        assert verify_password("pw", stored) is False, stored


@pytest.mark.points(3)
@pytest.mark.skill("security")
def test_password_check_is_constant_time(compare_spy, scrypt_spy):
    def derived_key_was_compared():
        if not scrypt_spy:  # another KDF loses the scrypt points elsewhere, not these
            return bool(compare_spy)
        return compared(compare_spy, scrypt_spy[-1][1])

    stored = hash_password("pw")
    assert verify_password("wrong", stored) is False
    assert derived_key_was_compared(), "derived keys must be compared with hmac.compare_digest"
    compare_spy.clear()
    assert verify_password("pw", stored) is True
    assert derived_key_was_compared()


@pytest.mark.points(2)
def test_issued_tokens_follow_the_documented_format():
    signer = TokenSigner(SECRET, clock=FakeClock(1_700_000_123.999))
    token = signer.issue(7, ttl_seconds=3600)
    assert type(token) is str and token.count(".") == 1 and "=" not in token
    payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert type(claims["sub"]) is int and claims["sub"] == 7
    assert type(claims["exp"]) is int and claims["exp"] == 1_700_003_723
    assert signature == b64(hmac.new(SECRET, payload.encode("ascii"), hashlib.sha256).digest())


@pytest.mark.points(2)
def test_tokens_built_elsewhere_are_accepted():
    signer = TokenSigner(SECRET, clock=FakeClock())
    for claims, expected in [({"sub": 9, "exp": int(NOW) + 10}, 9),
                             ({"exp": int(NOW) + 10, "sub": 12, "role": "admin", "iat": 1}, 12)]:
        user_id = signer.verify(forge(claims))
        assert type(user_id) is int and user_id == expected
    user_id = signer.verify(forge('{ "sub" : 3 ,\n "exp": %d }' % (NOW + 5)))
    assert type(user_id) is int and user_id == 3


@pytest.mark.points(3)
def test_expiry_instant():
    clock = FakeClock(NOW + 0.25)
    signer = TokenSigner(SECRET, clock=clock)
    token = signer.issue(5, ttl_seconds=10)       # exp = NOW + 10
    clock.now = NOW + 9.999
    user_id = signer.verify(token)
    assert type(user_id) is int and user_id == 5
    for now in (NOW + 10, NOW + 10.5, NOW + 1e6):
        clock.now = now
        with pytest.raises(ExpiredToken):
            signer.verify(token)


@pytest.mark.points(4)
@pytest.mark.skill("security")
def test_forged_and_malformed_tokens(compare_spy):
    signer = TokenSigner(SECRET, clock=FakeClock())
    good = signer.issue(42, ttl_seconds=60)
    payload, signature = good.split(".")
    other_payload = b64(json.dumps({"sub": 1, "exp": int(NOW) + 60}).encode())
    expired_forgery = forge({"sub": 42, "exp": int(NOW) - 100}, secret=b"attacker-key".ljust(32, b"!"))
    cases = [
        f"{other_payload}.{signature}",            # payload swapped, signature kept
        f"{payload}.{signature[:-2]}",             # truncated signature
        f"{payload}.",
        f".{signature}",
        f"{payload}.{signature}.{signature}",
        f"{payload}{signature}",
        f"{payload}.{signature}=",
        f"{payload}.{'A' * len(signature)}",
        expired_forgery,
        "", ".", "..", "a.b", "not a token", "é.é", "====.====",
    ]
    for token in cases:
        assert_invalid_not_expired(signer, token)
    authentic = hmac.new(SECRET, payload.encode("ascii"), hashlib.sha256).digest()
    assert compared(compare_spy, authentic), "signatures must be compared with hmac.compare_digest"
    for token in (None, 42, good.encode("ascii")):
        assert_invalid_not_expired(signer, token)


@pytest.mark.points(3)
def test_authentic_but_malformed_claims():
    signer = TokenSigner(SECRET, clock=FakeClock())
    exp = int(NOW) + 60
    for claims in ["not json", "[1, 2]", '"sub"', "null",
                   {"sub": "42", "exp": exp}, {"sub": True, "exp": exp}, {"sub": 0, "exp": exp},
                   {"sub": -3, "exp": exp}, {"sub": 4.0, "exp": exp}, {"exp": exp},
                   {"sub": 4}, {"sub": 4, "exp": "soon"}, {"sub": 4, "exp": float(exp)}, {"sub": 4, "exp": None}]:
        assert_invalid_not_expired(signer, forge(claims))
    bad_utf8 = b64(b'{"sub": 1, "exp": 1\xff}')
    assert_invalid_not_expired(signer, f"{bad_utf8}.{b64(hmac.new(SECRET, bad_utf8.encode(), hashlib.sha256).digest())}")


def test_argument_validation():
    for secret in (b"short", b"x" * 31, "s" * 32, None):
        with pytest.raises(ValueError):
            TokenSigner(secret, clock=FakeClock())
    signer = TokenSigner(b"x" * 32, clock=FakeClock())
    for user_id, ttl in ((0, 60), (-1, 60), (True, 60), ("1", 60), (1.0, 60), (1, 0), (1, -5), (1, True), (1, 1.5)):
        with pytest.raises(ValueError):
            signer.issue(user_id, ttl)
