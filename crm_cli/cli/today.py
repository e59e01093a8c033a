"""``crm today``: the morning queue on a terminal, one client at a time.

The work (the queue, the drafts, logging, the day's progress) is in
``crm_cli.services.today``; this module draws the screen with Rich and reads keys
and lines with prompt_toolkit. Both are imported only once the first client's name
is on the screen: planning the day is what the person waits for, not the libraries.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from crm_cli.cli import common
from crm_cli.cli.output import wrap
from crm_cli.cli.views import late_label
from crm_cli.core.queue import edit_text, not_to_mention, summary_line
from crm_cli.errors import CrmError, UsageError
from crm_cli.services import today as work

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    from crm_cli.core.settings import Settings
    from crm_cli.services.today import Morning, Turn

NOT_A_TERMINAL = (
    "crm today needs a terminal; use 'crm due' to see the plan "
    "and 'crm drafts' to write every draft."
)
KEYS_HELP = "[s]end [e]dit [d]one [z] snooze [k] skip [n]ote/topic [c]adence [q]uit"
KEYS = "sedzkncq"
CLIPBOARDS = (
    ("wl-copy",),
    ("xclip", "-selection", "clipboard"),
    ("xsel", "--clipboard", "--input"),
    ("pbcopy",),
)


def today(date_: common.DateOpt = None) -> None:
    """Work through today's plan one client at a time: send, log, snooze, skip."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(NOT_A_TERMINAL)
    settings = common.settings()
    day = common.today(date_)
    with common.book() as book:
        morning = work.morning(book, settings, day)
        if not morning.queue:
            _write(f"Nothing left to do on {day.isoformat()}.\n")
            _write(summary_line(morning.progress, 0) + "\n")
            return
        first = morning.queue[0]
        # The name first, before the draft is composed and the libraries load.
        _write(f"\n{first.client}  ({_position(morning, 0)})\n")
        turn = work.turn(book, first, settings, day)
    Queue(morning, settings, day).run(turn)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _position(morning: Morning, index: int) -> str:
    done = len({client for client, _ in morning.progress.values()})
    return f"client {done + index + 1} of {done + len(morning.queue)}"


