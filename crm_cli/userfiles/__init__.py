"""The user's own files in the config dir: ``config.toml``, templates and playbooks.

Only this package reads them; the core gets their contents as plain data
(settings, a template ``lookup``, parsed playbooks).
"""
