"""Reading mail and calendars for ``crm capture``: Maildir, mbox, IMAP, .ics, CalDAV.

Readers yield header bytes or events and never a body; what they mean for the
book is decided in :mod:`crm_cli.core.capture`. What a device has already read
lives in :mod:`crm_cli.capture.state`, the one module here that writes files.
"""
