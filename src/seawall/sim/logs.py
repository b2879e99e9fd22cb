"""A fake of CloudWatch Logs metric filters: log groups, filters over each function's lines, metrics out.

The world builder calls :meth:`FakeLogs.put_log_lines` with what a function
wrote in one minute (or one invocation); every metric filter on the log group
matches each line and records its metric value (or its default value, for a
line that does not match) into :class:`~seawall.sim.cloudwatch.FakeCloudWatch`.

Filter patterns: the JSON subset Seawall synthesizes and a little around it
(``{ $.field = "value" }`` and ``!=``, string, number and ``*`` wildcard
values, numeric ``<``, ``>``, ``<=``, ``>=``, ``&&``, ``||`` and
parentheses).  A JSON pattern matches only a log event that is a JSON object.
Term patterns, space-delimited patterns, regular expressions, ``IS NULL``,
``EXISTS`` and the like raise :class:`~seawall.sim.botocore_bridge.Unmodelled`.

:func:`python_unhandled_error` gives the line Lambda's Python runtime writes
for an unhandled exception, so a traffic model can write a crash the way AWS
does (a text line starting ``[ERROR]``, which no JSON pattern matches).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .botocore_bridge import AwsError, Unmodelled
from .citations import Citation, cites
from .cloudwatch import FakeCloudWatch, Tokens

_JSON_PATTERNS = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html",
    "For example, use { $.eventType = \"UpdateTrail\" } to find specific CloudTrail events, or { $.sourceIPAddress "
    "!= 123.123.* } to identify traffic from unexpected IP ranges.")
_JSON_ONLY = Citation(
    "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_logs.JsonPattern.html",
    "Base class for patterns that only match JSON log events.")
_METRIC_VALUE = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_MetricTransformation.html",
    "metricValue: The value to publish to the CloudWatch metric when a filter pattern matches a log event.")
_DEFAULT_VALUE = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_MetricTransformation.html",
    "defaultValue: (Optional) The value to emit when a filter pattern does not match a log event. This value can be "
    "null.")
_ONE_TRANSFORMATION = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_MetricFilter.html",
    "metricTransformations: The metric transformations. Type: Array of MetricTransformation objects. Array Members: "
    "Fixed number of 1 item.")
_LOG_GROUP = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html",
    "The AWS::Logs::LogGroup resource specifies a log group. A log group defines common properties for log streams, "
    "such as their retention and access control rules.")
_PYTHON_ERROR = Citation(
    "https://github.com/aws/aws-lambda-python-runtime-interface-client/blob/main/awslambdaric/bootstrap.py",
    "error_description = \"[ERROR]\" ... error_description += \" \" + error_result_type ... error_description += \":\" "
    "... error_message_lines += [\"Traceback (most recent call last):\"] (the text log format; in the JSON log "
    "format the runtime writes {\"timestamp\", \"log_level\": \"ERROR\", errorType, errorMessage, stackTrace})")
_PYTHON_ERROR_DOC = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html",
    "When your code raises an error, Lambda generates a JSON representation of the error. This error document "
    "appears in the invocation log and, for synchronous invocations, in the output.")


@cites(_PYTHON_ERROR, _PYTHON_ERROR_DOC)
def python_unhandled_error(error_type: str, message: str, stack: Sequence[str] = (),
                           *, log_format: str = "Text") -> str:
    """The log event Lambda's Python runtime writes for an unhandled exception (one event, several lines)."""
    if log_format == "JSON":
        return json.dumps({"timestamp": "2027-03-02T08:00:00Z", "log_level": "ERROR", "errorMessage": message,
                           "errorType": error_type, "requestId": "", "stackTrace": list(stack)})
    if log_format != "Text":
        raise ValueError(f"log_format={log_format!r} must be 'Text' or 'JSON' (Lambda's LoggingConfig.LogFormat)")
    lines = [f"[ERROR] {error_type}: {message}", "Traceback (most recent call last):"]
    lines += [line for frame in stack for line in frame.splitlines()]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ filter patterns


