"""Domain errors: what a service refuses, in words a user can read."""


class DomainError(Exception):
    """Base of every refusal by a core service."""


class NotFound(DomainError):
    pass


class AlreadyExists(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class IllegalTransition(DomainError):
    pass
