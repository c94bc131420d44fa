"""Routing: which deployment serves a request, and what to fall back to.

From the bottom up: ``state`` (health and spend as an immutable value, ``record``),
``request`` (:class:`~modelfolio.Request`, :func:`~modelfolio.estimate_cost`),
``budget`` (:class:`~modelfolio.Budget`), ``columns`` (a catalog as column arrays and
bit masks, for speed), ``context`` (the vocabulary: :data:`~modelfolio.Filter`,
:data:`~modelfolio.Scorer`, :class:`~modelfolio.RouteContext`, one routing pass),
``filters`` and ``health`` (the built-in filters), ``scorers``, and ``route``
(:class:`~modelfolio.Policy`, :class:`~modelfolio.Decision`, :func:`~modelfolio.route`).
Filters and scorers see the context and the budgets, never the policy that lists them.
May import: ``_catalog``, ``_common``.
"""
