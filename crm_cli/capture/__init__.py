"""Reading mail and calendars for ``crm capture``: Maildir, mbox, IMAP, .ics, CalDAV.

Readers yield header bytes or events and never a body; what they mean for the
book is decided in :mod:`crm_cli.core.capture`. Nothing here writes a file or
reads one besides the user's mail and calendar files: what a device has already
read is kept by the store (:mod:`crm_cli.store.capture_state`).
"""
