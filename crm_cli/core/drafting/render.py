"""Rendering a draft: a sandboxed Jinja template over the documented context.

``SandboxedEnvironment`` + ``StrictUndefined``: a template cannot reach
Python internals, and a typo is an error naming the template and line rather
than a silent "Dear ,". The environment is built once per process and each
template source compiled once; every render is bounded in steps, sizes and
time, so a user's runaway template ends in a ``TemplateError``. Jinja and Babel
are imported inside the functions so that commands which never draft do not pay
for them at start-up.
"""

from __future__ import annotations

import marshal
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from types import CodeType
from typing import TYPE_CHECKING, Any, Protocol

from crm_cli.core import terms
from crm_cli.core.drafting.context import (
    Record,
    StepWords,
    build_context,
    resolve_lang,
    years_phrase,
)
from crm_cli.core.drafting.guard import check_privacy, is_personal, specific_details
from crm_cli.core.drafting.sms import sms_info
from crm_cli.core.models import Client, PlannedStep, Touchpoint
from crm_cli.core.patterns import lazy
from crm_cli.core.settings import Settings
from crm_cli.core.terms import PURPOSES
from crm_cli.errors import CrmError, InvalidValue, NotFound, TemplateError

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
    """A rendered draft, with the warnings and details the guards found in it."""

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


def _format_date(
    value: Any, weekday: bool, lang: str, filter_name: str, today: date | None = None
) -> str:
    """``martedì 3 marzo`` / ``Tuesday 3 March`` (CLDR ``EEEE d MMMM``), or without the day.

    A date outside ``today``'s year carries its year (``martedì 25 novembre 2025``):
    without it, a date of last November reads as this one.

    The names are CLDR's wide format names, written out in ``speech`` for the two
    languages templates have (``_NAME``): loading Babel's locale data cost ~0.1 s
    per draft.
    """
    from crm_cli.core.drafting.speech import month_name, weekday_name

    if not isinstance(value, date):
        raise TypeError(f"'{filter_name}' needs a date, not {type(value).__name__}")
    text = f"{value.day} {month_name(value.month, lang)}"
    if weekday:
        text = f"{weekday_name(value, lang)} {text}"
    if today is not None and value.year != today.year:
        text += f" {value.year}"
    return text


def _pick(options: Any, slot: Any, render: _Render) -> Any:
    """One of ``options``, chosen by the client, the day, the template and ``slot``.

    ``{{ ["Come va?", "Tutto bene?"] | pick("opening") }}``: deterministic (a hash,
    not a random draw), so asking twice gives the same draft; ``slot`` keeps two
    choices in one template independent of each other.
    """
    import hashlib

    if isinstance(options, str | bytes) or not hasattr(options, "__len__"):
        raise TypeError("'pick' needs a list of options")
    if not options:
        raise TypeError("'pick' needs at least one option")
    digest = hashlib.sha256(f"{render.seed}\x1f{slot}".encode()).digest()
    return list(options)[int.from_bytes(digest[:4], "big") % len(options)]


def _day(value: date) -> date:
    """The calendar day of a date or a datetime (a datetime is a date too)."""
    return value.date() if isinstance(value, datetime) else value


def _when(value: Any, render: _Render) -> str:
    from crm_cli.core.drafting.speech import when

    if not isinstance(value, date):
        raise TypeError(f"'when' needs a date, not {type(value).__name__}")
    if render.today is None:
        raise TypeError("'when' needs 'today' in the context")
    return when(_day(value), render.today, render.lang)


def _silence(value: Any, render: _Render) -> str:
    """The silence since a date, or of a number of days."""
    from crm_cli.core.drafting.speech import silence

    if isinstance(value, date):
        if render.today is None:
            raise TypeError("'silence' needs 'today' in the context")
        value = (render.today - _day(value)).days
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"'silence' needs a date or a number of days, not {type(value).__name__}")
    return silence(value, render.lang)


def _first(value: Any) -> str:
    parts = str(value).split()
    return parts[0] if parts else ""


def _years(value: Any, lang: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"'years' needs a whole number, not {type(value).__name__}")
    return years_phrase(value, lang)


# One environment and one compiled template per source, for the whole process:
# ``crm drafts`` renders a few dozen templates for thousands of clients. What
# varies per draft (the lookup of the user's templates, the client's language,
# the render's budget) is in ``_RENDER`` while it runs, never in the environment.

