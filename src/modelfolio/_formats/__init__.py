"""Other tools' schemas, already parsed, turned into modelfolio values.

``litellm`` (LiteLLM's price map into a catalog, vendor rules), ``logs`` (Inspect,
lm-evaluation-harness, OpenTelemetry GenAI spans, LiteLLM spend logs into outcomes and
usage records) and ``sdks`` (usage read off the vendors' SDK responses). Pure: files
are read by :mod:`modelfolio.io`. Because logs become outcomes, failures and usage
records, this folder sits above the core folders it converts into.
May import: ``_exposure``, ``_learning``, ``_calling``, ``_routing``, ``_evaluation``,
``_catalog``, ``_common``.
"""
