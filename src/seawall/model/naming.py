"""One naming function for everything that is found by name across stacks.

Services join their team's aggregate alarm, and pipelines find the release
state machines, by these names, so a service in another stack or pipeline
never needs a reference to the resource itself.  Names are deterministic:
the same inputs always give the same name.
"""

from __future__ import annotations

import re

_PART = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
#: CloudWatch alarm names may be 255 characters long.
MAX_ALARM_NAME = 255


def _check(parameter: str, value: str) -> str:
    if not isinstance(value, str) or not _PART.match(value):
        raise ValueError(
            f"{parameter}={value!r} is not usable in resource names; use 1-31 lower-case letters, digits "
            f"and hyphens, starting with a letter or digit (e.g. 'payments')"
        )
    return value


def check_team(team: str) -> str:
    return _check("team", team)


def check_service(service: str) -> str:
    return _check("service", service)


def alarm_name(team: str, service: str, region: str, kind: str) -> str:
    """``{team}-{service}-{region}-{kind}``, e.g. ``payments-api-us-east-1-fault-rate``."""
    name = f"{_check('team', team)}-{_check('service', service)}-{region}-{kind}"
    if len(name) > MAX_ALARM_NAME:
        raise ValueError(f"alarm name {name!r} is longer than CloudWatch's {MAX_ALARM_NAME} characters")
    return name


def high_severity_alarm_name(team: str, service: str, region: str) -> str:
    """The service's high-severity composite in a region."""
    return alarm_name(team, service, region, "high-severity")


def aggregate_alarm_name(team: str, region: str) -> str:
    """The team's high-severity aggregate rollback alarm in a region: ``{team}-{region}-aggregate``."""
    return f"{_check('team', team)}-{region}-aggregate"


def state_machine_name(team: str, part: str) -> str:
    """A release state machine of the team in each region: ``seawall-{team}-{gate|shift|bake}``."""
    if part not in ("gate", "shift", "bake"):
        raise ValueError(f"part={part!r} is not a release state machine; expected gate, shift or bake")
    return f"seawall-{_check('team', team)}-{part}"
