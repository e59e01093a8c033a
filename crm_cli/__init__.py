"""crm: a command-line personal CRM for a solo professional."""

__version__ = "0.1.0"
