"""Domain errors: raised by services, translated to status codes by each API dialect."""


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The named thing does not exist in this organization."""


class Conflict(DomainError):
    """The change collides with what is stored (a name taken, a limit reached)."""


class Invalid(DomainError):
    """The request is well-formed but its values are not acceptable."""


class WrongState(Conflict):
    """The thing is not in a state that allows this (ending a window not started): 409."""
