"""Audit events in words: who did what to which object, as one sentence per entry."""

from __future__ import annotations

import string
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Assessment, Attempt, AuditEvent, Challenge, User

# action -> (label in the filter, what the actor did). {target} is the object's label; other
# fields come from the event's data. An action missing here is still shown, in plainer words.
ACTIONS: dict[str, tuple[str, str]] = {
    "auth.login": ("Signed in", "signed in"),
    "auth.logout": ("Signed out", "signed out"),
    "auth.login_failed": ("Sign-in refused", "failed to sign in as {email}"),
    "user.create": ("Staff account created", "created the {role} account {target}"),
    "user.invite": ("Staff member invited", "invited {target} as {role}"),
    "user.role_change": ("Role changed", "changed the role of {target} from {old} to {new}"),
    "user.deactivate": ("Account deactivated", "deactivated the account {target}"),
    "user.reactivate": ("Account reactivated", "reactivated the account {target}"),
    "user.password_reset": ("Password reset", "reset the password of {target}"),
    "user.password_set": ("Password set", "set the password of {target} with a one-time link"),
    "user.link_resend": ("Set-password link resent", "sent {target} a new set-password link"),
    "assessment.create": ("Assessment created", "created the assessment {target}"),
    "assessment.update": ("Assessment edited", "edited the assessment {target}"),
    "assessment.duplicate": ("Assessment duplicated", "created {target} as a copy"),
    "assessment.archive": ("Assessment archived", "archived the assessment {target}"),
    "assessment.unarchive": ("Assessment restored", "restored the assessment {target}"),
    "assessment.pin": ("Versions pinned", "pinned the challenge versions of {target}"),
    "assessment.share": ("Assessment shared", "shared {target} with {email}"),
    "assessment.unshare": ("Share removed", "stopped sharing {target} with {email}"),
    "challenge.sync": ("Challenge synced", "synced a new version of the challenge {target}"),
    "challenge.retire": ("Challenge retired", "retired the challenge {target}"),
    "invitation.create": ("Candidate invited", "invited the candidate {target}"),
    "invitation.resend": ("Invitation resent", "resent the invitation of {target}"),
    "invitation.reissue": ("Link replaced", "replaced the invitation link of {target}"),
    "invitation.revoke": ("Invitation revoked", "revoked the invitation of {target}"),
    "invitation.extend": ("Invitation extended", "extended the invitation of {target}"),
    "invitation.add_time": ("Time added", "gave {target} {minutes} more minutes"),
    "invitation.link_copied": ("Link copied", "copied the invitation link of {target}"),
    "assessment.export": ("Comparison exported", "exported the comparison of {target} as {format}"),
    "review.save": ("Scorecard saved", "saved a draft scorecard for {target}"),
    "review.submit": ("Scorecard submitted", "submitted a scorecard for {target}"),
    "review.update": ("Scorecard edited", "edited their submitted scorecard for {target}"),
    "review.discard": ("Draft scorecard discarded", "discarded their draft scorecard for {target}"),
    "library.sync.request": ("Library sync asked for", "asked for a sync of the challenge library"),
    # The worker runs a sync for whoever asked: these sentences name the run, not a person.
    "library.sync.start": ("Library sync started", "{Target} started."),
    "library.sync.folder": ("Challenge folder synced", "{Target} read {slug}: {outcome}."),
    "library.sync.finish": ("Library sync finished", "{Target} finished."),
    "library.sync.fail": ("Library sync failed", "{Target} failed: {error}"),
}
# Who acted when no staff member did: the `via` an entry records, else the platform itself.
ORIGINS = {"cli": "The command line", "demo": "The demo command"}
# Labels of objects by their audit target_type: (model, label of one row).
# Objects that are not rows of their own, named as people say them.
OBJECT_NAMES = {"librarysync": "library sync"}
LABELS = {
    "user": (User, lambda u: f"{u.name} ({u.email})"),
    "assessment": (Assessment, lambda a: f"“{a.title}”"),
    "attempt": (Attempt, lambda a: f"{a.candidate_name} ({a.candidate_email})"),
    "challenge": (Challenge, lambda c: c.slug),
}
MAX_DETAIL_CHARS = 300


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor: str  # a name, or what acted without a staff member ("The command line")
    action: str
    sentence: str  # "Ada Admin changed the role of Ivan (ivan@x) from interviewer to admin."
    target_type: str | None
    target_id: str | None
    target: str | None  # a readable label of the object, when it still exists
    ip: str | None
    details: list[tuple[str, str]]  # data the sentence does not already say


