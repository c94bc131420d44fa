"""The catalog: models, the deployments that sell them, prices, and the reference catalog.

``prices`` (rates, tiers, off-peak windows, :func:`~modelfolio.cost`), ``catalog``
(:class:`~modelfolio.Model`, :class:`~modelfolio.Deployment`,
:class:`~modelfolio.Catalog`) and ``reference`` (a small hand-checked catalog).
May import: ``_common``.
"""
