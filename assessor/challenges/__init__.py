"""Challenge folders: read, check and run them. Knows nothing of Flask or the database."""

from assessor.challenges.reader import ChallengeFormatError, Problem, read_challenge
from assessor.challenges.spec import SKILLS, ChallengeSpec

__all__ = ["SKILLS", "ChallengeFormatError", "ChallengeSpec", "Problem", "read_challenge"]