def action_label(action: str) -> str:
    """Return the filter label of an action."""
    known = ACTIONS.get(action)
    return f"{known[0]} ({action})" if known else action


def describe(events: Iterable[AuditEvent]) -> list[AuditEntry]:
    """Turn events into entries with sentences, loading every label in a few queries."""
    events = list(events)
    labels = _labels(events)
    return [_entry(e, labels) for e in events]


def _labels(events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.actor_id is not None:
            wanted["user"].add(event.actor_id)
        if event.target_type in LABELS and (event.target_id or "").isdigit():
            wanted[event.target_type].add(int(event.target_id))
    labels = {}
    for target_type, ids in wanted.items():
        model, label = LABELS[target_type]
        for row in db.session.scalars(select(model).where(model.id.in_(ids))):
            labels[(target_type, str(row.id))] = label(row)
            if target_type == "user":
                labels[("actor", str(row.id))] = row.name  # the sentence names the actor
    return labels


def _entry(event: AuditEvent, labels: dict[tuple[str, str], str]) -> AuditEntry:
    data = dict(event.data or {})
    via = data.pop("via", None)
    if event.actor_id is not None:
        actor = labels.get(("actor", str(event.actor_id)), f"Deleted user #{event.actor_id}")
    elif event.action == "auth.login_failed":
        actor = "Someone"
    else:
        actor = ORIGINS.get(str(via), "The platform")
    target = _target(event, labels)
    fields = _Fields(data, target or "", actor)
    return AuditEntry(
        id=event.id,
        at=event.at,
        actor_id=event.actor_id,
        actor=actor,
        action=event.action,
        sentence=_sentence(event, actor, target, fields),
        target_type=event.target_type,
        target_id=event.target_id,
        target=target,
        ip=event.ip,
        details=[
            (k, _text(v))
            for k, v in sorted(data.items())
            if k not in fields.used and v not in (None, "", [], {})
        ],
    )


def _target(event: AuditEvent, labels: dict[tuple[str, str], str]) -> str | None:
    if not event.target_type:
        return None
    found = labels.get((event.target_type, event.target_id or ""))
    if found is not None:
        return found
    name = OBJECT_NAMES.get(event.target_type, event.target_type)
    gone = " (no longer exists)" if event.target_type in LABELS else ""
    return f"{name} #{event.target_id}{gone}"


def _sentence(event: AuditEvent, actor: str, target: str | None, fields: _Fields) -> str:
    known = ACTIONS.get(event.action)
    if known is None:
        what = event.action.replace(".", ": ", 1).replace("_", " ")
        return f"{actor} {what}{f' {target}' if target else ''}."
    said = string.Formatter().vformat(known[1], (), fields)
    if known[1].startswith("{Target}"):
        return said  # a whole sentence about an object, such as a library sync
    if event.action == "user.password_set" and event.target_id == str(event.actor_id):
        said = "set their own password with a one-time link"
    return f"{actor} {said}."


class _Fields(dict):
    """Format fields from the event's data; remembers which were said in the sentence."""

    def __init__(self, data: dict[str, Any], target: str, actor: str) -> None:
        super().__init__(data)
        self.said = {"target": target, "Target": target[:1].upper() + target[1:], "actor": actor}
        self.used: set[str] = set()

    def __missing__(self, key: str) -> str:
        return self.said.get(key, "?")

    def __getitem__(self, key: str) -> str:
        self.used.add(key)
        return _text(super().__getitem__(key)) if key in self else self.__missing__(key)


def _text(value: Any) -> str:
    text = _plain(value)
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def _plain(value: Any, nested: bool = False) -> str:
    """Write a stored value as a person would: yes/no, 3 not 3.0, lists without brackets."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, "g")
    if isinstance(value, list | tuple):
        inner = ", ".join(_plain(v, nested=True) for v in value)
        return f"({inner})" if nested else inner
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v, nested=True)}" for k, v in value.items())
    return str(value)
