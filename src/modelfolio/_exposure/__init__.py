"""Vendor exposure: how dependent are we, and what is the cheapest safe split?

``traffic`` (usage records from production logs, vendor shares), ``risk``
(concentration, what a vendor's exit would cost) and ``allocate`` (the cheapest
traffic split under quality floors, capacities, commitments and vendor caps).
May import: ``_learning``, ``_calling``, ``_routing``, ``_evaluation``, ``_catalog``,
``_common``.
"""
