"""Gate tasks: the time-window blocker and the alarm blocker.

Both take the whole gate state (input plus ``context``) and return a
verdict; the rules (window with its resolved holiday dates, org-wide alarms,
poll and limit) are the team's, from the team runtime
(:class:`~seawall.model.contracts.TeamSettings`), and the aggregate alarm is
derived from the team and the target's region.  They return a
verdict the state machine branches on; they never sleep.  The state machine
waits in durable Wait states for ``waitSeconds``.

- window: ``OPEN`` | ``CLOSED`` (wait until it opens, or until the gate's limit) | ``EXPIRED``
- alarms: ``QUIET`` | ``BLOCKED`` (wait one poll, then re-check window and alarms) | ``MISSING`` | ``EXPIRED``
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from seawall.model.contracts import GateInput, TeamSettings
from seawall.model.plan import gate_deadline, gate_gives_up
from seawall.model.window import HolidayDataExpired, TimeWindow

from . import common
from .common import InvalidInputError, duration_text, logger, tracer

common.settings()  # validate the environment at cold start


def _window(team: TeamSettings) -> TimeWindow:
    try:
        return TimeWindow.from_dict(dict(team.window))
    except (ValueError, KeyError, TypeError) as e:
        raise InvalidInputError(f"the team settings' window={team.window!r} is not a TimeWindow: {e}; redeploy "
                                f"the team runtime") from e


def _deadline(event: Mapping[str, Any], team: TeamSettings) -> tuple[datetime, datetime]:
    ctx = event.get("context")
    if not isinstance(ctx, Mapping):
        raise InvalidInputError("gate state has no context; the context task must run first")
    started = common.parse_start(ctx.get("startedAt"), "context.startedAt")
    return started, gate_deadline(started, timedelta(seconds=team.gate_max_wait_seconds))


def _seconds_until(later: datetime, t: datetime) -> int:
    return max(1, math.ceil((later - t).total_seconds()))


def check_window(event: Mapping[str, Any]) -> dict[str, Any]:
    gate = common.parse(GateInput.from_json, event)
    team = common.team_settings()
    window = _window(team)
    started, deadline = _deadline(event, team)
    t = common.now()
    where = f"gate for {gate.target.name}"
    try:
        if window.is_open(t):
            logger.info("time window open", extra={"now": t.isoformat()})
            return {"verdict": "OPEN", "checkedAt": t.isoformat(), "waitSeconds": 0,
                    "message": f"{where}: time window open at {t.isoformat()}"}
        try:
            nxt = window.next_open(t).astimezone(window.zone)
        except HolidayDataExpired:
            raise
        except ValueError:
            nxt = None
    except HolidayDataExpired as e:
        # The holiday dates were resolved when the pipeline was synthesized (seawall.model.window);
        # past their end nobody knows whether the window is open: fail closed, saying so.
        logger.error("holiday data ended", extra={"now": t.isoformat(), "error": str(e)})
        raise InvalidInputError(f"{where}: {e}; redeploy the team runtime (the team's foundation pipeline) to "
                                f"resolve newer holiday dates") from e
    if t >= deadline or nxt is None or gate_gives_up(nxt, deadline):
        when = "never opens again" if nxt is None else f"next opens at {nxt.isoformat()}"
        message = (f"{where} gave up: the time window {when}, after the gate's limit of "
                   f"{duration_text(team.gate_max_wait_seconds)} (waiting since {started.isoformat()}); "
                   f"re-run the stage inside the window or use the emergency override")
        logger.warning(message)
        return {"verdict": "EXPIRED", "checkedAt": t.isoformat(), "waitSeconds": 0, "message": message}
    wait = _seconds_until(min(nxt, deadline), t)
    logger.info("time window closed", extra={"now": t.isoformat(), "next_open": nxt.isoformat(), "wait": wait})
    return {"verdict": "CLOSED", "checkedAt": t.isoformat(), "waitSeconds": wait, "nextOpen": nxt.isoformat(),
            "message": f"{where}: time window closed at {t.isoformat()}, opens {nxt.isoformat()}"}


def check_alarms(event: Mapping[str, Any]) -> dict[str, Any]:
    gate = common.parse(GateInput.from_json, event)
    team = common.team_settings()
    names = team.alarm_names(gate.region)
    started, deadline = _deadline(event, team)
    states = common.alarm_states(names, gate.region)
    t = common.now()
    where = f"gate for {gate.target.name}"
    missing = [n for n in names if n not in states]
    if missing:
        message = f"{where}: " + common.missing_alarm_message(missing, names, gate.region)
        logger.error(message)
        return {"verdict": "MISSING", "checkedAt": t.isoformat(), "waitSeconds": 0, "missing": missing,
                "message": message}
    blocking = {n: states[n] for n in names if states[n] != "OK"}
    if not blocking:
        logger.info("alarms quiet; the step may start", extra={"alarms": states})
        return {"verdict": "QUIET", "checkedAt": t.isoformat(), "waitSeconds": 0, "blocking": {},
                "message": f"{where}: alarms quiet at {t.isoformat()}"}
    shown = ", ".join(f"{n} is {s}" for n, s in blocking.items())
    if t >= deadline:
        message = (f"{where} gave up after {duration_text((t - started).total_seconds())}: {shown} "
                   f"(ALARM and INSUFFICIENT_DATA block); fix the alarm or use the emergency override, "
                   f"then retry the stage")
        logger.warning(message)
        return {"verdict": "EXPIRED", "checkedAt": t.isoformat(), "waitSeconds": 0, "blocking": blocking,
                "message": message}
    wait = min(team.gate_poll_seconds, _seconds_until(deadline, t))
    logger.info("blocked by alarms", extra={"blocking": blocking, "wait": wait})
    return {"verdict": "BLOCKED", "checkedAt": t.isoformat(), "waitSeconds": wait, "blocking": blocking,
            "message": f"{where}: blocked at {t.isoformat()}: {shown}"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def window_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return check_window(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def alarms_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return check_alarms(event)
