"""Small validators shared by the frozen data classes.

Each check raises the error class it is given, with a message that names the field
and shows the rejected value with ``repr``, so ``Price(input_per_mtok=-1, ...)``
fails with ``input_per_mtok must be ... got -1``.
"""

from __future__ import annotations

import difflib
import enum
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from modelfolio._common.errors import ValidationError

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
T = TypeVar("T")


def fail(error: type[ValidationError], field: str, value: object, need: str) -> ValidationError:
    """Build the error for ``field`` holding ``value`` that is not ``need``."""
    shown = repr(value)
    if len(shown) > 80:  # a huge number or a long string: enough to recognise it
        shown = f"{shown[:40]}...({len(shown)} characters)"
    return error(f"{field} must be {need}, got {shown}")


def number(value: object, field: str, error: type[ValidationError] = ValidationError) -> float:
    """A finite, non-negative real number (bools rejected), returned as float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(error, field, value, "a finite number >= 0")
    try:
        result = float(value)
    except OverflowError:  # an integer too large for a float
        raise fail(error, field, value, "a finite number >= 0") from None
    if not math.isfinite(result) or result < 0:
        raise fail(error, field, value, "a finite number >= 0")
    return result


MAX_TOKENS = 10**15
"""The most tokens one call may count: far beyond any model, small enough that a cost
computed from it is always a finite number."""

MAX_RATE = 1e9
"""The highest price, in US dollars per million tokens, that a price may state."""


def tokens(value: object, field: str, error: type[ValidationError] = ValidationError) -> int:
    """A token count: an integer from 0 to :data:`MAX_TOKENS`."""
    count(value, field, error)
    if value > MAX_TOKENS:  # type: ignore[operator]
        raise fail(error, field, value, f"an integer from 0 to {MAX_TOKENS:.0e}")
    return value  # type: ignore[return-value]


def rate(value: object, field: str, error: type[ValidationError] = ValidationError) -> float:
    """A price per million tokens: a finite number from 0 to :data:`MAX_RATE`."""
    result = number(value, field, error)
    if result > MAX_RATE:
        raise fail(error, field, value, f"a price from 0 to {MAX_RATE:.0e} US$ per million tokens")
    return result


def optional_rate(
    value: object, field: str, error: type[ValidationError] = ValidationError
) -> float | None:
    """Like :func:`rate`, but ``None`` passes through."""
    return None if value is None else rate(value, field, error)


def unit_interval(value: object, field: str) -> float:
    """A number strictly between 0 and 1 (a confidence level, an error rate)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValidationError(
            f"{field} must be a number strictly between 0 and 1, got {value!r:.80}"
        )
    return float(value)