class Queue:
    """The loop: one client on the screen, a key, what it does, the next client."""

    def __init__(self, morning: Morning, settings: Settings, day: date) -> None:
        from rich.console import Console

        self.morning, self.settings, self.day = morning, settings, day
        self.console: Console = Console(highlight=False)

    def say(self, text: str = "", style: str | None = None, *, soft: bool = False) -> None:
        self.console.print(text, style=style, markup=False, soft_wrap=soft)

    def block(self, text: str, first: str = "  ", rest: str | None = None) -> None:
        """``text`` wrapped to the terminal, each line indented (a hanging ``rest``)."""
        width = max(40, self.console.width - 1)
        for line in text.split("\n"):
            if not line.strip():
                self.say("")
                continue
            if rest is None:  # a list item's next lines hang under its text
                hang = 2 if line.lstrip().startswith(("- ", "* ")) else 0
                indent = first + " " * hang
            else:
                indent = rest
            for part in wrap(line, width, first, indent, 200):
                self.say(part, soft=True)

    def run(self, first: Turn) -> None:
        turn: Turn | None = first  # its name is on the screen already
        while turn is not None:
            self.show(turn)
            try:
                going_on = self.work(turn)
            except KeyboardInterrupt:  # what was done is kept: the summary says so
                self.say("Interrupted.")
                going_on = False
            if not going_on:
                break
            turn = self.next_turn()
        left = len(self.morning.queue)
        self.say("")
        self.say(f"{self.day.isoformat()}: {summary_line(self.morning.progress, left)}", "bold")

    def next_turn(self) -> Turn | None:
        if not self.morning.queue:
            return None
        entry = self.morning.queue[0]
        _write(f"\n{entry.client}  ({_position(self.morning, 0)})\n")
        with common.book() as book:
            return work.turn(book, entry, self.settings, self.day)

    # -- the screen ---------------------------------------------------------------

    def show(self, turn: Turn) -> None:
        """Below the client's name: why they are due, the draft, what not to mention."""
        self.say("Why:", "bold")
        for item in turn.entry.items:
            head = f"  {item.reason:<11} {late_label(item.overdue_days):<10} "
            self.block(item.detail, head, " " * len(head))
        if any(item.neglected for item in turn.entry.items):
            self.say("  ! neglected: last contact more than twice the cadence ago", "yellow")
        self.show_draft(turn)
        avoid = not_to_mention(turn.client, turn.material.touchpoints)
        if avoid:
            self.say("Not to mention:", "bold")
            for line in avoid:
                self.block(line, "  - ", "    ")

    def show_draft(self, turn: Turn) -> None:
        if turn.written is None:
            self.say(f"No draft: {turn.failure}", "yellow")
            return
        written = turn.written
        how = written.draft.channel
        if written.draft.send_by and written.draft.send_by != how:
            how += f" by {written.draft.send_by}"
        if written.sms:
            how += f", {written.sms}"
        if turn.edited:
            how += ", edited"
        self.say(f"Draft ({how}):", "bold")
        self.block(written.shown)
        for message in written.warnings:
            self.say(f"  warning: {message}", "yellow")

    # -- keys ---------------------------------------------------------------------

    def work(self, turn: Turn) -> bool:
        """Act on keys until the client is dealt with; False when the person quits."""
        actions: dict[str, Callable[[Turn], bool | None]] = {
            "s": self.send,
            "e": self.edit,
            "d": self.done,
            "z": self.snooze,
            "k": self.skip,
            "n": self.note,
            "c": self.cadence,
        }
        while True:
            key = read_key(KEYS_HELP + " > ", KEYS)
            if key == "q":
                self.say("q: quit (the rest waits for the next 'crm today')")
                return False
            try:
                finished = actions[key](turn)
            except CrmError as exc:
                self.say(f"Error: {exc}", "red")
                continue
            if finished:
                return True

    def _needs_draft(self, turn: Turn) -> bool:
        if turn.written is None:
            self.say(f"Nothing to send: {turn.failure}", "yellow")
            return False
        return True

    def send(self, turn: Turn) -> bool:
        if not self._needs_draft(turn):
            return False
        assert turn.written is not None
        draft = turn.written.draft
        if draft.channel == "call":
            # The sheet is on the screen already: its first line says whom and which number.
            self.say(f"s: {turn.written.shown.split(chr(10), 1)[0]}", "bold")
            self.say("Press d once you have called.")
            return False
        if draft.send_by == "sms":
            self.say(f"s: SMS, {turn.written.sms}", "bold")
            self.block(draft.body)
            tool = copy_to_clipboard(draft.body)
            if tool:
                self.say(f"Copied to the clipboard ({tool}).")
        else:
            files = work.write_email(turn, self.settings, self.day, work.email_folder(self.morning))
            self.say(f"s: wrote {files[0]}", "bold")
            for extra in files[1:]:
                self.say(f"  and {extra}")
            if open_file(files[0]):
                self.say("Opened in your mail client.")
            else:
                self.say("No mail client to open it with: the mailto: link instead.")
        if turn.written.link:
            self.say(turn.written.link, soft=True)
        self.say("Press d once it is sent.")
        return False

    def edit(self, turn: Turn) -> bool:
        if not self._needs_draft(turn):
            return False
        subject, body = work.editable(turn)
        text = run_editor(edit_text(subject, body))
        work.apply_edit(turn, text, self.settings, self.day)
        self.say("e: the draft as you left it", "bold")
        self.show_draft(turn)
        return False

    def done(self, turn: Turn) -> bool:
        if not self._needs_draft(turn):
            self.say("Log it with 'crm log', or press z, k or q.")
            return False
        with common.book(write=True) as book:
            tp, closed = work.done(book, turn, self.day)
        what = f"d: logged {tp.channel} to {turn.client.name} ({tp.id})"
        if closed:
            what += "; closed topic " + ", ".join(f"«{t.topic}»" for t in closed if t.topic)
        self.say(what, "green")
        self.finish(turn, "done")
        return True

    def snooze(self, turn: Turn) -> bool:
        while True:
            text = read_line("Snooze for how many days? ")
            if text is None or not text.strip():
                self.say("z: not snoozed")
                return False
            try:
                with common.book(write=True) as book:
                    until = work.snooze(book, turn.client, self.day, text)
            except CrmError as exc:
                self.say(f"Error: {exc}", "red")
                continue
            self.say(f"z: snoozed {turn.client.name} until {until.isoformat()}", "green")
            self.finish(turn, "snoozed")
            return True

    def skip(self, turn: Turn) -> bool:
        self.say(f"k: skipped {turn.client.name} for today")
        self.finish(turn, "skipped")
        return True

    def note(self, turn: Turn) -> bool:
        kind = read_key("A note (yours, never quoted) or a topic (for a message)? [n/t] ", "nt")
        if kind == "q":
            return False
        label = "Topic" if kind == "t" else "Note"
        text = read_line(f"{label}: ")
        if text is None or not text.strip():
            self.say("n: nothing added")
            return False
        with common.book(write=True) as book:
            work.add_note(book, turn.client, self.day, text, topic=kind == "t")
            still = work.refresh(book, turn, self.morning, self.settings)
        self.say(f"n: {label.lower()} added for {turn.client.name}", "green")
        if kind == "t" and still:
            self.show_draft(turn)
        return False

    def cadence(self, turn: Turn) -> bool:
        current = turn.client.cadence or "the tier's default"
        while True:
            text = read_line(f"New cadence (now {current}; e.g. '6 weeks', monthly): ")
            if text is None or not text.strip():
                self.say("c: cadence unchanged")
                return False
            try:
                with common.book(write=True) as book:
                    cadence = work.set_cadence(book, turn.client, text, self.settings, self.day)
                    still = work.refresh(book, turn, self.morning, self.settings)
            except CrmError as exc:
                self.say(f"Error: {exc}", "red")
                continue
            break
        self.say(f"c: {turn.client.name}'s cadence is now {cadence}", "green")
        if not still:
            self.say(f"Nothing is due for {turn.client.name} any more today.")
            self.morning.queue = [e for e in self.morning.queue if e.client_id != turn.client.id]
            return True
        self.show_draft(turn)
        return False

    def finish(self, turn: Turn, outcome: str) -> None:
        self.morning.mark(turn.entry, outcome)
        self.morning.queue = [e for e in self.morning.queue if e.client_id != turn.client.id]


