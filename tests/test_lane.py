"""The fast lane: the morning's commands without Typer, reading argv exactly as Typer does.

The lane (``crm_cli.cli.lane``) either gives a command the very keyword arguments
Typer would give it, or leaves the command line to Typer. These tests check both
halves: the table against the commands Typer builds, every argument list the lane
takes against Typer's own reading of it, and whole processes with and without it.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from conftest import FIXED_DATE, Crm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_cli.cli import lane, lane_build
from crm_cli.cli.app import COMMANDS, load_commands
from crm_cli.cli.lane_specs import SPECS

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_the_table_is_what_typer_builds() -> None:
    assert lane_build.specs() == SPECS
    assert set(SPECS) == set(lane_build.LANE)
    for name, spec in SPECS.items():
        assert COMMANDS[name][0] == spec["module"]


def test_the_lane_and_its_commands_import_no_typer() -> None:
    modules = sorted({spec["module"] for spec in SPECS.values()})
    code = (
        "import importlib, sys\n"
        "import crm_cli.cli.entry, crm_cli.cli.lane\n"
        f"for m in {modules!r}: importlib.import_module('crm_cli.cli.' + m)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_parameter_the_lane_cannot_read_stops_the_table() -> None:
    """A new option of a kind the lane does not parse must not slip in unread."""
    from crm_cli.cli import lane_build as build

    command = load_commands("plan", only="snooze").get_command(None, "snooze")
    assert build.describe(command)  # plain arguments and options: fine
    command.params[0].envvar = "CRM_CLIENT"
    with pytest.raises(build.Unsupported, match="environment variable"):
        build.describe(command)


# What Typer hands the function, captured by swapping the function in its wrapper.
def _typer_kwargs(name: str, argv: list[str]) -> dict[str, Any] | None:
    from typer._click.exceptions import ClickException

    command = load_commands(SPECS[name]["module"], only=name).get_command(None, name)
    wrapper = command.callback
    got: dict[str, Any] = {}
    cell = wrapper.__closure__[wrapper.__code__.co_freevars.index("callback")]
    cell.cell_contents = lambda **kwargs: got.update(kwargs)
    try:
        ctx = command.make_context(name, list(argv))
        with ctx:
            command.invoke(ctx)
    except ClickException:
        return None
    return got


def _with_defaults(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    spec = SPECS[name]
    module = __import__(f"crm_cli.cli.{spec['module']}", fromlist=["_"])
    bound = inspect.signature(getattr(module, spec["function"])).bind_partial(**kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


INTS = ["0", "1", "2", "7", "366", "367", "+3", "007", "-2", "1e2", " 4"]
TEXTS = ["mario", "Mario Rossi", FIXED_DATE, "x=y", "é", "-", "", "--json", "-h", "a b"]


# What a command line can hold: any text but NUL, which no argv can carry.
ARGV_TEXT = st.text(st.characters(blacklist_characters="\x00"), max_size=6)


def _value(kind: str) -> st.SearchStrategy[str]:
    pool = INTS if kind == "int" else TEXTS
    return st.one_of(st.sampled_from(pool), ARGV_TEXT)


@st.composite
def _plausible(draw: st.DrawFn, name: str) -> list[str]:
    """Mostly well-formed command lines: options in any order, some twice, some noise."""
    pieces: list[list[str]] = []
    arguments: list[str] = []
    for param in SPECS[name]["params"]:
        if param["kind"] == "argument":
            if param.get("optional") and draw(st.booleans()):
                continue
            arguments.append(draw(st.sampled_from(TEXTS[:6]) | ARGV_TEXT.filter(bool)))
            continue
        for _ in range(draw(st.integers(0, 2))):
            opt = draw(st.sampled_from([*param["opts"], *param.get("off", ())]))
            if param["kind"] == "flag":
                pieces.append([opt])
                continue
            value = draw(_value(param["type"]))
            pieces.append(draw(st.sampled_from([[opt, value], [f"{opt}={value}"]])))
    for argument in arguments:
        pieces.insert(draw(st.integers(0, len(pieces))), [argument])
    if draw(st.integers(0, 9)) == 0:  # now and then a stray token
        stray = draw(st.sampled_from(["--nope", "-x", "--", "extra", "--debug", "--help"]))
        pieces.insert(draw(st.integers(0, len(pieces))), [stray])
    return [token for piece in pieces for token in piece]


def _noisy(name: str) -> st.SearchStrategy[list[str]]:
    opts = [o for p in SPECS[name]["params"] for o in [*p.get("opts", ()), *p.get("off", ())]]
    opts = opts or ["--json"]  # a command of arguments only
    value = st.one_of(st.sampled_from(TEXTS + INTS), ARGV_TEXT)
    token = st.one_of(
        st.sampled_from(opts),
        value,
        st.builds(lambda o, v: f"{o}={v}", st.sampled_from(opts), value),
        st.sampled_from(["--json", "--debug", "-x", "--nope"]),
    )
    return st.lists(token, max_size=7)


def _argv(name: str) -> st.SearchStrategy[list[str]]:
    return st.one_of(_plausible(name), _noisy(name))


@pytest.mark.parametrize("name", sorted(SPECS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_command_line_the_lane_takes_reads_as_typer_reads_it(name: str, data: Any) -> None:
    argv = data.draw(_argv(name))
    taken = lane.parse(SPECS[name], argv)
    if taken is None:
        return  # Typer's to answer, whatever the answer is
    assert _typer_kwargs(name, argv) == _with_defaults(name, taken), argv


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("due", ["--date", FIXED_DATE]),
        ("due", ["--json", "--limit=3"]),
        ("show", ["mario", "--date", FIXED_DATE, "--json"]),
        ("log", ["mario", "email", "--in", "--note", "asked for a quote", "--needs-reply"]),
        ("log", ["--out", "mario", "--topic=the kitchen", "call"]),
        ("draft", ["mario", "--purpose", "check-in", "--out", "drafts"]),
        ("list", ["--tag", "vip", "--tag", "wine", "--archived"]),
        ("history", ["mario", "--limit", "5"]),
        ("agenda", ["--from", FIXED_DATE, "--days", "14", "--ics", "plan.ics"]),
        ("snooze", ["mario", "--until", "2026-12-24", "--reason", "on holiday"]),
        ("unlog", ["--last"]),
        ("unlog", ["t2abcdefg"]),
        ("amend", ["t2abcdefg", "--out", "--note", ""]),
    ],
)
def test_the_morning_command_lines_go_by_the_lane(name: str, argv: list[str]) -> None:
    taken = lane.parse(SPECS[name], argv)
    assert taken is not None
    assert _typer_kwargs(name, argv) == _with_defaults(name, taken)


@pytest.mark.parametrize(
    "argv",
    [
        ["show"],  # a missing argument
        ["show", "a", "b"],  # one too many
        ["show", "mario", "-h"],
        ["show", "mario", "--help"],
        ["due", "--limit", "0"],  # out of range
        ["due", "--limit", "x"],
        ["due", "--limit"],  # no value
        ["due", "--date", "--json"],  # a value that looks like an option
        ["due", "--json=yes"],
        ["due", "--", "x"],
        ["agenda", "--days", "367"],
        ["log", "mario", "email", "-n", "x"],
        ["snooze", "mario"],  # --until is required
        ["unlog", "a", "b"],
    ],
)
def test_what_the_lane_does_not_take_is_left_to_typer(argv: list[str]) -> None:
    assert lane.parse(SPECS[argv[0]], argv[1:]) is None


# Whole processes: the same answer with the lane and without it.
@pytest.fixture
def book_with_mario(crm: Crm) -> None:
    crm.ok("add-client", "Mario Rossi", "--email", "mario@example.com", "--tag", "wine")
    crm.ok("add-client", "Maria Bianchi", "--lang", "en", "--email", "maria@example.com")
    crm.ok(
        "log",
        "mario",
        "email",
        "--in",
        "--needs-reply",
        "--note",
        "a quote",
        "--date",
        "2026-11-20",
    )


SAME = [
    ["due", "--date", FIXED_DATE],
    ["due", "--json", "--date", FIXED_DATE],
    ["due", "--limit", "0"],
    ["agenda", "--from", FIXED_DATE, "--days", "3"],
    ["agenda", "--from", "yesterday-ish"],
    ["list"],
    ["list", "--tag", "wine", "--json"],
    ["list", "--tier", "gold"],
    ["show", "mario", "--date", FIXED_DATE],
    ["show", "mari", "--date", FIXED_DATE],  # ambiguous: the same choices listed
    ["show", "nobody"],
    ["show", "mario", "--include-private"],
    ["history", "mario"],
    ["history", "mario", "--json", "--limit", "1"],
    ["draft", "mario", "--date", FIXED_DATE],
    ["draft", "maria", "--purpose", "thanks", "--date", FIXED_DATE],
    ["draft", "mario", "--purpose", "nonsense"],
    ["log", "mario", "pigeon"],
    ["log", "mario", "email", "--date", "31/31/2026"],
    ["show", "mario", "--bogus"],
    ["today", "--date", FIXED_DATE],  # not a terminal: the same refusal
    ["snooze", "mario"],
    ["snooze", "mario", "--until", "2026-11-01", "--date", FIXED_DATE],
    ["unsnooze", "maria"],
    ["unlog"],
    ["amend", "t2abcdefg", "--note", "x"],
]


@pytest.mark.usefixtures("book_with_mario")
@pytest.mark.parametrize("argv", SAME, ids=" ".join)
def test_a_command_reads_the_same_with_the_lane_and_without(argv: list[str], run_crm: Run) -> None:
    with_lane = run_crm(argv)
    without = run_crm(argv, env={"CRM_NO_LANE": "1"})
    assert (with_lane.returncode, with_lane.stdout, with_lane.stderr) == (
        without.returncode,
        without.stdout,
        without.stderr,
    )
    assert "Traceback" not in with_lane.stderr


@pytest.mark.usefixtures("book_with_mario")
def test_a_log_by_the_lane_is_in_the_book(run_crm: Run) -> None:
    logged = run_crm(["log", "mario", "call", "--note", "by the lane", "--date", FIXED_DATE])
    assert logged.returncode == 0, logged.stderr
    tp_id = logged.stdout.strip()
    history = run_crm(["history", "mario", "--json"], env={"CRM_NO_LANE": "1"})
    assert tp_id in history.stdout and "by the lane" in history.stdout


@pytest.mark.usefixtures("book_with_mario")
def test_debug_shows_the_traceback_in_the_lane_too(run_crm: Run) -> None:
    result = run_crm(["show", "nobody"], env={"CRM_DEBUG": "1"})
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "NotFound: no client matches 'nobody'" in result.stderr


def test_a_closed_pipe_ends_a_command_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """`crm due | head -1`: the reader went away; exit 1 and nothing more, as with click."""
    import errno

    from crm_cli.cli import exits

    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    monkeypatch.setitem(exits._state, "debug", True)  # even when debugging
    assert exits.failed(BrokenPipeError(errno.EPIPE, "Broken pipe")) == 1
    assert sys.stdout.name == sys.stderr.name == "/dev/null"


@pytest.mark.parametrize("columns", ["", "120", "x", "-3", "0", "45"])
def test_the_terminal_width_reads_as_shutil_reads_it(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables fit the terminal without importing shutil on every command."""
    import shutil

    from crm_cli.cli.output import terminal_columns

    monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns() == shutil.get_terminal_size((80, 24)).columns
