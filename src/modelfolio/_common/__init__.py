"""Common ground: errors, argument checks, HTML tables, plots, data frames, pickling.

Everything in modelfolio may use this folder. It imports nothing of modelfolio's but
itself; optional dependencies (matplotlib, narwhals) are imported inside the functions
that need them, with an error that says what to install.
"""
