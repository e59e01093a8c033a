"""The protocol parts of ``crm notify``: SMTP, CalDAV, desktop notifications and the
daily timer. Each talks to one outside thing; what to say is decided elsewhere."""
