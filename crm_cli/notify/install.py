"""The daily run of ``crm notify``: a systemd user timer, or a launchd agent on macOS.

Only the files' text is made here; the service layer writes them and says how to
enable and remove them (crm never runs systemctl or launchctl itself).
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping, Sequence

NAME = "crm-notify"
LAUNCHD_LABEL = "org.crm-cli.notify"


def _systemd_word(word: str) -> str:
    """One argument of ExecStart: quoted when needed, ``%`` doubled (a specifier)."""
    text = word.replace("%", "%%")
    if text and not any(ch in text for ch in " \t\"'\\;$"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_units(command: Sequence[str], at: str, env: Mapping[str, str]) -> dict[str, str]:
    """``crm-notify.service`` and ``crm-notify.timer``: ``command`` every day at ``at``;
    ``Persistent=true`` runs a missed day's at the next boot or wake-up."""
    lines = [
        "[Unit]",
        "Description=crm notify: the day's plan delivered",
        "",
        "[Service]",
        "Type=oneshot",
    ]
    lines += [f"Environment={_systemd_word(f'{k}={v}')}" for k, v in sorted(env.items())]
    lines.append("ExecStart=" + " ".join(_systemd_word(w) for w in command))
    service = "\n".join(lines) + "\n"
    timer = "\n".join(
        [
            "[Unit]",
            f"Description=crm notify every day at {at}",
            "",
            "[Timer]",
            f"OnCalendar=*-*-* {at}:00",
            "Persistent=true",
            f"Unit={NAME}.service",
            "",
            "[Install]",
            "WantedBy=timers.target",
        ]
    )
    return {f"{NAME}.service": service, f"{NAME}.timer": timer + "\n"}


def launchd_plist(command: Sequence[str], at: str, env: Mapping[str, str], log: str) -> bytes:
    """A launchd agent running ``command`` daily at ``at`` (launchd runs a time missed
    while the Mac slept when it wakes)."""
    hour, minute = (int(part) for part in at.split(":"))
    agent: dict[str, object] = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": list(command),
        "StartCalendarInterval": {"Hour": hour, "Minute": minute},
        "StandardErrorPath": log,
        "StandardOutPath": log,
    }
    if env:
        agent["EnvironmentVariables"] = dict(sorted(env.items()))
    return plistlib.dumps(agent, sort_keys=True)
