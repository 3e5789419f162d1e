"""The staff password policy: long enough, and not guessable by zxcvbn's estimate."""

from __future__ import annotations

import re
import secrets

from zxcvbn import zxcvbn

from assessor.services import DomainError

MIN_LENGTH = 12
MAX_LENGTH = 1024
# zxcvbn's 3 means about 10^8 guesses or more: out of reach of online guessing and slow against
# a stolen scrypt hash. 2 would accept "Password1234"-style variations of common passwords.
MIN_SCORE = 3
# zxcvbn refuses longer input (its matching grows fast with length): score the first 72.
SCORED_CHARS = 72


class WeakPassword(DomainError):
    """The password is too short or too easy to guess to protect a staff account."""


def problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Return why the password is refused, in a sentence, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters; a few unusual words are easy to remember."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    local = email.strip().lower().split("@")[0]
    if len(local) >= 4 and local in password.lower():
        return "Do not use your email address in your password."
    words = _personal_words(email, name)
    result = zxcvbn(password[:SCORED_CHARS], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        # zxcvbn still rates "AdaLovelace1815" well for Ada Lovelace: judge what is left once
        # the person's own names are taken out.
        rest = password.lower()
        for word in words:
            rest = rest.replace(word, "")
        if rest == password.lower() or zxcvbn(rest[:SCORED_CHARS])["score"] >= MIN_SCORE:
            return None
        return "Do not build your password from your name: add a few unrelated words."
    feedback = result["feedback"]
    reasons = [feedback.get("warning") or "This password would be guessed too easily."]
    reasons += feedback.get("suggestions") or []
    return " ".join(_sentence(r) for r in reasons if r)


def check(password: str, *, email: str = "", name: str = "") -> None:
    """Raise WeakPassword with the reason unless the password meets the policy."""
    reason = problem(password, email=email, name=name)
    if reason is not None:
        raise WeakPassword(reason)


def generate() -> str:
    """Return a random password that meets the policy (about 96 bits of randomness)."""
    while True:
        password = secrets.token_urlsafe(16)
        # Random text nearly always passes; still, never hand out one the policy would refuse.
        if problem(password) is None:
            return password


def _personal_words(email: str, name: str) -> list[str]:
    # zxcvbn penalises a password built from these as if they were common words.
    local = email.strip().lower().split("@")[0]  # the domain is shared with colleagues
    words = re.split(r"[^a-z0-9]+", f"{local} {name}".lower())
    return [w for w in words if len(w) >= 3] + ["assessor"]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
