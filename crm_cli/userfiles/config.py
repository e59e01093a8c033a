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


_SETTINGS: dict[Path, tuple[tuple[int, int, int], Settings]] = {}
"""Settings parsed in this process, by file, with the (mtime, size, inode) they were read at."""


def load_settings() -> Settings:
    """The validated settings; defaults when there is no config file.

    Read once per process and file state: a command asks for them several times,
    and tests switch ``CRM_CONFIG`` (or rewrite the file) within one process.
    """
    path = config_file()
    try:
        st = path.stat()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    known = _SETTINGS.get(path)
    if known is not None and known[0] == stamp:
        return known[1]  # frozen: safe to share
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
    settings = settings_from_dict(data, source=str(path))
    _SETTINGS[path] = (stamp, settings)
    return settings
