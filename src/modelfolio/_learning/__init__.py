"""Learned routing: routers fitted on logged outcomes, replayed offline, watched online.

``query`` (per-query quality predictors over texts or vectors), ``routers`` (floor,
budget, threshold and cascade routers), ``bridge`` (from outcome models to catalog
deployments: :func:`~modelfolio.learned_policy`), ``simulate`` (replay, curves, APGR
and CPT) and ``drift`` (alarms when a model gets worse).
May import: ``_routing``, ``_evaluation``, ``_catalog``, ``_common``.
"""
