"""The fast lane's table of commands, written by ``python -m crm_cli.cli.lane_build``
from the commands Typer builds. Do not edit: ``tests/test_lane.py`` checks it."""

from typing import Any

SPECS: dict[str, dict[str, Any]] = {
    "agenda": {
        "function": "agenda",
        "module": "plan",
        "params": [
            {"kind": "option", "name": "from_", "opts": ["--from"], "type": "str"},
            {
                "kind": "option",
                "max": 366,
                "min": 1,
                "name": "days",
                "opts": ["--days"],
                "type": "int",
            },
            {"kind": "option", "min": 1, "name": "capacity", "opts": ["--capacity"], "type": "int"},
            {"kind": "flag", "name": "as_json", "opts": ["--json"]},
            {"kind": "option", "name": "ics", "opts": ["--ics"], "readable": True, "type": "path"},
        ],
    },
    "amend": {
        "function": "amend",
        "module": "touchpoints",
        "params": [
            {"kind": "argument", "name": "tp_id"},
            {"kind": "option", "name": "note", "opts": ["--note"], "type": "str"},
            {"kind": "option", "name": "date_", "opts": ["--date"], "type": "str"},
            {"kind": "option", "name": "channel", "opts": ["--channel"], "type": "str"},
            {"kind": "flag", "name": "inbound", "off": ["--out"], "opts": ["--in"]},
            {"kind": "option", "name": "topic", "opts": ["--topic"], "type": "str"},
        ],
    },
    "draft": {
        "function": "draft",
        "module": "drafting",
        "params": [
            {"kind": "argument", "name": "client_ref"},
            {"kind": "option", "name": "purpose", "opts": ["--purpose"], "type": "str"},
            {"kind": "option", "name": "channel", "opts": ["--channel"], "type": "str"},
            {"kind": "option", "name": "lang", "opts": ["--lang"], "type": "str"},
            {"kind": "option", "name": "date_", "opts": ["--date"], "type": "str"},
            {"kind": "option", "name": "template", "opts": ["--template"], "type": "str"},
            {
                "kind": "option",
                "name": "out_dir",
                "opts": ["--out"],
                "readable": True,
                "type": "path",
            },
            {"kind": "flag", "name": "force", "opts": ["--force"]},
        ],
    },
    "due": {
        "function": "due",
        "module": "plan",
        "params": [
            {"kind": "option", "name": "date_", "opts": ["--date"], "type": "str"},
            {"kind": "option", "min": 1, "name": "limit", "opts": ["--limit"], "type": "int"},
            {"kind": "flag", "name": "as_json", "opts": ["--json"]},
        ],
    },
    "history": {
        "function": "history",
        "module": "touchpoints",
        "params": [
            {"kind": "argument", "name": "client_ref"},
            {"kind": "option", "min": 1, "name": "limit", "opts": ["--limit"], "type": "int"},
            {"kind": "flag", "name": "as_json", "opts": ["--json"]},
            {"kind": "flag", "name": "include_private", "opts": ["--include-private"]},
        ],
    },
    "list": {
        "function": "list_clients",
        "module": "profiles",
        "params": [
            {"kind": "option", "multiple": True, "name": "tag", "opts": ["--tag"], "type": "str"},
            {"kind": "option", "name": "tier", "opts": ["--tier"], "type": "str"},
            {"kind": "flag", "name": "archived", "opts": ["--archived"]},
            {"kind": "flag", "name": "as_json", "opts": ["--json"]},
        ],
    },
    "log": {
        "function": "log",
        "module": "touchpoints",
        "params": [
            {"kind": "argument", "name": "client_ref"},
            {"kind": "argument", "name": "channel"},
            {"kind": "flag", "name": "inbound", "off": ["--out"], "opts": ["--in"]},
            {"kind": "option", "name": "date_", "opts": ["--date"], "type": "str"},
            {"kind": "option", "name": "note", "opts": ["--note"], "type": "str"},
            {"kind": "flag", "name": "needs_reply", "opts": ["--needs-reply"]},
            {"kind": "flag", "name": "incident", "opts": ["--incident"]},
            {"kind": "flag", "name": "private", "opts": ["--private"]},
            {"kind": "option", "name": "follow_up", "opts": ["--follow-up"], "type": "str"},
            {"kind": "option", "name": "topic", "opts": ["--topic"], "type": "str"},
            {"kind": "flag", "name": "keep_topic", "opts": ["--keep-topic"]},
        ],
    },
    "show": {
        "function": "show",
        "module": "profiles",
        "params": [
            {"kind": "argument", "name": "client_ref"},
            {"kind": "flag", "name": "as_json", "opts": ["--json"]},
            {"kind": "flag", "name": "include_private", "opts": ["--include-private"]},
            {"kind": "option", "name": "date_", "opts": ["--date"], "type": "str"},
            {"kind": "flag", "name": "changes", "opts": ["--changes"]},
        ],
    },
    "snooze": {
        "function": "snooze",
        "module": "plan",
        "params": [
            {"kind": "argument", "name": "client_ref"},
            {
                "kind": "option",
                "name": "until",
                "opts": ["--until"],
                "required": True,
                "type": "str",
            },
            {"kind": "option", "name": "reason", "opts": ["--reason"], "type": "str"},
            {"kind": "option", "name": "date_", "opts": ["--date"], "type": "str"},
        ],
    },
    "today": {
        "function": "today",
        "module": "today",
        "params": [{"kind": "option", "name": "date_", "opts": ["--date"], "type": "str"}],
    },
    "unlog": {
        "function": "unlog",
        "module": "touchpoints",
        "params": [
            {"kind": "argument", "name": "tp_id", "optional": True},
            {"kind": "flag", "name": "last", "opts": ["--last"]},
        ],
    },
    "unsnooze": {
        "function": "unsnooze",
        "module": "plan",
        "params": [{"kind": "argument", "name": "client_ref"}],
    },
}
