"""Rendering of result rows as HTML tables for notebooks.

Every tabular result offers ``to_rows()`` (plain dicts) and a ``_repr_html_`` built
from those rows here, so the two views can never disagree.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (frozenset, set, tuple, list)):
        return ", ".join(sorted(str(item) for item in value))
    return str(value)


def html_table(rows: Iterable[Mapping[str, object]], *, caption: str) -> str:
    """Render ``rows`` (dicts sharing keys) as an HTML table with a caption.

    Examples:
        >>> html_table([{"a": 1, "b": 0.5}], caption="demo")
        '<table><caption>demo</caption><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>0.5</td></tr></tbody></table>'
    """
    materialised = list(rows)
    columns: list[str] = []
    for row in materialised:
        for key in row:
            if key not in columns:
                columns.append(key)
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_cell(row.get(column)))}</td>" for column in columns)
        + "</tr>"
        for row in materialised
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
