"""Shell completion: the values a TAB offers, from the vocabulary and from the book.

Typer calls these only while completing (``_CRM_COMPLETE`` set by the shell's
script), never on an ordinary run. Command modules import this module for the
``autocompletion=`` of their options, so it imports nothing at its top beyond
the vocabulary (itself import-free): the store and the config are imported
inside :func:`client_ids`, the one completer that reads the book.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_cli.core import terms

if TYPE_CHECKING:
    from crm_cli.core.book import ClientRef


class _Fragment(str):
    """A client id found by a fragment of the client's name or email, not by its start.

    Typer keeps only the values that start with the word being completed; this
    one is meant to replace the word (bash does so when it is the only match).
    """

    __slots__ = ()

    def startswith(self, *args: object, **kwargs: object) -> bool:
        return True


def _starting(values: tuple[str, ...], incomplete: str) -> list[str]:
    return [v for v in values if v.startswith(incomplete)]


def log_channels(incomplete: str) -> list[str]:
    return _starting(terms.LOG_CHANNELS, incomplete)


def draft_channels(incomplete: str) -> list[str]:
    return _starting(terms.DRAFT_CHANNELS, incomplete)


def contact_channels(incomplete: str) -> list[str]:
    return _starting(terms.CONTACT_CHANNELS, incomplete)


def purposes(incomplete: str) -> list[str]:
    return _starting(terms.PURPOSES, incomplete)


def languages(incomplete: str) -> list[str]:
    return _starting(terms.LANGUAGES, incomplete)


def genders(incomplete: str) -> list[str]:
    return _starting(terms.GENDERS, incomplete)


def tiers(incomplete: str) -> list[str]:
    return _starting(terms.TIERS, incomplete)


def template_names(incomplete: str) -> list[str]:
    """The built-in templates by name (``email/check-in.en``)."""
    names = tuple(f"{c}/{p}.{lang}" for c, p, lang in terms.template_grid())
    return _starting(names, incomplete)


def client_ids(incomplete: str) -> list[tuple[str, str]]:
    """Client ids with their names: those starting with what was typed, or else those
    whose id, name or email holds it (case and accents aside). Archived clients come last.

    A missing, locked or damaged book completes nothing: a TAB never prints an error.
    """
    try:
        refs = _client_refs()
    except Exception:  # completion must never fail, whatever the book's state
        return []
    refs.sort(key=lambda r: (r.archived, r.id))
    by_id = [(r.id, r.name) for r in refs if r.id.startswith(incomplete)]
    if by_id or not incomplete:
        return by_id
    from crm_cli.core.contacts import fold

    needle = fold(incomplete)
    return [
        (_Fragment(r.id), r.name)
        for r in refs
        if needle in r.id or needle in fold(r.name) or any(needle in fold(e) for e in r.emails)
    ]


def _client_refs() -> list[ClientRef]:
    """The book's client refs, read without the lock and without writing anything."""
    from crm_cli.store import Book, book_exists
    from crm_cli.userfiles.config import home_dir

    home = home_dir()
    if not book_exists(home):
        return []
    # Book(writable=False) never folds into the cache nor migrates: a TAB must not write.
    try:
        book = Book(home, writable=False)
    except Exception:
        return []
    try:
        return book.client_refs()
    finally:
        book.close()
