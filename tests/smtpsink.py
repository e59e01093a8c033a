"""An SMTP server for the tests (aiosmtpd): every message it accepts goes into a Maildir.

Run as a process, ``python smtpsink.py PORT MAILDIR USER PASSWORD [MODE CERT KEY]``, so
that a test starts it on a free port on 127.0.0.1 and stops it by its PID (mailtools).
Without MODE, logins over plain text are allowed: the server is local and the test's
own. MODE ``starttls`` offers STARTTLS and takes a login only after it; ``ssl`` speaks
TLS from the first byte; both with the certificate chain CERT and its key KEY.
"""

from __future__ import annotations

import mailbox
import ssl
import sys
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main() -> None:
    port, folder, user, password = sys.argv[1:5]
    box = mailbox.Maildir(folder, create=True)

    class Saver:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.add(envelope.original_content or envelope.content)
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        good = (
            isinstance(data, LoginPassword)
            and data.login == user.encode()
            and data.password == password.encode()
        )
        return AuthResult(success=good, handled=False)

    mode = sys.argv[5] if len(sys.argv) > 5 else "none"
    tls: dict[str, Any] = {"auth_require_tls": False}
    if mode in ("starttls", "ssl"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[6], sys.argv[7])
        if mode == "starttls":
            tls = {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
        else:
            # The whole connection is TLS, but aiosmtpd counts only STARTTLS as such.
            tls = {"ssl_context": context, "auth_require_tls": False}
    controller = Controller(
        Saver(),
        hostname="127.0.0.1",
        port=int(port),
        authenticator=authenticate,
        auth_required=True,
        **tls,
    )
    controller.start()
    threading.Event().wait()  # until the test stops the process


if __name__ == "__main__":
    main()
