"""An SMTP server for the tests (aiosmtpd): every message it accepts goes into a Maildir.

Run as a process, ``python smtpsink.py PORT MAILDIR USER PASSWORD``, so that a
test starts it on a free port on 127.0.0.1 and stops it by its PID (mailtools).
Logins over plain text are allowed: the server is local and the test's own.
"""

from __future__ import annotations

import mailbox
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

    controller = Controller(
        Saver(),
        hostname="127.0.0.1",
        port=int(port),
        authenticator=authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    threading.Event().wait()  # until the test stops the process


if __name__ == "__main__":
    main()
