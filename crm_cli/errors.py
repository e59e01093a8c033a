"""One error hierarchy for the whole tool.

Every error carries the exit code the CLI returns for it; the CLI turns any
``CrmError`` into a single ``Error: <message>`` line on stderr in one place
(``crm_cli.cli.exits``).
"""

from __future__ import annotations


class CrmError(Exception):
    """Base of every error the user may see. Exit code 1: a domain error."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(CrmError):
    """The command line itself is wrong (exit 2, like click's usage errors)."""

    exit_code = 2


class InvalidValue(CrmError):
    """A value given by the user (a date, an email, a cadence...) is not valid."""


class NotFound(CrmError):
    """No client, touchpoint, template or playbook matches."""


class Ambiguous(CrmError):
    """A client fragment matches more than one client."""


class Conflict(CrmError):
    """The change would break a rule of the book (e.g. an email used twice)."""


class ConfigError(CrmError):
    """The settings file or a user playbook/template is malformed."""


class TemplateError(ConfigError):
    """A draft template cannot be read, compiled or rendered (or went past its bounds)."""


class OutputError(CrmError):
    """A file the user asked crm to write (a draft, an export, a template copy) cannot be."""


class InputError(CrmError):
    """A file the user gave crm to read (an import) cannot be read."""


class StoreError(CrmError):
    """The book cannot be read or written (a file where a folder should be...)."""


class CorruptBook(StoreError):
    """The book file cannot be parsed; it is left untouched."""


class BookLocked(StoreError):
    """Another crm process holds the book's lock for too long."""


class NewerSchema(StoreError):
    """The book was written by a newer version of crm."""


class SyncError(CrmError):
    """``crm sync`` cannot reach the remote, or git refused (its reason in one line)."""