MAX_TEXT = 100_000
"""Characters (or items) in any one value a template makes; a draft is a few hundred."""
MAX_OUTPUT = 1_000_000
"""Characters of all ``{{ }}`` output of one render, macros and ``{% set %}`` blocks included."""
MAX_STEPS = 100_000
"""Loop iterations, calls, filters and operators of one render; a built-in uses a dozen."""
MAX_SECONDS = 1.0
MAX_BITS = 4096
"""The largest whole number a template may compute (about 1,200 digits)."""

# A width or precision of a million or more: '%0999999d', '{:>999999}'.
_WIDE_PERCENT = lazy(r"%[-+ #0]*(\d{6,}|\d*\.\d{6,})")
_WIDE_FORMAT = lazy(r"\{[^{}]*:[^{}]*\d{6,}[^{}]*\}")
_NESTED = lazy(r"\{[^{}]*:[^{}]*\{")  # '{:>{w}}': a width from the arguments


class TemplateLimit(Exception):
    """A template went past a bound of :data:`MAX_TEXT`, :data:`MAX_STEPS`... (a user's loop)."""


class _Render:
    """What one render needs besides the environment, and what it has spent so far."""

    __slots__ = ("deadline", "lang", "lookup", "output", "seed", "steps", "today")

    def __init__(
        self,
        lookup: Callable[[str], str | None],
        lang: str,
        today: date | None = None,
        seed: str = "",
    ) -> None:
        self.lookup, self.lang, self.today, self.seed = lookup, lang, today, seed
        self.steps = self.output = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateLimit(f"stopped after {MAX_STEPS:,} steps (loops, calls, filters)")
        if not self.steps % 512 and time.monotonic() > self.deadline:
            raise TemplateLimit(f"stopped after {MAX_SECONDS:g} s of rendering")

    def emit(self, size: int) -> None:
        self.output += size
        if self.output > MAX_OUTPUT:
            raise TemplateLimit(f"stopped at more than {MAX_OUTPUT:,} characters of output")


_RENDER: ContextVar[_Render] = ContextVar("crm_render")
_ENV: Any = None
_COMPILED: dict[tuple[str, str], Any] = {}  # (name, source) -> Template: never stale
_COMPILED_MAX = 512  # user templates edited many times in one process: start again


