"""Import and export: vCard, CSV and the JSON backup, in the formats' own libraries.

Modules here turn bytes into neutral records (``crm_cli.core.contacts_import``)
and clients into bytes; they never open files themselves: the commands in
``crm_cli.cli.interchange`` read and write them (atomically).
"""