class _Pattern:
    def matches(self, event: Mapping[str, Any]) -> bool:
        raise NotImplementedError


@dataclass
class _Cmp(_Pattern):
    path: list[str]
    op: str
    value: str | float
    quoted: bool

    def matches(self, event: Mapping[str, Any]) -> bool:
        found: Any = event
        for part in self.path:
            if not isinstance(found, Mapping) or part not in found:
                return False
            found = found[part]
        if isinstance(self.value, float):
            if isinstance(found, bool) or not isinstance(found, (int, float)):
                return False
            return bool(_NUMERIC[self.op](float(found), self.value))
        if not isinstance(found, str):
            if self.quoted or isinstance(found, (dict, list)) or found is None:
                return self.op == "!=" and found is not None
            found = json.dumps(found)
        same = _wildcard(self.value).fullmatch(found) is not None
        return same if self.op == "=" else not same


@dataclass
class _Logic(_Pattern):
    op: str
    parts: list[_Pattern]

    def matches(self, event: Mapping[str, Any]) -> bool:
        if self.op == "&&":
            return all(p.matches(event) for p in self.parts)
        return any(p.matches(event) for p in self.parts)


_NUMERIC = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}
_PAT_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))|'
                        r'(?P<path>\$(?:\.[A-Za-z0-9_-]+)+)|(?P<word>[^\s()"=!<>&|]+))')


def _wildcard(value: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(p) for p in value.split("*")), re.DOTALL)


@cites(_JSON_PATTERNS, _JSON_ONLY)
def parse_filter_pattern(text: str) -> _Pattern:
    """Parse a JSON filter pattern (the subset above); anything else raises :class:`Unmodelled`."""
    stripped = text.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        raise Unmodelled(f"filter pattern {text!r}: only JSON patterns {{ $.field = value }} are modelled (term, "
                         f"space-delimited and regex patterns are not)")
    body = stripped[1:-1]
    tokens: list[tuple[str, str]] = []
    pos_text = 0
    for m in _PAT_TOKEN.finditer(body):
        if m.start() != pos_text and body[pos_text:m.start()].strip():
            break
        tokens.append((m.lastgroup or "", m.group(m.lastgroup or 0)))
        pos_text = m.end()
    if body[pos_text:].strip():
        raise Unmodelled(f"filter pattern {text!r}: {body[pos_text:].strip()!r} is not modelled")
    cursor = Tokens(tokens)
    peek, take = cursor.peek, cursor.take

    def atom() -> _Pattern:
        kind, value = take()
        if value == "(":
            inner = disjunction()
            if take()[1] != ")":
                raise Unmodelled(f"filter pattern {text!r}: a parenthesis is not closed")
            return inner
        if kind != "path":
            raise Unmodelled(f"filter pattern {text!r}: expected a $.field selector, found {value!r}")
        op_kind, op = take()
        if op not in _NUMERIC:
            raise Unmodelled(f"filter pattern {text!r}: operator {op!r} is not modelled (=, !=, <, >, <=, >=)")
        vkind, raw = take()
        path = value[2:].split(".")
        if vkind == "str":
            if op not in ("=", "!="):
                raise Unmodelled(f"filter pattern {text!r}: {op} with a string is not modelled")
            return _Cmp(path, op, json.loads(raw), True)
        if vkind == "word":
            if raw.startswith("%") or raw.upper() in ("NULL", "TRUE", "FALSE", "EXISTS", "IS"):
                raise Unmodelled(f"filter pattern {text!r}: {raw!r} (regex, IS NULL, booleans, EXISTS) is not "
                                 f"modelled")
            try:
                return _Cmp(path, op, float(raw), False)
            except ValueError:
                if op not in ("=", "!="):
                    raise Unmodelled(f"filter pattern {text!r}: {op} with {raw!r} is not modelled") from None
                return _Cmp(path, op, raw, False)
        raise Unmodelled(f"filter pattern {text!r}: expected a value after {op}, found {raw!r}")

    def conjunction() -> _Pattern:
        parts = [atom()]
        while peek()[1] == "&&":
            take()
            parts.append(atom())
        return parts[0] if len(parts) == 1 else _Logic("&&", parts)

    def disjunction() -> _Pattern:
        parts = [conjunction()]
        while peek()[1] == "||":
            take()
            parts.append(conjunction())
        return parts[0] if len(parts) == 1 else _Logic("||", parts)

    tree = disjunction()
    if not cursor.done():
        raise Unmodelled(f"filter pattern {text!r}: {peek()[1]!r} is not modelled")
    return tree


