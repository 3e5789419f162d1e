"""Domain logic: plain functions taking ids and dataclasses, owning their transactions."""


class DomainError(Exception):
    """A request the domain refuses; routes map these to HTTP answers."""

    status = 400


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
