"""Send email through Flask-Mailman, and keep every message, sent or not, in the outbox."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import select

from assessor.extensions import db, mail
from assessor.models import MessageStatus, OutboxMessage, User, utcnow

log = logging.getLogger(__name__)

WITHHELD = "[withheld]"
MAX_ERROR_CHARS = 500


@dataclass
class _Batch:
    connection: object | None = None
    error: str | None = None  # set once the server could not be reached: later sends skip it


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("mail_batch", default=None)


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    created_at: datetime
    purpose: str
    to_address: str
    subject: str
    body: str
    status: str
    error: str | None
    sent_at: datetime | None
    sent_by: str | None


def configured() -> bool:
    """Tell whether an SMTP server is configured (MAIL_SERVER); without one nothing is sent."""
    return bool(current_app.config.get("MAIL_SERVER"))


def sender() -> str:
    """Return the From address messages are sent with."""
    return current_app.config["MAIL_DEFAULT_SENDER"]


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Send the messages of one action over one connection; once it fails, stop trying.

    Without this, a hundred invitations to an unreachable server would wait out the connect
    timeout a hundred times while the staff member's request hangs.
    """
    state = _Batch()
    reset = _batch.set(state)
    try:
        yield
    finally:
        _batch.reset(reset)
        if state.connection is not None:
            with contextlib.suppress(Exception):
                state.connection.close()


def send(
    purpose: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    attempt_id: int | None = None,
    user_id: int | None = None,
    sent_by_id: int | None = None,
    redact: Iterable[str] = (),
) -> OutboxMessage:
    """Send one message if SMTP is configured, record it in the outbox, and commit.

    A failure to send is recorded (status failed, with the error), never raised: whatever the
    message announces stands. Each string in `redact` (a link's secret token, a reset link) is
    replaced by "[withheld]" in the stored copy, so the outbox never holds a working credential.
    """
    # One line: a newline in a subject would let a title inject mail headers.
    subject = " ".join(subject.split())[:200]
    status, error = _deliver(to, subject, text, html)
    secrets_ = [s for s in redact if s]
    message = OutboxMessage(
        purpose=purpose,
        to_address=to,
        subject=_withhold(subject, secrets_),
        body=_withhold(text, secrets_),
        status=status,
        error=error,
        sent_at=utcnow() if status is MessageStatus.SENT else None,
        attempt_id=attempt_id,
        user_id=user_id,
        sent_by_id=sent_by_id,
    )
    db.session.add(message)
    db.session.commit()
    return message


def outbox(*, attempt_id: int | None = None, user_id: int | None = None) -> list[OutboxEntry]:
    """Return the messages about an attempt or a staff user, newest first."""
    query = select(OutboxMessage, User.name).outerjoin(User, User.id == OutboxMessage.sent_by_id)
    if attempt_id is not None:
        query = query.where(OutboxMessage.attempt_id == attempt_id)
    if user_id is not None:
        query = query.where(OutboxMessage.user_id == user_id)
    rows = db.session.execute(query.order_by(OutboxMessage.id.desc())).all()
    return [
        OutboxEntry(
            id=m.id,
            created_at=m.created_at,
            purpose=m.purpose,
            to_address=m.to_address,
            subject=m.subject,
            body=m.body,
            status=m.status.value,
            error=m.error,
            sent_at=m.sent_at,
            sent_by=name,
        )
        for m, name in rows
    ]


def _deliver(
    to: str, subject: str, text: str, html: str | None
) -> tuple[MessageStatus, str | None]:
    if not configured():
        return MessageStatus.NOT_SENT, None
    state = _batch.get()
    if state is None:
        with batch():  # a single message: its own connection, closed whatever happens
            return _deliver(to, subject, text, html)
    if state.error:
        return MessageStatus.FAILED, f"not tried: {state.error}"
    try:
        connection = _connection(state)
    except Exception as exc:  # any failure is recorded; the caller's action stands
        error = _describe(exc)
        log.warning("cannot reach the mail server: %s", error)
        state.error = f"the mail server could not be reached earlier in this batch ({error})"
        return MessageStatus.FAILED, error
    try:
        message = EmailMultiAlternatives(subject, text, sender(), [to], connection=connection)
        if html:
            message.attach_alternative(html, "text/html")
        message.send()
    except Exception as exc:  # a refused recipient or a dropped connection: this message only
        with contextlib.suppress(Exception):
            connection.close()
        state.connection = None  # reconnect for the next message
        error = _describe(exc)
        log.warning("sending to %s failed: %s", to, error)
        return MessageStatus.FAILED, error
    return MessageStatus.SENT, None


def _connection(state: _Batch):
    """Return the batch's open connection, opening it on first use."""
    if state.connection is None:
        connection = mail.get_connection()
        try:
            connection.open()  # raises now, so the whole batch learns the server is unreachable
        except Exception:
            with contextlib.suppress(Exception):
                connection.close()  # a failed STARTTLS leaves the socket open otherwise
            raise
        state.connection = connection
    return state.connection


def _describe(exc: Exception) -> str:
    text = str(exc) or "no details"
    return f"{type(exc).__name__}: {text}"[:MAX_ERROR_CHARS]


def _withhold(text: str, secrets_: list[str]) -> str:
    for secret in secrets_:
        text = text.replace(secret, WITHHELD)
    return text
