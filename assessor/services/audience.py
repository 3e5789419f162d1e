"""Who is reading an assessment's results, and so which identities and scorecards they see.

Identities: with `hide_identity`, reviewers read "Candidate 12" instead of a name and email.
Those who may manage the assessment (its owner, editors and admins) still see them: they send
the invitations, so the names are on their pages anyway. Share an assessment as *viewer* with
reviewers who should not know who they are scoring.

Scorecards: in blind mode a reviewer sees others' submitted scorecards, and everything derived
from them (decisions, rubric scores, totals that include them), only after submitting their
own. The owner and admins, who make the hiring decision, see them without reviewing, until they
start a scorecard of their own: from then on the same rule holds for them. Drafts are only ever
seen by their author.
"""

from __future__ import annotations

import dataclasses

from assessor.models import Assessment, Review, Role, User
from assessor.services.permissions import Permission, can


@dataclasses.dataclass(frozen=True)
class Audience:
    user_id: int | None  # None: the system itself (CLI, jobs), which sees everything
    sees_identity: bool
    oversees: bool  # owner or admin: may read scorecards without writing one
    blind: bool

    def sees_others(self, own: Review | None) -> bool:
        """Tell whether others' submitted scorecards of an attempt are visible, given one's own."""
        if not self.blind or self.user_id is None:
            return True
        if own is None:
            return self.oversees
        return own.submitted_at is not None

    def visible_reviews(self, reviews: list[Review]) -> list[Review]:
        """Return the scorecards of one attempt this reader may see: own, and others' if allowed."""
        own = next((r for r in reviews if r.reviewer_id == self.user_id), None)
        others = self.sees_others(own)
        return [r for r in reviews if r is own or (others and r.submitted_at is not None)]

    def candidate_name(self, attempt_id: int, name: str) -> str:
        return name if self.sees_identity else candidate_label(attempt_id)

    def candidate_email(self, email: str) -> str:
        return email if self.sees_identity else ""


EVERYONE = Audience(user_id=None, sees_identity=True, oversees=True, blind=False)


def candidate_label(attempt_id: int) -> str:
    """Name a candidate without their identity: the attempt's id is stable and reveals nothing."""
    return f"Candidate {attempt_id}"


def audience_for(user: User, assessment: Assessment) -> Audience:
    """Describe what `user` may see of the assessment's candidates and scorecards."""
    manages = can(user, Permission.MANAGE_ASSESSMENT, assessment)
    return Audience(
        user_id=user.id,
        sees_identity=not assessment.hide_identity or manages,
        oversees=user.role is Role.ADMIN or assessment.owner_id == user.id,
        blind=assessment.blind_review,
    )