def finite(value: object, field: str, error: type[ValidationError] = ValidationError) -> float:
    """Any finite real number (a time on the caller's clock, say), returned as float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(error, field, value, "a finite number")
    try:
        result = float(value)
    except OverflowError:  # an integer too large for a float
        raise fail(error, field, value, "a finite number") from None
    if not math.isfinite(result):
        raise fail(error, field, value, "a finite number")
    return result


def optional_number(
    value: object, field: str, error: type[ValidationError] = ValidationError
) -> float | None:
    """Like :func:`number`, but ``None`` passes through."""
    return None if value is None else number(value, field, error)


def count(value: object, field: str, error: type[ValidationError] = ValidationError) -> int:
    """A non-negative integer (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise fail(error, field, value, "an integer >= 0")
    return value


def positive_count(
    value: object, field: str, error: type[ValidationError] = ValidationError
) -> int:
    """A positive integer (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise fail(error, field, value, "an integer > 0")
    return value


def optional_positive_count(
    value: object, field: str, error: type[ValidationError] = ValidationError
) -> int | None:
    """Like :func:`positive_count`, but ``None`` passes through."""
    return None if value is None else positive_count(value, field, error)


def text(value: object, field: str, error: type[ValidationError] = ValidationError) -> str:
    """A non-empty string without surrounding white space."""
    if not isinstance(value, str) or not value or value != value.strip():
        raise fail(error, field, value, "a non-empty string without surrounding spaces")
    return value


def slug(value: object, field: str, error: type[ValidationError] = ValidationError) -> str:
    """A lowercase identifier such as ``openai`` or ``vertex_ai``."""
    if not isinstance(value, str) or not _SLUG.match(value):
        raise fail(error, field, value, "a lowercase slug like 'openai' or 'vertex_ai'")
    return value


def texts(
    value: object, field: str, error: type[ValidationError] = ValidationError
) -> frozenset[str]:
    """A set of non-empty strings; a lone string is rejected rather than split."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise fail(error, field, value, "a collection of strings")
    items: list[Any] = list(value)
    for item in items:
        text(item, field, error)
    return frozenset(items)


def check(rule: Any, error: type[ValidationError] = ValidationError) -> Any:
    """Turn one of the rules above into an attrs validator that names its field.

    Examples:
        >>> import attrs
        >>> @attrs.frozen
        ... class Box:
        ...     size: float = attrs.field(validator=check(number))
        >>> Box(size=-2)
        Traceback (most recent call last):
        ...
        modelfolio._common.errors.ValidationError: size must be a finite number >= 0, got -2
    """

    def validator(instance: object, attribute: Any, value: object) -> None:
        rule(value, attribute.name, error)

    return validator


def instances(value: object, kind: type[T], field: str) -> tuple[T, ...]:
    """A collection of ``kind`` values as a tuple; a lone one or any other value refused."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError(
            f"{field} must be a sequence of {kind.__name__} values, got {value!r:.80}"
        )
    items = tuple(value)
    for item in items:
        if not isinstance(item, kind):
            raise ValidationError(f"{field} must hold {kind.__name__} values, got {item!r:.80}")
    return items


def optional_text(instance: object, attribute: Any, value: Any) -> None:
    """An attrs validator: ``None`` or a non-empty string, named by its field."""
    if value is not None:
        text(value, attribute.name)


def is_bool(instance: object, attribute: Any, value: Any) -> None:
    """An attrs validator: exactly ``True`` or ``False`` (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise ValidationError(f"{attribute.name} must be True or False, got {value!r}")


def sparse_vector(query: Any, where: str) -> dict[int, float]:
    """A caller's vector (dense sequence or sparse mapping) as a sparse mapping.

    Zero entries are dropped; ``where`` names the value in errors.

    Examples:
        >>> sparse_vector([0.5, 0.0, 2], "query"), sparse_vector({3: 1.0}, "query")
        ({0: 0.5, 2: 2.0}, {3: 1.0})
    """
    if isinstance(query, Mapping):
        vector: dict[int, float] = {}
        for key, value in query.items():
            if isinstance(key, bool) or not isinstance(key, int) or key < 0:
                raise ValidationError(
                    f"{where}: a sparse vector's keys are indices >= 0, got {key!r}"
                )
            vector[key] = _vector_value(value, where)
        return {k: v for k, v in vector.items() if v}
    if isinstance(query, (str, bytes)) or not isinstance(query, Iterable):
        raise ValidationError(
            f"{where}: a query is a text, a sequence of floats or an {{index: value}} mapping, got {query!r}"
        )
    return {k: v for k, value in enumerate(query) if (v := _vector_value(value, where))}


def _vector_value(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(f"{where}: vector values must be finite numbers, got {value!r}")
    return float(value)


def did_you_mean(wanted: str, known: Iterable[str], *, likely: Iterable[str] = ()) -> str:
    """``"; did you mean 'a' or 'b'?"``: the ``likely`` names, else the closest spellings
    of ``wanted`` among ``known`` (empty when none is close), for an error about a name.

    Examples:
        >>> did_you_mean("open-ai", ["anthropic", "openai"])
        "; did you mean 'openai'?"
    """
    close = list(likely) or difflib.get_close_matches(wanted, list(known), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(map(repr, close[:3]))}?" if close else ""


class NamedValues(str, enum.Enum):
    """A string enum whose unknown value is a ``ValidationError`` listing the known ones
    (still a ``ValueError``, as an unknown enum value always was)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        known = ", ".join(member.value for member in cls)
        raise ValidationError(f"{cls.__name__.lower()} must be one of {known}, got {value!r:.80}")
