"""The drafting engine: a client and a due item in, a personal draft message out.

Plain functions, no I/O: templates arrive through a ``lookup(name) -> source``
function (``crm_cli.userfiles.templates.lookup`` in the CLI, a dict in tests).

* ``context``: the template context (templates/README.md), the sample client, coffee slots;
* ``render``: ``compose`` (context → render → privacy guard → generic check) and ``render``;
* ``guard``: the private-note guard (``PrivacyLeak``) and the "never canned" check;
* ``sms``, ``email_draft``, ``links``, ``callsheet``: what the CLI writes or prints.
"""
