"""Sending the digest through the user's own SMTP account (stdlib ``smtplib``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from crm_cli.errors import InputError

TIMEOUT = 60.0
PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def send(
    message: EmailMessage,
    host: str,
    port: int,
    security: str,
    user: str,
    password: str | None,
    cafile: str = "",
) -> None:
    """Send ``message``; every failure is one ``InputError`` naming the server.

    ``security``: ``ssl`` (TLS from the start), ``starttls`` (upgrade, refused if the
    server does not offer it) or ``none`` (a local relay; a login then goes unencrypted).
    The server's certificate and name are always verified: against ``cafile`` when
    given (``smtp_cafile``), else the system's CAs.
    """
    port = port or PORTS[security]
    where = f"{host}:{port}"
    try:
        context = ssl.create_default_context(cafile=cafile or None)
    except ssl.SSLError:  # an OSError too: first
        raise InputError(
            f"smtp_cafile: cannot read {cafile}: not a PEM file of certificates"
        ) from None
    except OSError as exc:
        raise InputError(f"smtp_cafile: cannot read {cafile}: {exc.strerror or exc}") from None
    try:
        client: smtplib.SMTP
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=TIMEOUT)
        with client:
            client.ehlo()
            if security == "starttls":
                if not client.has_extn("starttls"):
                    raise InputError(f"the SMTP server {where} does not offer STARTTLS")
                client.starttls(context=context)
                client.ehlo()
            if user:
                client.login(user, password or "")
            client.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise InputError(f"the SMTP server {where} refused the login of {user}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise InputError(f"the SMTP server {where}: {exc}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise InputError(f"the SMTP server {where} refused the recipient {refused}") from None
    except smtplib.SMTPResponseException as exc:
        said = exc.smtp_error
        reason = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
        raise InputError(f"the SMTP server {where} answered {exc.smtp_code} {reason}") from None
    except ssl.SSLCertVerificationError as exc:
        raise InputError(
            f"the SMTP server {where} has a certificate that cannot be verified "
            f"({exc.verify_message}): if it has its own CA, set smtp_cafile to its file"
        ) from None
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise InputError(f"the SMTP server {where} failed: {exc}") from None
    except OSError as exc:
        raise InputError(f"cannot reach the SMTP server {where}: {exc.strerror or exc}") from None
