"""Passwords for IMAP and CalDAV: from a command's output or the system keyring.

Never stored by crm: a password lives in this process for one connection only.
"""

from __future__ import annotations

import subprocess

from crm_cli.errors import ConfigError, InputError

COMMAND_TIMEOUT = 60.0


def from_command(command: str) -> str:
    """The first line a command prints (mbsync's PassCmd, vdirsyncer's fetch)."""
    try:
        done = subprocess.run(
            command,
            shell=True,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"the password command took over {COMMAND_TIMEOUT:.0f} s") from None
    except OSError as exc:
        raise InputError(f"cannot run the password command: {exc.strerror}") from None
    if done.returncode != 0:
        raise InputError(f"the password command failed (exit {done.returncode})")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise InputError("the password command printed nothing")
    return lines[0]


def from_keyring(service: str, user: str) -> str:
    try:
        import keyring  # optional: only who keeps passwords there needs it
    except ImportError:
        raise ConfigError(
            "no password: give --password-command, or install 'keyring' "
            "(pip install keyring) to read it from the system keyring"
        ) from None
    try:
        found = keyring.get_password(service, user)
    except Exception as exc:  # each keyring backend raises its own kind
        raise InputError(f"the keyring could not be read: {type(exc).__name__}") from None
    if not found:
        raise ConfigError(
            f"no password for {user} at {service} in the keyring: store it with "
            f"'keyring set {service} {user}' or give --password-command"
        )
    return str(found)


def password(command: str | None, service: str, user: str) -> str:
    return from_command(command) if command else from_keyring(service, user)
