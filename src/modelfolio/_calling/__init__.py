"""Calling models: carrying a decision out through the caller's clients.

``classify`` (an SDK's exception as a failure kind), ``replicas`` (what a store shared
by many replicas must do: reservations, fleet updates), ``plan`` (the pure execution:
a generator that says which call to make next and is sent the outcomes) and
``execute`` (the edge part: drives the plan with the caller's ``call``, clock and
sleep; :func:`~modelfolio.execute`, :func:`~modelfolio.aexecute`,
:class:`~modelfolio.Router`). ``execute`` is the only core module allowed the clock,
sleep, threads and asyncio.
May import: ``_routing``, ``_catalog``, ``_common``.
"""