# -- the terminal and the desktop ----------------------------------------------------


def read_key(message: str, keys: str) -> str:
    """One key of ``keys`` (either case), without Enter; Ctrl-C and Ctrl-D are ``q``."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
    from prompt_toolkit.layout import Layout
    from prompt_toolkit.layout.containers import Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    bindings = KeyBindings()

    def answer(key: str) -> Callable[[KeyPressEvent], None]:
        def handler(event: KeyPressEvent) -> None:
            event.app.exit(result=key)

        return handler

    for key in keys:
        bindings.add(key)(answer(key))
        bindings.add(key.upper())(answer(key))
    bindings.add("c-c")(answer("q"))
    bindings.add("c-d")(answer("q"))
    window = Window(FormattedTextControl(message), height=1, dont_extend_height=True)
    app: Application[str] = Application(
        layout=Layout(window), key_bindings=bindings, full_screen=False, erase_when_done=True
    )
    return app.run()


def read_line(message: str) -> str | None:
    """A line of text; None when the person gives up (Ctrl-C, Ctrl-D)."""
    from prompt_toolkit import prompt

    try:
        return prompt(message)
    except (KeyboardInterrupt, EOFError):
        return None


def run_editor(text: str) -> str:
    """``$EDITOR`` (else ``vi``) on a private temporary file holding ``text``: what the
    person saved. An editor that cannot start or fails is an error; the draft stays."""
    import shlex
    import tempfile

    try:
        command = shlex.split(os.environ.get("EDITOR", "")) or ["vi"]
    except ValueError as exc:  # an unbalanced quote in $EDITOR
        raise CrmError(f"cannot read $EDITOR: {exc}") from None
    folder = Path(tempfile.mkdtemp(prefix="crm-today-"))  # 0700: the draft is personal
    path = folder / "draft.txt"
    try:
        path.write_text(text, encoding="utf-8")
        try:
            result = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise CrmError(f"cannot run the editor '{command[0]}': {exc.strerror}") from None
        if result.returncode != 0:
            raise CrmError(
                f"the editor exited with status {result.returncode}: the draft is kept as it was"
            )
        return path.read_text(encoding="utf-8")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def open_file(path: Path) -> bool:
    """Hand ``path`` to the desktop's default application, without waiting for it."""
    opener = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
    if opener is None:
        return False
    try:
        # Its own session: the mail client outlives crm today, and Ctrl-C here spares it.
        subprocess.Popen(
            [opener, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True


def copy_to_clipboard(text: str) -> str | None:
    """Copy with the first clipboard tool that works; None (silently) when there is none."""
    for command in CLIPBOARDS:
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(
                list(command),
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=5,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            continue  # wl-copy without Wayland, xclip without X: try the next
        return command[0]
    return None


def register(app: typer.Typer) -> None:
    common.lend_typer(globals())
    app.command("today")(today)
