"""Evaluation: is the challenger as good as the incumbent?

From the bottom up: ``outcomes`` (the columnar table of logged results), ``stats``
(intervals and tests), ``results`` and ``quality`` (the values evaluation returns),
``summary`` (mergeable summaries and their finishing into those values), ``evaluate``
(:func:`~modelfolio.leaderboard`, :func:`~modelfolio.compare`,
:func:`~modelfolio.non_inferiority`, :func:`~modelfolio.fit_quality`,
:func:`~modelfolio.contamination_gap`) and ``arena`` (ratings from pairwise
preferences).
May import: ``_catalog``, ``_common``.
"""