# ------------------------------------------------------------------------------------------------ the fake


@dataclass
class _Filter:
    name: str
    pattern: _Pattern
    namespace: str
    metric: str
    value: str
    default: float | None
    unit: str


@dataclass
class _Group:
    name: str
    filters: dict[str, _Filter] = field(default_factory=dict)


class FakeLogs:
    """CloudWatch Logs log groups and metric filters for every account and region, feeding `cloudwatch`."""

    def __init__(self, *, cloudwatch: FakeCloudWatch) -> None:
        self.cloudwatch = cloudwatch
        self._groups: dict[tuple[str, str, str], _Group] = {}
        self._ids = itertools.count(1)
        #: How many log events were ingested, per (account, region, log group) (ground truth for the traffic model).
        self.ingested: dict[tuple[str, str, str], int] = {}
        self.log_group_provider = _LogGroupProvider(self)
        self.metric_filter_provider = _MetricFilterProvider(self)

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        raise Unmodelled(f"the simulated CloudWatch Logs does not model {operation} (only log groups and metric "
                         f"filters created by CloudFormation, fed by the world's traffic)")

    @cites(_LOG_GROUP)
    def create_log_group(self, account: str, region: str, name: str) -> None:
        if (account, region, name) in self._groups:
            raise AwsError("ResourceAlreadyExistsException", f"The specified log group already exists: {name}")
        self._groups[(account, region, name)] = _Group(name)

    def delete_log_group(self, account: str, region: str, name: str) -> None:
        self._groups.pop((account, region, name), None)

    @cites(_ONE_TRANSFORMATION, _DEFAULT_VALUE)
    def put_metric_filter(self, account: str, region: str, log_group: str, name: str, pattern: str,
                          transformations: Sequence[Mapping[str, Any]]) -> None:
        """Create or replace a metric filter (as ``PutMetricFilter`` or ``AWS::Logs::MetricFilter``)."""
        group = self._groups.get((account, region, log_group))
        if group is None:
            raise AwsError("ResourceNotFoundException", f"The specified log group does not exist: {log_group}")
        if len(transformations) != 1:
            raise AwsError("InvalidParameterException", f"metric filter {name}: metricTransformations must hold "
                                                        f"exactly 1 item (got {len(transformations)})")
        t = transformations[0]
        if t.get("Dimensions"):
            raise Unmodelled(f"metric filter {name}: Dimensions are not modelled")
        value = str(t["MetricValue"])
        if not value.startswith("$."):
            try:
                float(value)
            except ValueError:
                raise Unmodelled(f"metric filter {name}: MetricValue {value!r} is neither a number nor a $.field "
                                 f"selector") from None
        default = t.get("DefaultValue")
        group.filters[name] = _Filter(name, parse_filter_pattern(pattern), str(t["MetricNamespace"]),
                                      str(t["MetricName"]), value, None if default is None else float(default),
                                      str(t.get("Unit") or "None"))

    def delete_metric_filter(self, account: str, region: str, log_group: str, name: str) -> None:
        group = self._groups.get((account, region, log_group))
        if group is not None:
            group.filters.pop(name, None)

    @cites(_METRIC_VALUE, _DEFAULT_VALUE, _JSON_ONLY)
    def put_log_lines(self, account: str, region: str, log_group: str, at_seconds: float,
                      lines: Sequence[str]) -> None:
        """Ingest `lines` (one log event each) into `log_group` at `at_seconds` since the start; apply its filters.

        Each filter records, into the minute of `at_seconds`, its metric value
        for every matching line and its default value (when it has one) for
        every other line: one ``record`` call per filter.
        """
        key = (account, region, log_group)
        group = self._groups.get(key)
        if group is None:
            raise AwsError("ResourceNotFoundException", f"The specified log group does not exist: {log_group}")
        self.ingested[key] = self.ingested.get(key, 0) + len(lines)
        if not group.filters or not lines:
            return
        events = [_as_json(line) for line in lines]
        for name in sorted(group.filters):
            f = group.filters[name]
            values: dict[float, float] = {}
            for event in events:
                v: float | None
                if event is not None and f.pattern.matches(event):
                    v = _metric_value(f.value, event)
                else:
                    v = f.default
                if v is not None:
                    values[v] = values.get(v, 0.0) + 1
            if values:
                ordered = sorted(values)
                self.cloudwatch.record(account, region, f.namespace, f.metric, {}, at_seconds, ordered,
                                       counts=[values[v] for v in ordered], unit=f.unit)


