"""Checks the public constructors share: a wrong type is a ``TypeError`` naming the parameter.

The model's own checks (strings, numbers, lists) are :mod:`seawall.model._validate`; these add the CDK and
Seawall objects a constructor takes (a ``Duration``, a ``RetentionDays``, a ``TrafficPolicy``) and lists of
names, where a string must not be read as its characters.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Token

from seawall.model._validate import require_account, require_items, require_str, require_unique
from seawall.model.naming import check_service


def require_type(value: Any, parameter: str, expected: type | tuple[type, ...], example: str) -> Any:
    """`value` if it is an instance of `expected`, else a TypeError naming `parameter`, the value and `example`."""
    if not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
        article = "an" if names[0] in "AEIOU" else "a"
        raise TypeError(f"{parameter}={value!r} is a {type(value).__name__}, not {article} {names}; pass e.g. "
                        f"{example}")
    return value


def names_list(value: object, parameter: str, what: str, example: tuple[str, ...]) -> tuple[str, ...]:
    """`value` as a tuple of names: a list or tuple (a string is not read as its characters), each once.

    `what` names one item in the messages (``service``, ``account``, ``alarm``, ``scope``): services are
    checked as service names and accounts as AWS account IDs (a stack's own account token passes); any
    other item must be a non-empty string.  `example`: names to show, such as ``('orders', 'catalog')``.
    """
    names = require_items(value, parameter, repr(list(example)))
    for name in names:
        if what == "service":
            check_service(name)
        elif what == "account":
            if not (isinstance(name, str) and Token.is_unresolved(name)):
                require_account(name, f"{parameter} item")
        else:
            require_str(name, f"{parameter} item", example[0])
    require_unique(names, parameter, what)
    return names
