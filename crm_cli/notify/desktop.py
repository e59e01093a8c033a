"""A desktop notification: ``notify-send`` (Linux, libnotify) or ``osascript`` (macOS)."""

from __future__ import annotations

import shutil
import subprocess
import sys

from crm_cli.errors import InputError

TIMEOUT = 30.0


def notifier() -> str | None:
    """The notifier this machine has, or None."""
    if sys.platform == "darwin" and shutil.which("osascript"):
        return "osascript"
    return "notify-send" if shutil.which("notify-send") else None


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def show(title: str, body: str) -> str | None:
    """Show the notification; the notifier used, or None when there is none."""
    tool = notifier()
    if tool is None:
        return None
    if tool == "osascript":
        script = f"display notification {_applescript(body)} with title {_applescript(title)}"
        command = ["osascript", "-e", script]
    else:
        command = ["notify-send", "--app-name=crm", title, body]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"{tool} failed: {exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(
            f"{tool} failed (exit {done.returncode}){': ' + reason[0] if reason else ''}"
        )
    return tool
