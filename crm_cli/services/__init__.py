"""What a command does with the book and the core: no Typer, no printing.

``crm_cli.cli`` parses arguments, calls a service (or the core) and prints its
result; a service opens nothing itself but what the store gives it, and never
imports another command. A future command (an interactive review, a notifier)
reuses these functions as they are.
"""
