"""Where data and settings live, and reading the settings file.

``CRM_HOME`` names the directory of the book and ``CRM_CONFIG`` the config
directory; both default to the platform's user dirs (platformdirs).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from crm_cli.core.settings import Settings, settings_from_dict
from crm_cli.errors import ConfigError


def home_dir() -> Path:
    """The directory holding the book (``CRM_HOME`` overrides)."""
    env = os.environ.get("CRM_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("crm", appauthor=False))


def config_dir() -> Path:
    """The directory holding ``config.toml``, templates and playbooks (``CRM_CONFIG``)."""
    env = os.environ.get("CRM_CONFIG")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("crm", appauthor=False))


def config_file() -> Path:
    return config_dir() / "config.toml"


def load_settings() -> Settings:
    """The validated settings; defaults when there is no config file."""
    path = config_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return settings_from_dict(data, source=str(path))