def _size(value: Any) -> int:
    """Characters or items in a value, counting the text of a list's strings."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value) + sum(len(v) for v in value if isinstance(v, str))
    return 0


def _check_size(size: int) -> None:
    if size > MAX_TEXT:
        raise TemplateLimit(f"stopped at a value of more than {MAX_TEXT:,} characters or items")


def _check_args(value: Any, args: Iterable[Any], method: Any = None) -> None:
    """Refuse, before the work, what would make a value past the bounds.

    ``value`` is what a filter or method works on (only its size counts);
    whole numbers among ``args`` are widths, counts and lengths.
    """
    _check_size(_size(value))
    rest = list(args)
    for arg in rest:
        if isinstance(arg, int) and not isinstance(arg, bool):
            _check_size(abs(arg))
        _check_size(_size(arg))
    if getattr(method, "__name__", "") == "replace" and isinstance(value, str) and len(rest) >= 2:
        old, new = rest[:2]
        if isinstance(old, str) and isinstance(new, str):
            count = value.count(old) if old else len(value) + 1
            _check_size(len(value) + count * len(new))


def _guarded_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that ticks the budget and checks its arguments and result.

    It takes the context, so Jinja never runs it at compile time on constants.
    """
    from jinja2 import pass_context

    kind = getattr(getattr(func, "jinja_pass_arg", None), "name", None)

    @pass_context
    def run(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        _RENDER.get().tick()
        if args:
            _check_args(args[0], [*args[1:], *kwargs.values()], func)
        if kind == "context":
            result = func(ctx, *args, **kwargs)
        elif kind == "eval_context":
            result = func(ctx.eval_ctx, *args, **kwargs)
        elif kind == "environment":
            result = func(ctx.environment, *args, **kwargs)
        else:
            result = func(*args, **kwargs)
        _check_size(_size(result))
        return result

    return run


def _loop(_ctx: Any, iterable: Any) -> Iterator[Any]:
    """Every ``{% for %}`` iterates through this: one step per item."""
    render = _RENDER.get()
    for item in iterable:
        render.tick()
        yield item


def _concat(_ctx: Any, parts: list[Any]) -> str:
    """``a ~ b``: the sizes are checked before joining."""
    texts = [str(p) for p in parts]
    _check_size(sum(map(len, texts)))
    return "".join(texts)


def _finalize(value: Any) -> Any:
    """Every ``{{ }}``: counted against the render's output."""
    _RENDER.get().emit(_size(value) or 8)
    return value


class CodeCache(Protocol):
    """Where compiled templates outlive the process (the store's, under ``local/``)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


_CODE_CACHE: CodeCache | None = None
# Bump when what is compiled changes for the same source: Bounded, or the
# environment's options (trim_blocks, finalize...).
CODE_FORMAT = "1"


def use_code_cache(cache: CodeCache | None) -> None:
    """Keep compiled templates in ``cache`` from now on in this process (None: do not)."""
    global _CODE_CACHE
    _CODE_CACHE = cache


def code_key(name: str, source: str) -> str:
    """The cache key of a template's code: its name and source, Jinja's and Python's versions."""
    import hashlib

    import jinja2

    seed = "\x1f".join((CODE_FORMAT, sys.version, jinja2.__version__, name, source))
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def _cached_code(name: str, source: str) -> CodeType | None:
    if _CODE_CACHE is None:
        return None
    data = _CODE_CACHE.get(code_key(name, source))
    if not data:
        return None
    try:
        code = marshal.loads(data)
    except (EOFError, ValueError, TypeError):  # damaged: compiled again and replaced
        return None
    return code if isinstance(code, CodeType) else None


def _keep_code(name: str, source: str, code: Any) -> None:
    if _CODE_CACHE is not None and isinstance(code, CodeType):
        _CODE_CACHE.put(code_key(name, source), marshal.dumps(code))


def _environment() -> Any:
    """The sandbox of the process, built on first use."""
    global _ENV
    if _ENV is not None:
        return _ENV

    from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, nodes, pass_context
    from jinja2.sandbox import SandboxedEnvironment
    from jinja2.visitor import NodeTransformer

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

    class Bounded(NodeTransformer):
        """Loops and ``~`` go through the budget (Jinja has no hook for either)."""

        def visit_For(self, node: Any) -> Any:
            node = self.generic_visit(node)
            node.iter = nodes.Filter(node.iter, "_crm_loop", [], [], None, None)
            return node

        def visit_Concat(self, node: Any) -> Any:
            node = self.generic_visit(node)
            return nodes.Filter(nodes.List(node.nodes), "_crm_concat", [], [], None, None)

    class Loader(BaseLoader):
        def load(self, environment: Any, name: str, globals: Any = None) -> Any:
            try:
                valid = validate_name(name)
            except InvalidValue:
                raise TemplateNotFound(name) from None
            source = _RENDER.get().lookup(valid)
            if source is None:
                raise TemplateNotFound(name)
            template = _COMPILED.get((valid, source))
            if template is None:
                code = _cached_code(valid, source)
                if code is None:
                    # The filename is the template's name: tracebacks then name it and its line.
                    tree = Bounded().visit(environment.parse(source, valid, valid))
                    code = environment.compile(tree, valid, valid)
                    _keep_code(valid, source, code)
                template = environment.template_class.from_code(
                    environment, code, environment.make_globals(globals), lambda: True
                )
                if len(_COMPILED) >= _COMPILED_MAX:
                    _COMPILED.clear()
                _COMPILED[(valid, source)] = template
            return template

    class Sandbox(SandboxedEnvironment):
        """Jinja's sandbox, with bounds on what a template may compute."""

        intercepted_binops = frozenset({"*", "**", "+", "%"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _RENDER.get().tick()
            ints = all(isinstance(v, int) for v in (left, right))
            if operator == "**" and ints and right > 0 and abs(left) > 1:
                if right * abs(left).bit_length() > MAX_BITS:
                    raise TemplateLimit(f"stopped at a number of more than {MAX_BITS:,} bits")
            elif operator == "*" and ints:
                if left.bit_length() + right.bit_length() > MAX_BITS:
                    raise TemplateLimit(f"stopped at a number of more than {MAX_BITS:,} bits")
            elif operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if isinstance(n, int) and (size := _size(seq)):
                        _check_size(size * n)
            elif operator == "+" and _size(left) and _size(right):
                _check_size(_size(left) + _size(right))
            elif operator == "%" and isinstance(left, str):
                if _WIDE_PERCENT().search(left):
                    _check_size(MAX_TEXT + 1)
                if "*" in left:  # '%*d' % (width, n): the width is an argument
                    _check_args("", right if isinstance(right, tuple) else [right])
            return super().call_binop(context, operator, left, right)

        def wrap_str_format(self, value: Any) -> Any:
            """``'{:>9999999}'.format(x)``: refused before Python builds the text."""
            wrapped = super().wrap_str_format(value)
            if wrapped is None:
                return None
            spec = value.__self__
            nested = _NESTED().search(spec) is not None

            def checked(*args: Any, **kwargs: Any) -> str:
                if _WIDE_FORMAT().search(spec):
                    _check_size(MAX_TEXT + 1)
                if nested:  # a width given as an argument
                    _check_args("", [*args, *kwargs.values()])
                result = wrapped(*args, **kwargs)
                _check_size(len(result))
                return str(result)

            return checked

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            _RENDER.get().tick()
            owner = getattr(__obj, "__self__", None)
            if isinstance(owner, str | bytes | list | tuple):  # a method of a value
                _check_args(owner, [*args, *kwargs.values()], __obj)
            result = super().call(__context, __obj, *args, **kwargs)
            _check_size(_size(result))
            return result

    env = Sandbox(
        loader=Loader(),
        undefined=Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # plain-text messages, not HTML
        auto_reload=False,
        cache_size=0,  # templates are kept in _COMPILED, by name and source
        finalize=_finalize,
    )
    env.filters.update(
        longdate=lambda d: _format_date(
            d, True, _RENDER.get().lang, "longdate", _RENDER.get().today
        ),
        shortdate=lambda d: _format_date(
            d, False, _RENDER.get().lang, "shortdate", _RENDER.get().today
        ),
        when=lambda d: _when(d, _RENDER.get()),
        silence=lambda d: _silence(d, _RENDER.get()),
        first=_first,
        years=lambda n: _years(n, _RENDER.get().lang),
        pick=lambda options, slot="": _pick(options, slot, _RENDER.get()),
    )
    env.filters = {name: _guarded_filter(f) for name, f in env.filters.items()}
    env.filters["_crm_loop"] = pass_context(_loop)
    env.filters["_crm_concat"] = pass_context(_concat)
    _ENV = env
    return env


def _drain(chunks: Iterable[str]) -> str:
    """The text of a render's chunks, its size bounded as it grows."""
    render, parts = _RENDER.get(), []
    for chunk in chunks:
        render.emit(len(chunk))
        parts.append(chunk)
    return "".join(parts)


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


def _error(exc: BaseException, name: str) -> TemplateError:
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    where, line = _where(exc, name)
    at = f"template {where}" + (f", line {line}" if line else "")
    if isinstance(exc, TemplateSyntaxError):
        return TemplateError(f"{at}: {exc.message}")
    if isinstance(exc, SecurityError):
        return TemplateError(f"{at}: refused by the sandbox: {exc}")
    if isinstance(exc, TemplateNotFound):
        return TemplateError(f"{at}: no template named '{exc.name}' to include")
    if isinstance(exc, UndefinedError | TemplateLimit):
        return TemplateError(f"{at}: {exc}")
    if isinstance(exc, MemoryError | RecursionError):
        return TemplateError(f"{at}: stopped: {type(exc).__name__}")
    return TemplateError(f"{at}: {type(exc).__name__}: {exc}")


def render(
    lookup: Callable[[str], str | None],
    name: str,
    context: dict[str, Any],
    channel: str,
    *,
    by_sms: bool = False,
) -> Draft:
    """Renders template ``name`` over ``context``; template errors are ``TemplateError``.

    Email and coffee templates give ``subject`` and ``body`` blocks (anything
    outside them is dropped, but top-level ``{% set %}`` still runs first);
    SMS and call templates are the text itself. ``by_sms``: a coffee invitation
    going out by SMS uses the template's short ``{% block sms %}`` when it has one.
    A render is bounded (:data:`MAX_STEPS`, :data:`MAX_TEXT`, :data:`MAX_OUTPUT`,
    :data:`MAX_SECONDS`): a user's runaway loop ends in a ``TemplateError``.
    """
    from jinja2 import TemplateNotFound

    valid = validate_name(name)
    kind, _purpose, lang = split_name(valid)
    env = _environment()
    today = context.get("today")
    # The variants a template picks from depend on the client, the day and the template:
    # the same draft twice is the same text, and neighbours on a morning read differently.
    seed = f"{getattr(context['client'], 'name', '')}\x1f{today}\x1f{valid}"
    token = _RENDER.set(_Render(lookup, context["client"].lang, today, seed))
    subject: str | None = None
    try:
        try:
            template = env.get_template(valid)
        except TemplateNotFound:
            raise NotFound(f"no template named '{valid}'") from None
        try:
            ctx = template.new_context(dict(context))
            # The root render runs top-level {% set %}s and links a parent's blocks.
            whole = _drain(template.root_render_func(ctx))
            if kind in BLOCK_CHANNELS:
                missing = [b for b in ("subject", "body") if b not in ctx.blocks]
                if missing:
                    raise TemplateError(
                        f"template {valid} has no {{% block {missing[0]} %}}: email and "
                        "coffee templates give a subject block and a body block"
                    )
                subject = " ".join(_drain(ctx.blocks["subject"][0](ctx)).split())
                text = "sms" if by_sms and "sms" in ctx.blocks else "body"
                body = _tidy(_drain(ctx.blocks[text][0](ctx)))
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
    finally:
        _RENDER.reset(token)
    if kind in BLOCK_CHANNELS and not subject:
        raise TemplateError(f"template {valid} gives an empty subject")
    if not body:
        raise TemplateError(f"template {valid} gives an empty text")
    subject, body = polish_draft(subject, body, lang, context)
    return Draft(template=valid, channel=channel, lang=lang, subject=subject, body=body)


def polish_draft(
    subject: str | None, body: str, lang: str, context: dict[str, Any]
) -> tuple[str | None, str]:
    """The orthographic post-pass (``speech.polish``) over a rendered subject and body."""
    from crm_cli.core.drafting.speech import polish

    client = context["client"]
    names = (
        client.name,
        getattr(client, "company", None) or "",
        getattr(client, "city", None) or "",
    )
    return (polish(subject, lang, names) if subject else subject), polish(body, lang, names)


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
    also: Sequence[Item] = (),
    step_words: StepWords | None = None,
    invite: bool = False,
) -> Draft:
    """Context → render → privacy guard (raises ``PrivacyLeak``) → generic check (a warning).

    ``vetted`` gives the built-in template of a name: its own wording ("Dirlo
    chiaramente") is never taken for a private note's words. A user's template
    gets no such trust: words typed into it are checked like any other.

    ``lang`` is the --lang option: it applies only to a client without a
    language of their own. ``template`` (a name) replaces the one picked from
    channel, purpose and language; its own language and purpose then apply.
    ``send_by`` says how a coffee invitation goes out (``email``, the default,
    or ``sms``); SMS drafts get a warning past two segments. ``also``: the
    client's other items of the day, folded into this draft; ``step_words``:
    what each playbook step is about; ``invite``: a call sheet inviting the
    client for a coffee by phone (see ``build_context``).
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
        client,
        touchpoints,
        item,
        settings,
        today,
        render_lang,
        purpose,
        channel,
        steps=steps,
        also=also,
        step_words=step_words,
        invite=invite,
    )
    by_sms = channel == "coffee" and send_by == "sms"
    draft = render(lookup, name, context, channel, by_sms=by_sms)
    # The user's own name and the scheduler's line are never a private note's words.
    public = (
        settings.my_name,
        settings.signature,
        context["item"].detail,
        context["item"].agenda,
        *(other.detail for other in context["also"]),
        *(other.agenda for other in context["also"]),
        (vetted(name) or "") if vetted else "",
    )
    check_privacy(draft.text, client, touchpoints, name, public=public)
    # The template's own words (and the user's) are the same for every client: a
    # note's word they also say proves nothing personal.
    source = lookup(name) or ""
    draft.details = specific_details(
        draft.text, context, template=source, own=(settings.my_name, settings.signature)
    )
    if not is_personal(draft.details):
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
