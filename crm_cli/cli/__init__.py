"""The ``crm`` command line (Typer): parses, calls services or the core, prints."""

import gc

# A command lives for a fraction of a second but builds 10,000s of small objects, from
# the book and from importing Typer and Jinja: collecting every 700 allocations (the
# default) only costs time (3-4 ms of a `crm draft`), so this is set before the app
# module imports Typer. Cycles are still collected, just less often.
GC_THRESHOLDS = (50_000, 20, 20)
gc.set_threshold(*GC_THRESHOLDS)
