"""The whole package type-checks under ``mypy --strict`` (checked in CI, like the tests).

The brief asks for the core and the services; the rest of the package is held to
the same rule because the services follow their imports into the store and the
exchange formats anyway.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_is_mypy_strict_clean(tmp_path: Path) -> None:
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            str(ROOT / "crm_cli"),
        ]
    )
    assert status == 0, stdout + stderr
    assert "Success: no issues found" in stdout
