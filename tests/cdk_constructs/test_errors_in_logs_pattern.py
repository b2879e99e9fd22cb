"""The errors-in-logs filter pattern, evaluated over real Powertools lines by the simulation's metric-filter fake.

moto 5.2.5 does not evaluate JSON filter patterns (its ``filter_log_events``
returns every event), so the pattern runs on :class:`seawall.sim.FakeLogs`.
"""

from __future__ import annotations

import io
import itertools

from aws_lambda_powertools import Logger

from seawall.constructs import ERRORS_IN_LOGS_PATTERN
from seawall.sim import FakeAws, FakeCloudWatch, FakeLogs
from seawall.sim.clock import Scheduler

_LOGGERS = itertools.count()


def _powertools_lines() -> list[str]:
    stream = io.StringIO()
    # a fresh service name each call: Powertools keeps one logging.Logger (and its first stream) per service
    logger = Logger(service=f"orders-{next(_LOGGERS)}", logger_handler=None, stream=stream, level="DEBUG")
    logger.info("order accepted", extra={"order_id": "o-1"})
    logger.error("payment provider returned 500", extra={"order_id": "o-2"})
    logger.warning("retrying: level ERROR seen upstream")  # the word ERROR, but not at level ERROR
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("unhandled failure")
    logger.debug("cache miss")
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def test_the_pattern_selects_the_powertools_level_field():
    assert ERRORS_IN_LOGS_PATTERN.log_pattern_string == '{ $.level = "ERROR" }'
    assert all(line.startswith('{"level":') for line in _powertools_lines())


def test_the_filter_matches_powertools_error_lines_only():
    """On the simulation's metric-filter fake (moto's filter_log_events ignores JSON patterns)."""
    lines = _powertools_lines()
    assert len(lines) == 5
    aws = FakeAws()
    cw = FakeCloudWatch(clock=aws.clock, scheduler=Scheduler(aws.clock))
    logs = FakeLogs(cloudwatch=cw)
    logs.create_log_group("111111111111", "us-east-1", "/aws/lambda/orders")
    logs.put_metric_filter("111111111111", "us-east-1", "/aws/lambda/orders", "errors",
                           ERRORS_IN_LOGS_PATTERN.log_pattern_string,
                           [{"MetricNamespace": "Seawall/ErrorsInLogs", "MetricName": "orders", "MetricValue": "1"}])
    logs.put_log_lines("111111111111", "us-east-1", "/aws/lambda/orders", 0, lines)
    store = next(iter(cw._series.values())).buckets
    assert [(b.total, b.count) for b in store.values()] == [(2.0, 2.0)]  # the two ERROR lines, nothing else
