"""Rendering a draft: a sandboxed Jinja template over the documented context.

``SandboxedEnvironment`` + ``StrictUndefined``: a template cannot reach
Python internals, and a typo is an error naming the template and line rather
than a silent "Dear ,". Jinja and Babel are imported inside the functions so
that commands which never draft do not pay for them at start-up.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from crm_cli.core import terms
from crm_cli.core.drafting.context import Record, build_context, resolve_lang, years_phrase
from crm_cli.core.drafting.guard import check_privacy, specific_details
from crm_cli.core.drafting.sms import sms_info
from crm_cli.core.models import Client, PlannedStep, Touchpoint
from crm_cli.core.settings import Settings
from crm_cli.core.terms import PURPOSES
from crm_cli.errors import ConfigError, CrmError, InvalidValue, NotFound

if TYPE_CHECKING:
    from crm_cli.core.scheduler import Item

__all__ = [
    "BLOCK_CHANNELS",
    "CHANNELS",
    "Draft",
    "choose_purpose",
    "compose",
    "render",
    "split_name",
    "validate_name",
]

CHANNELS = terms.DRAFT_CHANNELS
BLOCK_CHANNELS = terms.SUBJECT_CHANNELS
"""Channels whose templates give ``{% block subject %}`` and ``{% block body %}``."""

_NAME = re.compile(r"(?P<channel>[a-z0-9-]+)/(?P<purpose>[a-z0-9-]+)\.(?P<lang>it|en)")
_SUFFIX = ".j2"


@dataclass
class Draft:
    template: str  # e.g. "email/check-in.en"
    channel: str  # email | sms | coffee | call
    lang: str
    subject: str | None  # email and coffee only
    body: str  # tidied, no trailing newline
    warnings: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # client-specific details found in it
    send_by: str | None = None  # how it goes out: email | sms; None for a call sheet

    @property
    def text(self) -> str:
        """Subject and body, as the guards read them."""
        return f"{self.subject}\n\n{self.body}" if self.subject else self.body


# --------------------------------------------------------------------------- names


def validate_name(name: str) -> str:
    """``channel/purpose.lang``; a trailing ``.j2`` is accepted and dropped.

    Only lower-case letters, digits and dashes: no ``..``, no absolute paths, no
    backslashes, so a name can never reach outside the templates folders.
    """
    text = name.strip().removesuffix(_SUFFIX)
    match = _NAME.fullmatch(text)
    if not match:
        raise InvalidValue(
            f"invalid template name '{name}': write it as channel/purpose.lang, "
            "e.g. 'email/check-in.en' (lower-case letters, digits and '-')"
        )
    if match["channel"] not in CHANNELS:
        raise InvalidValue(
            f"invalid template name '{name}': the channel must be one of {', '.join(CHANNELS)}"
        )
    return text


def split_name(name: str) -> tuple[str, str, str]:
    """``(channel, purpose, lang)`` of a valid template name."""
    match = _NAME.fullmatch(validate_name(name))
    assert match is not None
    return match["channel"], match["purpose"], match["lang"]


# --------------------------------------------------------------------------- the environment


def _format_date(value: Any, weekday: bool, lang: str, filter_name: str) -> str:
    """``martedì 3 marzo`` / ``Tuesday 3 March`` (CLDR ``EEEE d MMMM``), or without the day.

    The names come from Babel's CLDR data through ``Locale``: importing
    ``babel.dates`` for its pattern engine would cost ~10 ms more per draft.
    """
    from babel.core import Locale

    if not isinstance(value, date):
        raise TypeError(f"'{filter_name}' needs a date, not {type(value).__name__}")
    locale = Locale.parse(lang)
    text = f"{value.day} {locale.months['format']['wide'][value.month]}"
    if weekday:
        text = f"{locale.days['format']['wide'][value.weekday()]} {text}"
    return text


def _first(value: Any) -> str:
    parts = str(value).split()
    return parts[0] if parts else ""


def _years(value: Any, lang: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"'years' needs a whole number, not {type(value).__name__}")
    return years_phrase(value, lang)


def _environment(lookup: Callable[[str], str | None], lang: str) -> Any:
    from jinja2 import FunctionLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class Undefined(StrictUndefined):
        """Says "'client' has no attribute 'nmae'" rather than naming a Python type."""

        __slots__ = ()

        @property
        def _undefined_message(self) -> str:
            obj, name = self._undefined_obj, self._undefined_name
            if isinstance(obj, Record) and name is not None:
                hint = ""
                if "private" in str(name):
                    hint = " (private notes are never given to templates)"
                return f"'{obj._label}' has no attribute '{name}'{hint}"
            return str(super()._undefined_message)

    def load(name: str) -> tuple[str, str, Callable[[], bool]] | None:
        try:
            valid = validate_name(name)
        except InvalidValue:
            return None
        source = lookup(valid)
        # The filename is the template's name: tracebacks then name it and its line.
        return None if source is None else (source, valid, lambda: True)

    env = SandboxedEnvironment(
        loader=FunctionLoader(load),
        undefined=Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # plain-text messages, not HTML
        auto_reload=False,
    )
    env.filters["longdate"] = lambda d: _format_date(d, True, lang, "longdate")
    env.filters["shortdate"] = lambda d: _format_date(d, False, lang, "shortdate")
    env.filters["first"] = _first
    env.filters["years"] = lambda n: _years(n, lang)
    return env


def _tidy(text: str) -> str:
    """Trailing spaces off, runs of blank lines squeezed to one, no blank edges."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _where(exc: BaseException, name: str) -> tuple[str, int | None]:
    """The template and line an error was raised at (the innermost template frame)."""
    from jinja2 import TemplateSyntaxError

    if isinstance(exc, TemplateSyntaxError):
        return exc.name or name, exc.lineno
    found: tuple[str, int | None] = (name, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if _NAME.fullmatch(frame.filename):
            found = (frame.filename, frame.lineno)
    return found


def _error(exc: BaseException, name: str) -> ConfigError:
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.sandbox import SecurityError

    where, line = _where(exc, name)
    at = f"template {where}" + (f", line {line}" if line else "")
    if isinstance(exc, TemplateSyntaxError):
        return ConfigError(f"{at}: {exc.message}")
    if isinstance(exc, SecurityError):
        return ConfigError(f"{at}: refused by the sandbox: {exc}")
    if isinstance(exc, TemplateNotFound):
        return ConfigError(f"{at}: no template named '{exc.name}' to include")
    if isinstance(exc, UndefinedError):
        return ConfigError(f"{at}: {exc}")
    return ConfigError(f"{at}: {type(exc).__name__}: {exc}")


def render(
    lookup: Callable[[str], str | None],
    name: str,
    context: dict[str, Any],
    channel: str,
    *,
    by_sms: bool = False,
) -> Draft:
    """Renders template ``name`` over ``context``; template errors are ``ConfigError``.

    Email and coffee templates give ``subject`` and ``body`` blocks (anything
    outside them is dropped, but top-level ``{% set %}`` still runs first);
    SMS and call templates are the text itself. ``by_sms``: a coffee invitation
    going out by SMS uses the template's short ``{% block sms %}`` when it has one.
    """
    from jinja2 import TemplateNotFound

    valid = validate_name(name)
    kind, _purpose, lang = split_name(valid)
    env = _environment(lookup, context["client"].lang)
    subject: str | None = None
    try:
        try:
            template = env.get_template(valid)
        except TemplateNotFound:
            raise NotFound(f"no template named '{valid}'") from None
        try:
            ctx = template.new_context(dict(context))
            # The root render runs top-level {% set %}s and links a parent's blocks.
            whole = "".join(template.root_render_func(ctx))
            if kind in BLOCK_CHANNELS:
                missing = [b for b in ("subject", "body") if b not in ctx.blocks]
                if missing:
                    raise ConfigError(
                        f"template {valid} has no {{% block {missing[0]} %}}: email and "
                        "coffee templates give a subject block and a body block"
                    )
                subject = " ".join("".join(ctx.blocks["subject"][0](ctx)).split())
                text = "sms" if by_sms and "sms" in ctx.blocks else "body"
                body = _tidy("".join(ctx.blocks[text][0](ctx)))
            else:
                body = _tidy(whole)
        except CrmError:
            raise
        except Exception:
            env.handle_exception()  # re-raised with template names and lines in the traceback
    except CrmError:
        raise
    except Exception as exc:
        raise _error(exc, valid) from None
    if kind in BLOCK_CHANNELS and not subject:
        raise ConfigError(f"template {valid} gives an empty subject")
    if not body:
        raise ConfigError(f"template {valid} gives an empty text")
    return Draft(template=valid, channel=channel, lang=lang, subject=subject, body=body)


# --------------------------------------------------------------------------- compose


def choose_purpose(item: Item | None) -> str:
    """The template purpose for an item: its purpose, else its reason; none → check-in."""
    if item is not None:
        for candidate in (item.purpose, item.reason):
            if candidate in PURPOSES:
                return candidate
    return "check-in"


def compose(
    client: Client,
    touchpoints: list[Touchpoint],
    item: Item | None,
    settings: Settings,
    today: date,
    lookup: Callable[[str], str | None],
    *,
    channel: str,
    purpose: str,
    lang: str | None = None,
    template: str | None = None,
    send_by: str | None = None,
    steps: Iterable[PlannedStep] = (),
    vetted: Callable[[str], str | None] | None = None,
) -> Draft:
    """Context → render → privacy guard (raises ``PrivacyLeak``) → generic check (a warning).

    ``vetted`` gives the built-in template of a name: its own wording ("Dirlo
    chiaramente") is never taken for a private note's words. A user's template
    gets no such trust: words typed into it are checked like any other.

    ``lang`` is the --lang option: it applies only to a client without a
    language of their own. ``template`` (a name) replaces the one picked from
    channel, purpose and language; its own language and purpose then apply.
    ``send_by`` says how a coffee invitation goes out (``email``, the default,
    or ``sms``); SMS drafts get a warning past two segments.
    """
    warnings: list[str] = []
    if template is not None:
        name = validate_name(template)
        t_channel, purpose, render_lang = split_name(name)
        if t_channel != channel:
            raise InvalidValue(f"template {name} is written for {t_channel}, not {channel}")
    else:
        render_lang = resolve_lang(client, lang, settings)
        if lang and client.lang and lang != client.lang:
            warnings.append(f"{client.name}'s language is {client.lang}: --lang {lang} not used")
        name = validate_name(f"{channel}/{purpose}.{render_lang}")
    context = build_context(
        client, touchpoints, item, settings, today, render_lang, purpose, channel, steps=steps
    )
    by_sms = channel == "coffee" and send_by == "sms"
    draft = render(lookup, name, context, channel, by_sms=by_sms)
    # The user's own name and the scheduler's line are never a private note's words.
    public = (
        settings.my_name,
        settings.signature,
        context["item"].detail,
        (vetted(name) or "") if vetted else "",
    )
    check_privacy(draft.text, client, touchpoints, name, public=public)
    draft.details = specific_details(draft.text, context)
    if not draft.details:
        warnings.append(
            f"generic draft: nothing in {name} is specific to {client.name} beyond the name "
            "(a preference, the last topic, the years as a client...)"
        )
    if channel == "call":
        draft.send_by = None
    elif channel == "coffee":
        draft.send_by = send_by or "email"
    else:
        draft.send_by = channel
    if draft.send_by == "sms":
        too_long = sms_info(draft.body).warning()
        if too_long:
            warnings.append(too_long)
    draft.warnings = warnings
    return draft
