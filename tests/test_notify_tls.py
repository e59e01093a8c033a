"""``crm notify --email`` over TLS and with the keyring: aiosmtpd on 127.0.0.1 with a
certificate made for the test by its own CA (``openssl``), for ``smtp_security =
"starttls"`` and ``"ssl"``; the certificate verified (``smtp_cafile``), never skipped;
and the password read from a keyring backend defined in the tests (``testkeyring``),
never written to any file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import FIXED_DATE, Crm, use_demo_book
from test_notify import SMTP_PASSWORD, Sink, start_sink

HERE = Path(__file__).resolve().parent
ME = "chiara@bottegalombardi.example"

if shutil.which("openssl") is None and not os.environ.get("CI"):
    pytest.skip("the openssl command is not installed", allow_module_level=True)


class Certs(NamedTuple):
    ca: Path  # the CA's certificate: what smtp_cafile names
    chain: Path  # the server's certificate
    key: Path


def _openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """A CA and a certificate it signed for 127.0.0.1 and localhost, valid for two days."""
    folder = tmp_path_factory.mktemp("certs")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(folder, "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=crm test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    _openssl(folder, "req", *ec, "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=localhost")  # fmt: skip
    (folder / "server.ext").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n",
        encoding="utf-8",
    )
    _openssl(folder, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2",
             "-extfile", "server.ext")  # fmt: skip
    return Certs(folder / "ca.pem", folder / "server.pem", folder / "server.key")


def _sink(tmp_path: Path, mode: str, certs: Certs) -> Iterator[Sink]:
    yield from start_sink(tmp_path, mode, str(certs.chain), str(certs.key))


@pytest.fixture
def demo(crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_book(crm, tmp_path, monkeypatch)


def _config(demo: Path, port: int, security: str, *lines: str) -> None:
    """The SMTP account and ``lines`` added to the demo's config.toml."""
    _more(demo, 'smtp_host = "127.0.0.1"', f"smtp_port = {port}", 'smtp_user = "chiara"',
          f'smtp_security = "{security}"', *lines)  # fmt: skip


def _more(demo: Path, *lines: str) -> None:
    path = demo / "config" / "config.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n".join(lines) + "\n", "utf-8")


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_the_digest_goes_over_tls_with_the_certificate_verified(
    crm: Crm, demo: Path, tmp_path: Path, certs: Certs, security: str
) -> None:
    for sink in _sink(tmp_path, security, certs):
        _config(demo, sink.port, security, f'smtp_password_command = "{sink.password_command}"')
        # The system's CAs do not know the test's CA: the server is refused, nothing sent.
        error = crm.fail("notify", "--email", "--date", FIXED_DATE)
        assert error == (
            f"the SMTP server 127.0.0.1:{sink.port} has a certificate that cannot be verified "
            "(unable to get local issuer certificate): if it has its own CA, set smtp_cafile "
            "to its file"
        )
        assert sink.messages() == []
        # With its CA named, it is verified and the digest goes through, once.
        _more(demo, f'smtp_cafile = "{certs.ca}"')
        sent = crm.ok("notify", "--email", "--date", FIXED_DATE)
        assert sent.stderr == f"notify: the digest of {FIXED_DATE} went to {ME} (7 clients)\n"
        (message,) = sink.messages()
        assert message["X-CRM-Digest"] == FIXED_DATE


def test_a_server_that_never_offered_starttls_is_refused_after_it_was_asked(
    crm: Crm, demo: Path, tmp_path: Path, certs: Certs
) -> None:
    """``ssl`` against a STARTTLS port (plain text first): one line, nothing sent."""
    for sink in _sink(tmp_path, "starttls", certs):
        _config(demo, sink.port, "ssl", f'smtp_cafile = "{certs.ca}"',
                f'smtp_password_command = "{sink.password_command}"')  # fmt: skip
        error = crm.fail("notify", "--email", "--date", FIXED_DATE)
        assert error.startswith(f"the SMTP server 127.0.0.1:{sink.port} failed: ")
        assert sink.messages() == []


def test_an_unreadable_cafile_is_one_line(crm: Crm, demo: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"
    _config(demo, 2525, "starttls", f'smtp_cafile = "{missing}"',
            'smtp_password_command = "echo x"')  # fmt: skip
    assert crm.fail("notify", "--email", "--date", FIXED_DATE) == (
        f"smtp_cafile: cannot read {missing}: No such file or directory"
    )
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n", encoding="utf-8")
    path = demo / "config" / "config.toml"
    path.write_text(path.read_text("utf-8").replace(str(missing), str(garbage)), "utf-8")
    assert crm.fail("notify", "--email", "--date", FIXED_DATE) == (
        f"smtp_cafile: cannot read {garbage}: not a PEM file of certificates"
    )


# --------------------------------------------------------------------------- keyring


def test_the_password_comes_from_the_keyring_and_lands_in_no_file(
    crm: Crm,
    demo: Path,
    tmp_path: Path,
    certs: Certs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keyring
    import keyring.core

    store = tmp_path / "keyring-store" / "passwords.json"
    monkeypatch.setenv("TEST_KEYRING_FILE", str(store))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "testkeyring.JsonKeyring")
    monkeypatch.syspath_prepend(str(HERE))
    keyring.core.init_backend()  # the backend named by the variable, for this process
    try:
        assert type(keyring.get_keyring()).__name__ == "JsonKeyring"
        keyring.set_password("smtp://127.0.0.1", "chiara", SMTP_PASSWORD)
        for sink in _sink(tmp_path, "starttls", certs):
            _config(demo, sink.port, "starttls", f'smtp_cafile = "{certs.ca}"')
            sent = crm.ok("notify", "--email", "--date", FIXED_DATE)
            assert sent.stderr.endswith("(7 clients)\n")
            assert len(sink.messages()) == 1
            # A wrong password in the keyring is the server's refusal, in one line.
            keyring.set_password("smtp://127.0.0.1", "chiara", "not-it")
            assert crm.fail("notify", "--email", "--date", "2026-11-24") == (
                f"the SMTP server 127.0.0.1:{sink.port} refused the login of chiara"
            )
            keyring.delete_password("smtp://127.0.0.1", "chiara")
            assert crm.fail("notify", "--email", "--date", "2026-11-24") == (
                "no SMTP password for chiara: set smtp_password_command in config.toml, or store "
                "it in the keyring ('keyring set smtp://127.0.0.1 chiara')"
            )
    finally:
        monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
        keyring.core.init_backend()  # back to what the system has
    assert json.loads(store.read_text(encoding="utf-8")) == {}
    # The password was only ever in the keyring's own file: none of crm's has it.
    for path in demo.rglob("*"):
        if path.is_file():
            assert SMTP_PASSWORD.encode() not in path.read_bytes(), path