def _as_json(line: str) -> Mapping[str, Any] | None:
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _metric_value(value: str, event: Mapping[str, Any]) -> float | None:
    if not value.startswith("$."):
        return float(value)
    found: Any = event
    for part in value[2:].split("."):
        if not isinstance(found, Mapping) or part not in found:
            return None
        found = found[part]
    if isinstance(found, bool) or not isinstance(found, (int, float)) or not math.isfinite(found):
        return None
    return float(found)


class _LogGroupProvider:
    """``AWS::Logs::LogGroup`` for :class:`~seawall.sim.cloudformation.FakeCloudFormation`."""

    def __init__(self, logs: FakeLogs) -> None:
        self.logs = logs

    @cites(_LOG_GROUP)
    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        name = str(properties.get("LogGroupName") or f"{stack}-{logical_id}-{next(self.logs._ids):06d}")
        self.logs.create_log_group(account, region, name)
        return name, {"Arn": f"arn:aws:logs:{region}:{account}:log-group:{name}:*"}

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        name = properties.get("LogGroupName")
        if name and name != physical_id:  # a new name replaces the group
            return self.create(account=account, region=region, stack=stack, logical_id=logical_id,
                               properties=properties)
        return physical_id, {"Arn": f"arn:aws:logs:{region}:{account}:log-group:{physical_id}:*"}

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        self.logs.delete_log_group(account, region, physical_id)


class _MetricFilterProvider:
    """``AWS::Logs::MetricFilter`` for :class:`~seawall.sim.cloudformation.FakeCloudFormation`."""

    def __init__(self, logs: FakeLogs) -> None:
        self.logs = logs

    @cites(_ONE_TRANSFORMATION)
    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        name = str(properties.get("FilterName") or f"{stack}-{logical_id}-{next(self.logs._ids):06d}")
        self.logs.put_metric_filter(account, region, str(properties["LogGroupName"]), name,
                                    str(properties["FilterPattern"]), properties["MetricTransformations"])
        return name, {}

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        if properties.get("LogGroupName") != old_properties.get("LogGroupName") or (
                properties.get("FilterName") not in (None, physical_id)):
            return self.create(account=account, region=region, stack=stack, logical_id=logical_id,
                               properties=properties)
        self.logs.put_metric_filter(account, region, str(properties["LogGroupName"]), physical_id,
                                    str(properties["FilterPattern"]), properties["MetricTransformations"])
        return physical_id, {}

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        self.logs.delete_metric_filter(account, region, str(properties["LogGroupName"]), physical_id)
