"""config.toml: validated key by key; a bad file is an error naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Crm

from crm_cli.core.settings import Settings
from crm_cli.userfiles.config import load_settings


def write_config(config: Path, text: str) -> Path:
    config.mkdir(parents=True, exist_ok=True)
    path = config / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_config_file_means_defaults() -> None:
    assert load_settings() == Settings()


def test_a_full_valid_config(config: Path) -> None:
    write_config(
        config,
        """
my_name = "Chiara Lombardi"
signature = "Chiara"
email = "chiara@example.com"
city = "Bologna"
default_lang = "en"
date_order = "MDY"
phone_region = "us"
cadence_a = "monthly"
cadence_b = "6 weeks"
cadence_c = "quarterly"
cadence_default = "never"
reply_within = 2
recover_within = 0
capacity = 10
workdays = ["Monday", "wed", "fri", "mon"]
coffee_time = "8:05"
""",
    )
    s = load_settings()
    assert s.my_name == "Chiara Lombardi"
    assert s.region == "US"
    assert (s.cadence_a, s.cadence_c) == ("1 month", "3 months")
    assert s.workdays == ("mon", "wed", "fri")
    assert s.coffee_time == "08:05"
    assert (s.reply_within, s.recover_within, s.capacity) == (2, 0, 10)


KNOWN = (
    "awaiting_after, cadence_a, cadence_b, cadence_c, cadence_default, capacity, "
    "capture_max_recipients, capture_subjects, city, coffee_time, "
    "date_order, default_lang, email, my_emails, my_gender, my_name, "
    "notify_device, notify_time, notify_to, phone_region, "
    "recover_within, reply_within, "
    "signature, smtp_cafile, smtp_host, smtp_password_command, smtp_port, smtp_security, "
    "smtp_user, workdays"
)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('colour = "red"', f"unknown setting 'colour' (known: {KNOWN})"),
        ('capacity = "six"', "setting 'capacity' must be a whole number, not 'six'"),
        ("capacity = true", "setting 'capacity' must be a whole number, not True"),
        ("capacity = 2.5", "setting 'capacity' must be a whole number, not 2.5"),
        ("capacity = 0", "setting 'capacity' must be between 1 and 100, not 0"),
        ("reply_within = 31", "setting 'reply_within' must be between 0 and 30, not 31"),
        ("my_name = 3", "setting 'my_name' must be a string, not int"),
        ("signature = [1]", "setting 'signature' must be a string, not list"),
        ('default_lang = "fr"', "setting 'default_lang' must be one of it, en, not 'fr'"),
        ('date_order = "YMD"', "setting 'date_order' must be one of DMY, MDY, not 'YMD'"),
        (
            'phone_region = "ITA"',
            "setting 'phone_region' must be a two-letter country code such as IT or GB",
        ),
        (
            'coffee_time = "25:00"',
            "setting 'coffee_time' must be a time such as '09:30', not '25:00'",
        ),
        ('workdays = "mon"', 'setting \'workdays\' must be a list of days such as ["mon", "tue"]'),
        ("workdays = []", 'setting \'workdays\' must be a list of days such as ["mon", "tue"]'),
        (
            'workdays = ["mon", "funday"]',
            "setting 'workdays': unknown day 'funday' (use mon, tue ... sun)",
        ),
        ("smtp_port = 70000", "setting 'smtp_port' must be between 0 and 65535, not 70000"),
        (
            'smtp_host = "smtp://mail.example.com"',
            "setting 'smtp_host' must be a host name such as smtp.example.com",
        ),
        (
            'notify_time = "8am"',
            "setting 'notify_time' must be a time such as '09:30', not '8am'",
        ),
        (
            'notify_device = "my laptop"',
            "setting 'notify_device' must be a device id as 'crm config' shows it",
        ),
    ],
)
def test_bad_settings_are_one_error_naming_the_key(
    crm: Crm, config: Path, home: Path, toml: str, message: str
) -> None:
    path = write_config(config, toml + "\n")
    assert crm.fail("add-client", "Mario Rossi") == f"{path}: {message}"
    assert not home.exists()


def test_bad_cadence_setting_names_the_key(crm: Crm, config: Path) -> None:
    path = write_config(config, 'cadence_b = "sometimes"\n')
    message = crm.fail("add-client", "Mario Rossi")
    assert message.startswith(f"{path}: setting 'cadence_b': invalid cadence 'sometimes'")


def test_invalid_toml(crm: Crm, config: Path) -> None:
    path = write_config(config, "my_name = \n")
    assert crm.fail("add-client", "Mario").startswith(f"{path} is not valid TOML: ")


def test_config_file_that_is_a_directory(crm: Crm, config: Path) -> None:
    (config / "config.toml").mkdir(parents=True)
    assert crm.fail("add-client", "Mario") == (
        f"cannot read {config / 'config.toml'}: Is a directory"
    )


def test_phone_region_setting_is_used_for_local_numbers(crm: Crm, config: Path) -> None:
    write_config(config, 'phone_region = "GB"\n')
    crm.add("Jane Smith", "--phone", "020 7946 0958")
    rec = json.loads(crm.ok("show", "jane", "--json").stdout)
    assert rec["phones"] == ["+442079460958"]


def test_english_default_language_reads_local_numbers_as_british(crm: Crm, config: Path) -> None:
    write_config(config, 'default_lang = "en"\n')
    crm.add("Jane Smith", "--phone", "07700 900123")
    rec = json.loads(crm.ok("show", "jane", "--json").stdout)
    assert rec["phones"] == ["+447700900123"]


def test_date_order_setting(crm: Crm, config: Path) -> None:
    crm.add("Mario Rossi")
    crm.log("mario", "call", "--date", "03/04/2026")
    write_config(config, 'date_order = "MDY"\n')
    crm.log("mario", "call", "--date", "03/04/2026")
    dates = [t["date"] for t in json.loads(crm.ok("history", "mario", "--json").stdout)]
    assert dates == ["2026-04-03", "2026-03-04"]
