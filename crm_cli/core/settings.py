"""The user's settings: a declared spec, validated key by key.

``config.toml`` in the config dir holds them. An unknown key or a value of the
wrong type is an error naming the key, so a typo never silently falls back to
a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from crm_cli.core import terms
from crm_cli.errors import ConfigError

SMTP_SECURITY = ("starttls", "ssl", "none")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Settings:
    """The user's settings, each with its default (``SPEC`` checks the values)."""

    my_name: str = ""
    my_gender: str = ""  # terms.GENDERS, or empty: unknown (for Italian agreement only)
    signature: str = ""
    email: str = ""  # the From: of email drafts
    city: str = ""
    default_lang: str = "it"
    date_order: str = "DMY"
    phone_region: str = ""  # empty: derived from default_lang (it -> IT, en -> GB)
    cadence_a: str = "4 weeks"
    cadence_b: str = "8 weeks"
    cadence_c: str = "12 weeks"
    cadence_default: str = "8 weeks"
    reply_within: int = 1  # working days
    recover_within: int = 1  # days
    capacity: int = 6  # items per agenda day
    workdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    coffee_time: str = "09:30"
    # Every address and alias you send from: what `crm capture` reads as you.
    my_emails: tuple[str, ...] = ()
    capture_max_recipients: int = 5  # more recipients than this: not a personal message
    capture_subjects: bool = True  # false: captured emails are logged without their subject
    awaiting_after: int = 7  # days before an unanswered email of yours is a nudge; 0: never
    # `crm notify`: the user's own SMTP account (the password from a command or the keyring).
    smtp_host: str = ""
    smtp_port: int = 0  # 0: the security's port (587 starttls, 465 ssl, 25 none)
    smtp_user: str = ""
    smtp_security: str = "starttls"  # SMTP_SECURITY
    smtp_password_command: str = ""
    # A CA file to verify the SMTP server's certificate with, instead of the system's
    # (a server with its own CA); empty: the system's CAs. Never unverified.
    smtp_cafile: str = ""
    notify_to: str = ""  # empty: `email`
    notify_time: str = "08:00"  # the alarm of published events, and the daily timer
    notify_device: str = ""  # the device id that sends (a synced book has several)

    def tier_cadence(self, tier: str | None) -> str:
        return {
            "A": self.cadence_a,
            "B": self.cadence_b,
            "C": self.cadence_c,
        }.get(tier or "", self.cadence_default)

    @property
    def region(self) -> str:
        if self.phone_region:
            return self.phone_region
        return {"it": "IT", "en": "GB"}.get(self.default_lang, "IT")

    @property
    def workday_numbers(self) -> frozenset[int]:
        """Workdays as ``date.weekday()`` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(d) for d in self.workdays)


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"setting '{key}' must be a string, not {type(value).__name__}")
    return value


def _choice(*allowed: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        text = _text(key, value)
        if text not in allowed:
            raise ConfigError(f"setting '{key}' must be one of {', '.join(allowed)}, not '{text}'")
        return text

    return check


def _gender(key: str, value: Any) -> str:
    text = _text(key, value).strip().lower()
    if text and text not in terms.GENDERS:
        raise ConfigError(
            f"setting '{key}' must be {terms.choices(terms.GENDERS)} (or empty: unknown), "
            f"not '{value}'"
        )
    return text


def _int_between(low: int, high: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"setting '{key}' must be a whole number, not {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"setting '{key}' must be between {low} and {high}, not {value}")
        return value

    return check


def _cadence(key: str, value: Any) -> str:
    from crm_cli.core.dates import parse_cadence

    text = _text(key, value)
    try:
        return parse_cadence(text).canonical()
    except Exception as exc:  # InvalidValue: re-raised naming the key
        raise ConfigError(f"setting '{key}': {exc}") from None


def _region(key: str, value: Any) -> str:
    text = _text(key, value).upper()
    if text and not re.fullmatch(r"[A-Z]{2}", text):
        raise ConfigError(f"setting '{key}' must be a two-letter country code such as IT or GB")
    return text


def _clock(key: str, value: Any) -> str:
    text = _text(key, value)
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"setting '{key}' must be a time such as '09:30', not '{text}'")
    return f"{int(match[1]):02d}:{match[2]}"


def _address(key: str, value: Any) -> str:
    text = _text(key, value).strip()
    if text and ("@" not in text or any(ch.isspace() for ch in text)):
        raise ConfigError(f"setting '{key}': {value!r} is not an email address")
    return text


def _host(key: str, value: Any) -> str:
    text = _text(key, value).strip()
    if any(ch.isspace() or ch in "/@" for ch in text):
        raise ConfigError(f"setting '{key}' must be a host name such as smtp.example.com")
    return text


def _device(key: str, value: Any) -> str:
    text = _text(key, value).strip()
    if text and not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        raise ConfigError(f"setting '{key}' must be a device id as 'crm config' shows it")
    return text


def _workdays(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f'setting \'{key}\' must be a list of days such as ["mon", "tue"]')
    days: list[str] = []
    for item in value:
        day = str(item).strip().lower()[:3]
        if day not in WEEKDAYS:
            raise ConfigError(f"setting '{key}': unknown day {item!r} (use mon, tue ... sun)")
        if day not in days:
            days.append(day)
    return tuple(sorted(days, key=WEEKDAYS.index))


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"setting '{key}' must be true or false, not {value!r}")
    return value


def _emails(key: str, value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ConfigError(
            f"setting '{key}' must be a list of addresses such as [\"me@example.com\"]"
        )
    found: list[str] = []
    for item in items:
        text = item.strip()
        if "@" not in text or any(ch.isspace() for ch in text):
            raise ConfigError(f"setting '{key}': {item!r} is not an email address")
        if text not in found:
            found.append(text)
    return tuple(found)


SPEC: dict[str, Callable[[str, Any], Any]] = {
    "my_name": _text,
    "my_gender": _gender,
    "signature": _text,
    "email": _text,
    "city": _text,
    "default_lang": _choice(*terms.LANGUAGES),
    "date_order": _choice("DMY", "MDY"),
    "phone_region": _region,
    "cadence_a": _cadence,
    "cadence_b": _cadence,
    "cadence_c": _cadence,
    "cadence_default": _cadence,
    "reply_within": _int_between(0, 30),
    "recover_within": _int_between(0, 30),
    "capacity": _int_between(1, 100),
    "workdays": _workdays,
    "coffee_time": _clock,
    "my_emails": _emails,
    "capture_max_recipients": _int_between(1, 100),
    "capture_subjects": _bool,
    "awaiting_after": _int_between(0, 60),
    "smtp_host": _host,
    "smtp_port": _int_between(0, 65535),
    "smtp_user": _text,
    "smtp_security": _choice(*SMTP_SECURITY),
    "smtp_password_command": _text,
    "smtp_cafile": _text,
    "notify_to": _address,
    "notify_time": _clock,
    "notify_device": _device,
}
assert set(SPEC) == {f.name for f in fields(Settings)}


def settings_from_dict(data: dict[str, Any], source: str = "config.toml") -> Settings:
    """Validate a parsed ``config.toml``; errors name the file and the key."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        check = SPEC.get(key)
        if check is None:
            known = ", ".join(sorted(SPEC))
            raise ConfigError(f"{source}: unknown setting '{key}' (known: {known})")
        try:
            values[key] = check(key, value)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    return Settings(**values)


def describe() -> list[tuple[str, Any]]:
    """Every setting with its default, for ``crm config`` and the README."""
    defaults = Settings()
    return [(f.name, getattr(defaults, f.name)) for f in fields(Settings)]


__all__ = ["SMTP_SECURITY", "SPEC", "Settings", "describe", "settings_from_dict"]
