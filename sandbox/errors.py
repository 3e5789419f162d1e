"""Exceptions of the sandbox: programming errors, refused input, infrastructure trouble."""

from __future__ import annotations


class SandboxError(Exception):
    """Base class of every error the sandbox raises."""


class InvalidJob(SandboxError, ValueError):
    """A job or its limits are malformed: a bug in the caller, never the candidate's fault."""


class SubmissionRefused(SandboxError):
    """A submission breaks the submission policy; `problems` holds one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("submission refused: " + "; ".join(self.problems))


class BackendNotFound(SandboxError, LookupError):
    """No sandbox backend is registered under the requested name."""


class InfrastructureError(SandboxError):
    """The engine, image or host failed: the run says nothing of the candidate; retry it."""


class EngineUnavailable(InfrastructureError):
    """The container engine cannot be reached or refused a request."""


class ImageMissing(InfrastructureError):
    """The sandbox image is not present on the engine (it is never pulled)."""


class ImageStale(InfrastructureError):
    """The sandbox image was built from another version of the harness."""


class ImageBuildFailed(InfrastructureError):
    """Building the sandbox image failed."""
