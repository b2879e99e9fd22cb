"""Checks every public model constructor shares: type first (``TypeError``), then value (``ValueError``).

Each names the parameter as the user typed it, shows the value, and says what
is allowed.  Pure; imports nothing of Seawall.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

#: An AWS account ID: twelve ASCII digits (``\\d`` and ``str.isdigit`` also accept other scripts' digits).
_ACCOUNT = re.compile(r"[0-9]{12}")


def _kind(value: object) -> str:
    return type(value).__name__


def require_str(value: object, parameter: str, example: str, *, empty: bool = False) -> str:
    """`value` as a str; TypeError for another type, ValueError for an empty or blank one (unless `empty`)."""
    if not isinstance(value, str):
        raise TypeError(f"{parameter}={value!r} is a {_kind(value)}; pass a string such as {example!r}")
    if not empty and not value.strip():
        raise ValueError(f"{parameter}={value!r} is empty; pass a string such as {example!r}")
    return value


def require_bool(value: object, parameter: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{parameter}={value!r} is a {_kind(value)}; pass True or False")
    return value


def require_int(value: object, parameter: str, *, minimum: int | None = None, maximum: int | None = None,
                why: str = "") -> int:
    """A whole number (an ``int``, never a ``bool`` or a ``float``) within [`minimum`, `maximum`]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{parameter}={value!r} is a {_kind(value)}; pass a whole number (int)"
                        + _range(minimum, maximum))
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{parameter}={value!r} is out of range; pass a whole number{_range(minimum, maximum)}"
                         + (f" ({why})" if why else ""))
    return value


def require_number(value: object, parameter: str, *, above: float, at_most: float, example: str,
                   below: bool = False, what: str = "") -> float:
    """A finite real number (int or float, never a ``bool``, NaN or infinity) with ``above < value <= at_most``.

    With `below`, `at_most` itself is refused too.  `what` replaces the default description of the range.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{parameter}={value!r} is a {_kind(value)}; pass a number such as {example}")
    if not math.isfinite(value) or not above < value <= at_most or (below and value == at_most):
        allowed = what or f"a number above {above:g} and {'below' if below else 'at most'} {at_most:g}"
        raise ValueError(f"{parameter}={value!r} must be {allowed}, such as {example}")
    return float(value)


def require_timedelta(value: object, parameter: str, *, minimum: timedelta | None = timedelta(0),
                      maximum: timedelta | None = None, positive: bool = False, why: str = "") -> timedelta:
    """A ``datetime.timedelta`` within [`minimum`, `maximum`] (above zero when `positive`)."""
    if not isinstance(value, timedelta):
        raise TypeError(f"{parameter}={value!r} is a {_kind(value)}; pass a datetime.timedelta such as "
                        f"timedelta(hours=1)")
    low = "above 0" if positive else (f"at least {minimum}" if minimum is not None else "")
    high = f"at most {maximum}" if maximum is not None else ""
    allowed = " and ".join(p for p in (low, high) if p)
    too_long = maximum is not None and value > maximum
    if too_long or (positive and value <= timedelta(0)) or (minimum is not None and value < minimum):
        raise ValueError(f"{parameter}={value} is out of range; it must be {allowed}"
                         + (f" ({why})" if why and too_long else ""))
    return value


def require_items(value: object, parameter: str, example: str) -> tuple[Any, ...]:
    """A list or tuple (any iterable but a str, bytes or mapping) as a tuple.

    A string is iterable, so without this check ``regions="us-east-1"`` would
    be read as the regions ``'u'``, ``'s'``, ...; it is a TypeError instead.
    """
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        hint = f" (one item? pass [{value!r}])" if isinstance(value, str) else ""
        raise TypeError(f"{parameter}={value!r} is a {_kind(value)}; pass a list such as {example}{hint}")
    return tuple(value)


def require_unique(items: Iterable[object], parameter: str, what: str) -> None:
    """ValueError naming the first item listed twice."""
    seen: list[object] = []
    for item in items:
        if item in seen:
            raise ValueError(f"{parameter} lists {what} {item!r} twice; list each {what} once")
        seen.append(item)


def require_account(value: object, parameter: str) -> str:
    """An AWS account ID: a str of exactly twelve ASCII digits."""
    require_str(value, parameter, "111111111111")
    assert isinstance(value, str)
    if not _ACCOUNT.fullmatch(value):
        raise ValueError(f"{parameter}={value!r} is not an AWS account ID; expected 12 digits 0-9 "
                         f"such as '111111111111'")
    return value


def _range(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of {minimum} or more"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""
