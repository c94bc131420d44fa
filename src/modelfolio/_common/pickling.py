"""Pickling of the read-only mappings the library's frozen objects hold.

Fitted tables, routers, predictors, monitors and catalogs expose their mappings as
``types.MappingProxyType`` views, which the standard library cannot pickle. Importing
modelfolio registers a reducer with :mod:`copyreg` that re-creates such a view over a
copy of its contents, so those objects can be saved with :mod:`pickle`, sent to other
processes and copied with :func:`copy.deepcopy`. (cloudpickle, which Dask uses, does
the same for its own pickler.)
"""

from __future__ import annotations

import copyreg
from types import MappingProxyType
from typing import Any


def mapping_proxy(contents: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    """A read-only view of ``contents`` (what an unpickled view is re-created by)."""
    return MappingProxyType(contents)


def _reduce_mapping_proxy(view: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return mapping_proxy, (dict(view),)


copyreg.pickle(MappingProxyType, _reduce_mapping_proxy)
