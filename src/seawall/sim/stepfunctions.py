"""A fake of AWS Step Functions: a discrete-event interpreter of the ASL subset Seawall synthesizes.

Standard state machines only.  Every execution runs on the world's
:class:`~seawall.sim.clock.Scheduler` (no threads, no wall clock): a ``Task``
invokes its Lambda function when the state starts and completes
``task_latency`` seconds later; a ``Wait`` is one scheduled event; ``Choice``,
``Pass``, ``Succeed`` and ``Fail`` take no time.  Work is O(history events).

What it interprets (anything else is refused with :class:`Unmodelled`,
naming the field or state type, when the definition is created):

* top level: ``StartAt``, ``States``, ``TimeoutSeconds``, ``Comment``,
  ``Version``;
* ``Task`` on a Lambda function ARN, or on ``arn:aws:states:::lambda:invoke``
  with ``FunctionName`` and ``Payload``; ``InputPath``, ``Parameters``
  (``.$`` keys with reference paths), ``ResultSelector``, ``ResultPath``,
  ``OutputPath``, ``TimeoutSeconds``, ``HeartbeatSeconds``, ``Retry``
  (``ErrorEquals``, ``IntervalSeconds``, ``MaxAttempts``, ``BackoffRate``)
  and ``Catch`` (``ErrorEquals``, ``ResultPath``, ``Next``);
* ``Choice`` with ``StringEquals`` and ``BooleanEquals`` rules and ``Default``;
* ``Wait`` with ``Seconds``, ``SecondsPath``, ``Timestamp`` or ``TimestampPath``;
* ``Pass`` (``Result``, ``Parameters``, ``ResultPath``), ``Succeed``, ``Fail``
  (``Error``/``ErrorPath``, ``Cause``/``CausePath``);
* reference paths (``$``, ``$.a.b``, ``$['a']``, ``$.a[0]``) only: no
  filters, wildcards, slices, context object (``$$``) or intrinsic functions.

The world passes the Lambda functions as one callable,
``invoke(account, region, function_arn, payload) -> payload``, which raises
:class:`FunctionError` for a function error (the handler raised) and
:class:`~seawall.sim.botocore_bridge.AwsError` for a Lambda service error.

Ground truth lives on each :class:`Execution`: the states entered and exited
with their simulated times (:attr:`Execution.visits`), its status changes
(:attr:`Execution.transitions`) and its history events.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..model.limits import MAX_HISTORY_EVENTS, MAX_STATE_PAYLOAD_BYTES
from .botocore_bridge import AwsError, Unmodelled, dispatch
from .citations import Citation, cites
from .clock import Event, Scheduler

_DG = "https://docs.aws.amazon.com/step-functions/latest/dg"
_API = "https://docs.aws.amazon.com/step-functions/latest/apireference"

_START_NAME = Citation(
    f"{_API}/API_StartExecution.html",
    "When the original execution is open and the execution input from the new call is different, the "
    "ExecutionAlreadyExists message is returned.")
_START_IDEMPOTENT = Citation(
    f"{_API}/API_StartExecution.html",
    "When the original execution is open and the execution input from the new call is identical, the Success "
    "message is returned.")
_START_CLOSED_NAME = Citation(
    f"{_API}/API_StartExecution.html",
    "When the original execution is closed, the ExecutionAlreadyExists message is returned regardless of input.")
_INPUT_SIZE = Citation(
    f"{_API}/API_StartExecution.html",
    "Length constraints apply to the payload size, and are expressed as bytes in UTF-8 encoding.")
_INPUT_JSON = Citation(
    f"{_API}/API_StartExecution.html",
    "InvalidExecutionInput: The provided JSON input data is not valid.")
_NAMES = Citation(
    f"{_DG}/service-quotas.html",
    "State machine, execution, and activity names must be 1–80 characters in length, must be unique for your "
    "account and AWS Region")
_DESCRIBE = Citation(
    f"{_API}/API_DescribeExecution.html",
    "This field is set only if the execution succeeds. If the execution fails, this field is null.")
_STOP = Citation(
    f"{_API}/API_StopExecution.html",
    "Stops an execution. This API action is not supported by EXPRESS state machines.")
_HISTORY_API = Citation(
    f"{_API}/API_GetExecutionHistory.html",
    "Returns the history of the specified execution as a list of events. By default, the results are returned "
    "in ascending order of the timeStamp of the events.")
_UPDATE = Citation(
    f"{_API}/API_UpdateStateMachine.html",
    "Running executions will continue to use the previous definition and roleArn.")
_NO_CATCH_AT_TOP = Citation(
    f"{_DG}/concepts-error-handling.html",
    "Step Functions catchers are available for Task, Parallel and Map states, but not for top-level state machine "
    "execution failures.")
_EXEC_TIMEOUT = Citation(
    f"{_DG}/statemachine-structure.html",
    "The maximum number of seconds an execution of the state machine can run. If it runs longer than the "
    "specified time, the execution fails with a States.Timeout Error Name.")
_HISTORY_LIMIT = Citation(
    f"{_DG}/service-quotas.html",
    "25,000 events in a single state machine execution history. If the execution history reaches this quota, "
    "the execution will fail.")
_DEFAULT_FAIL = Citation(
    f"{_DG}/concepts-error-handling.html",
    "By default, when a state reports an error, AWS Step Functions causes the execution to fail entirely.")
_LAMBDA_TASK = Citation(
    f"{_DG}/state-task.html",
    "After the Lambda function specified in the Resource field completes, its output is sent to the state "
    "identified in the Next field")
_LAMBDA_INVOKE = Citation(
    f"{_DG}/connect-lambda.html",
    "The Payload field of the response is parsed from escaped Json to Json.")
_LAMBDA_SERVICE_ERRORS = Citation(
    f"{_DG}/concepts-error-handling.html",
    "When Lambda hits the maximum number of invocations, the error is Lambda.TooManyRequestsException.")
_TASK_TIMEOUT = Citation(
    f"{_DG}/state-task.html",
    "If the task runs longer than the specified seconds, this state fails with a States.Timeout error name.")
_HEARTBEAT = Citation(
    f"{_DG}/state-task.html",
    "If more time than the specified seconds elapses between heartbeats from the task, this state fails with a "
    "States.Timeout error name.")
_RETRY = Citation(
    f"{_DG}/concepts-error-handling.html",
    "An integer that represents the number of seconds before the first retry attempt (1 by default).")
_RETRY_ATTEMPTS = Citation(
    f"{_DG}/concepts-error-handling.html",
    "A positive integer that represents the maximum number of retry attempts (3 by default). If the error recurs "
    "more times than specified, retries cease and normal error handling resumes.")
_BACKOFF = Citation(
    f"{_DG}/concepts-error-handling.html",
    "The multiplier by which the retry interval increases during each attempt (2.0 by default).")
_ALL = Citation(
    f"{_DG}/concepts-error-handling.html",
    "It must appear alone in the ErrorEquals array and must appear in the last retrier in the Retry array.")
_TASK_FAILED = Citation(
    f"{_DG}/concepts-error-handling.html",
    "When used in a retry or catch, States.TaskFailed acts as a wildcard that matches any known error name except "
    "for States.Timeout.")
_RUNTIME = Citation(
    f"{_DG}/concepts-error-handling.html",
    "A States.Runtime error is not retriable, and will always cause the execution to fail. A retry or catch on "
    "States.ALL will not catch States.Runtime errors.")
_DATA_LIMIT = Citation(
    f"{_DG}/concepts-error-handling.html",
    "When the output of a state is larger than payload size quota. This is a terminal error that can't be caught "
    "by the States.ALL error type.")
_CATCH = Citation(
    f"{_DG}/concepts-error-handling.html",
    "When a state has both Retry and Catch fields, Step Functions uses any appropriate retriers first, and only "
    "afterward applies the matching catcher transition if the retry policy fails to resolve the error.")
_CATCH_RESULT_PATH = Citation(
    f"{_DG}/concepts-error-handling.html",
    "If you don't specify the ResultPath field, it defaults to $, which selects and overwrites the entire input.")
_LAMBDA_ERROR_NAME = Citation(
    f"{_DG}/concepts-error-handling.html",
    "The following example of a Catch field transitions to the state named RecoveryState when a Lambda function "
    "outputs an unhandled Java exception.")
_CHOICE = Citation(
    f"{_DG}/state-choice.html",
    "Step Functions examines each of the Choice Rules in the order listed in the Choices field. Then it "
    "transitions to the state specified in the Next field of the first Choice Rule in which the variable matches "
    "the value according to the comparison operator.")
_NO_CHOICE = Citation(
    f"{_DG}/concepts-error-handling.html",
    "This runtime error occurs if a Choice state fails to match the input with the conditions defined in the "
    "Choice Rule and no Default transition is specified.")
_WAIT = Citation(
    f"{_DG}/state-wait.html",
    "You must specify exactly one of Seconds, Timestamp, SecondsPath, or TimestampPath.")
_TIMESTAMP = Citation(
    f"{_DG}/state-wait.html",
    "Timestamps must conform to the RFC3339 profile of ISO 8601, with the further restrictions that an uppercase "
    "T must separate the date and time portions, and an uppercase Z must denote that a numeric time zone offset "
    "is not present")
_PASS = Citation(
    f"{_DG}/state-pass.html",
    "A Pass state (\"Type\": \"Pass\") passes its input to its output, without performing work.")
_FAIL = Citation(
    f"{_DG}/state-fail.html",
    "If you want to provide a detailed description about the cause of the error dynamically from the state input "
    "using a reference path, use CausePath. When resolved, the reference path must select a field that contains a "
    "string value.")
_PATHS = Citation(
    f"{_DG}/amazon-states-language-paths.html",
    "A reference path is a path whose syntax is limited in such a way that it can identify only a single node in "
    "a JSON structure")
_FILTERS = Citation(
    f"{_DG}/input-output-inputpath-params.html",
    "AWS Step Functions applies the InputPath field first, and then the Parameters field.")
_PARAMETERS = Citation(
    f"{_DG}/input-output-inputpath-params.html",
    "For key-value pairs where the value is selected using a path, the key name must end in .$.")
_PARAMETER_PATH = Citation(
    f"{_DG}/concepts-error-handling.html",
    "This error occurs when within a state's Parameters field, an attempt to replace a field whose name ends in "
    ".$ using a path fails.")
_RESULT_SELECTOR = Citation(
    f"{_DG}/input-output-inputpath-params.html",
    "Use the ResultSelector field to manipulate a state's result before ResultPath is applied.")
_RESULT_PATH = Citation(
    f"{_DG}/input-output-resultpath.html",
    "If you set ResultPath to null, it will pass the original input to the output.")
_RESULT_PATH_FAIL = Citation(
    f"{_DG}/concepts-error-handling.html",
    "A state's ResultPath field cannot be applied to the input the state received.")
_OUTPUT_PATH = Citation(
    f"{_DG}/input-output-outputpath.html",
    "If you don't specify an OutputPath the default value is $.")
_INPUT_OUTPUT_RUNTIME = Citation(
    f"{_DG}/concepts-error-handling.html",
    "Often these are caused by errors at runtime, such as attempting to apply InputPath or OutputPath on a null "
    "JSON payload.")
_PROVIDER = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-"
    "statemachine.html",
    "When you provide the logical ID of this resource to the Ref intrinsic function, Ref returns the ARN of the "
    "created state machine.")

#: What a Lambda task calls: ``invoke(account, region, function_arn, payload) -> payload``.
Invoke = Callable[[str, str, str, Any], Any]

RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED = "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"
_LAMBDA_INVOKE_ARN = "arn:aws:states:::lambda:invoke"
_NAME_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
_COMMON = {"Type", "Comment", "Next", "End", "InputPath", "OutputPath"}
_FIELDS: dict[str, set[str]] = {
    "Task": _COMMON | {"Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "TimeoutSeconds",
                       "HeartbeatSeconds"},
    "Pass": _COMMON | {"Result", "Parameters", "ResultPath"},
    "Choice": {"Type", "Comment", "InputPath", "OutputPath", "Choices", "Default"},
    "Wait": _COMMON | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Succeed": {"Type", "Comment", "InputPath", "OutputPath"},
    "Fail": {"Type", "Comment", "Error", "ErrorPath", "Cause", "CausePath"},
}
_TOP = {"StartAt", "States", "TimeoutSeconds", "Comment", "Version"}
_RETRIER = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate"}
_CATCHER = {"ErrorEquals", "ResultPath", "Next"}
_RULE_OPERATORS = {"StringEquals": str, "BooleanEquals": bool}
#: Errors no Retry or Catch handles: the execution fails.
_TERMINAL = {"States.Runtime", "States.DataLimitExceeded"}


class FunctionError(Exception):
    """A Lambda function error: the handler raised; Step Functions names the error by its ``errorType``."""

    def __init__(self, error_type: str, message: str = "") -> None:
        if not isinstance(error_type, str) or not error_type:
            raise TypeError(f"FunctionError(error_type={error_type!r}) must be a non-empty string")
        super().__init__(f"{error_type}: {message}")
        self.error_type, self.message = error_type, message

    def cause(self) -> str:
        """The cause Step Functions reports: the function's error payload as a JSON string."""
        return _dumps({"errorMessage": self.message, "errorType": self.error_type})


class _StateError(Exception):
    """An error a state reports (its name and cause); Retry and Catch may handle it."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error, self.cause = error, cause


@dataclass
class StateVisit:
    """One state entered (and, once it is, exited) in an execution, at simulated seconds since the start."""

    name: str
    type: str
    entered: float
    exited: float | None = None


@dataclass
class StateMachine:
    """A Standard state machine: its parsed definition and role."""

    arn: str
    name: str
    account: str
    region: str
    definition: dict[str, Any]
    role_arn: str
    created: float


@dataclass
class Execution:
    """One execution of a state machine, with its ground truth."""

    arn: str
    name: str
    machine: StateMachine
    definition: dict[str, Any]
    input_text: str
    started: float
    status: str = RUNNING
    stopped: float | None = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    #: Every state entered, with the simulated times it was entered and exited.
    visits: list[StateVisit] = field(default_factory=list)
    #: (simulated seconds, status) each time the status changed, starting with RUNNING.
    transitions: list[tuple[float, str]] = field(default_factory=list)
    #: History events as GetExecutionHistory returns them (payloads kept as values, serialized on read).
    history: list[dict[str, Any]] = field(default_factory=list)
    _pending: Event | None = field(default=None, repr=False)
    _timeout: Event | None = field(default=None, repr=False)

    @property
    def states(self) -> list[str]:
        """The names of the states entered, in order."""
        return [v.name for v in self.visits]


class FakeStepFunctions:
    """Step Functions for every account and region of a simulated world, on its scheduler.

    Parameters
    ----------
    scheduler:
        The world's scheduler (its clock is the world's).
    invoke:
        ``invoke(account, region, function_arn, payload) -> payload``: runs a Lambda function; raises
        :class:`FunctionError` for a function error, ``AwsError`` for a Lambda service error.
    task_latency:
        Seconds from a Lambda task's start (when the function runs) to its completion.  Default 0.3.
    history_full_error:
        The error an execution fails with when its history reaches 25,000 events (AWS documents the failure,
        not its name).  Default ``States.Runtime``.
    stop_closed:
        What ``StopExecution`` of an execution that already ended does (AWS does not say): ``"ignore"``
        (answer its stop date, change nothing; the default) or ``"refuse"`` (``ValidationException``).
    """

    def __init__(self, scheduler: Scheduler, *, invoke: Invoke, task_latency: float = 0.3,
                 history_full_error: str = "States.Runtime", stop_closed: str = "ignore") -> None:
        if not isinstance(scheduler, Scheduler):
            raise TypeError(f"scheduler={scheduler!r} must be a seawall.sim.clock.Scheduler")
        if not callable(invoke):
            raise TypeError(f"invoke={invoke!r} must be callable(account, region, function_arn, payload)")
        if isinstance(task_latency, bool) or not isinstance(task_latency, (int, float)) or task_latency < 0:
            raise ValueError(f"task_latency={task_latency!r} must be a number of seconds >= 0")
        if stop_closed not in ("ignore", "refuse"):
            raise ValueError(f"stop_closed={stop_closed!r} must be 'ignore' or 'refuse'")
        self.scheduler, self.clock = scheduler, scheduler.clock
        self.invoke, self.task_latency = invoke, float(task_latency)
        self.history_full_error, self.stop_closed = history_full_error, stop_closed
        self.machines: dict[str, StateMachine] = {}
        #: Every execution started, in order (ground truth).
        self.executions: list[Execution] = []
        self._by_arn: dict[str, Execution] = {}
        self._ids = itertools.count(1)
        #: The execution whose Lambda task is running right now (None between tasks): who acts, for ground truth.
        self.current: Execution | None = None

    # ------------------------------------------------------------------ the resource provider

    @cites(_PROVIDER, _UPDATE)
    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        """CloudFormation creates an ``AWS::StepFunctions::StateMachine``: returns its ARN and attributes."""
        name, definition, role = self._properties(stack, logical_id, properties)
        arn = f"arn:aws:states:{region}:{account}:stateMachine:{name}"
        if arn in self.machines:
            raise AwsError("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
        self.machines[arn] = StateMachine(arn, name, account, region, definition, role, self.clock.seconds)
        return arn, {"Arn": arn, "Name": name}

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        """A new name replaces the machine; otherwise the new definition serves executions started from now."""
        name, definition, role = self._properties(stack, logical_id, properties)
        machine = self.machines[physical_id]
        if name != machine.name:
            return self.create(account=account, region=region, stack=stack, logical_id=logical_id,
                               properties=properties)
        machine.definition, machine.role_arn = definition, role
        return physical_id, {"Arn": physical_id, "Name": name}

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        running = [e.name for e in self.executions if e.machine.arn == physical_id and e.status == RUNNING]
        if running:
            raise Unmodelled(f"deleting state machine {physical_id} with running executions {running}")
        self.machines.pop(physical_id, None)

    def _properties(self, stack: str, logical_id: str,
                    props: Mapping[str, Any]) -> tuple[str, dict[str, Any], str]:
        known = {"DefinitionString", "Definition", "StateMachineName", "StateMachineType", "RoleArn",
                 "LoggingConfiguration", "TracingConfiguration", "Tags"}
        extra = sorted(set(props) - known)
        if extra:
            raise Unmodelled(f"{logical_id}: AWS::StepFunctions::StateMachine properties {extra}")
        kind = props.get("StateMachineType", "STANDARD")
        if kind != "STANDARD":
            raise Unmodelled(f"{logical_id}: StateMachineType {kind} (only STANDARD is simulated)")
        if "RoleArn" not in props:
            raise AwsError("ValidationError", f"{logical_id}: Property RoleArn cannot be empty.")
        text = props.get("DefinitionString")
        if text is None and "Definition" in props:
            text = json.dumps(props["Definition"])
        if not isinstance(text, str):
            raise AwsError("InvalidDefinition", f"{logical_id}: DefinitionString must be resolved to a string, "
                                                f"got {type(text).__name__}")
        try:
            definition = json.loads(text)
        except json.JSONDecodeError as e:
            raise AwsError("InvalidDefinition", f"{logical_id}: the definition is not JSON: {e}") from e
        check_definition(definition, where=logical_id)
        name = props.get("StateMachineName") or f"{logical_id}-{next(self._ids):012d}"
        _check_name(str(name), "StateMachineName")
        return str(name), definition, str(props["RoleArn"])

    # ------------------------------------------------------------------ the API

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        return dispatch(self, "Step Functions", operation, params, account, region)

    def _machine(self, arn: str, account: str, region: str) -> StateMachine:
        if not arn.startswith("arn:aws:states:") or ":stateMachine:" not in arn:
            raise AwsError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        machine = self.machines.get(arn)
        if machine is None or (machine.account, machine.region) != (account, region):
            raise AwsError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return machine

    def execution(self, arn: str, account: str | None = None, region: str | None = None) -> Execution:
        """The execution `arn` names (in `account` and `region`, when given)."""
        if not arn.startswith("arn:aws:states:") or ":execution:" not in arn:
            raise AwsError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
        found = self._by_arn.get(arn)
        if found is None or (account is not None and (found.machine.account, found.machine.region)
                             != (account, region)):
            raise AwsError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return found

    @cites(_START_NAME, _START_IDEMPOTENT, _START_CLOSED_NAME, _INPUT_SIZE, _INPUT_JSON, _NAMES)
    def _op_StartExecution(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        machine = self._machine(p["stateMachineArn"], account, region)
        name = p.get("name") or f"{next(self._ids):08d}-0000-4000-8000-{len(self.executions):012d}"
        _check_name(name, "name")
        text = p.get("input", "{}")
        if len(text.encode()) > MAX_STATE_PAYLOAD_BYTES:
            raise AwsError("ValidationException", f"1 validation error detected: Value at 'input' failed to "
                                                  f"satisfy constraint: Member must have length less than or "
                                                  f"equal to {MAX_STATE_PAYLOAD_BYTES}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise AwsError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{e}'") from e
        arn = f"arn:aws:states:{region}:{account}:execution:{machine.name}:{name}"
        existing = self._by_arn.get(arn)
        if existing is not None:
            if existing.status == RUNNING and existing.input_text == text:
                return {"executionArn": arn, "startDate": self.clock.at(existing.started)}
            raise AwsError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
        ex = Execution(arn, name, machine, machine.definition, text, self.clock.seconds)
        self.executions.append(ex)
        self._by_arn[arn] = ex
        ex.transitions.append((ex.started, RUNNING))
        self._event(ex, "ExecutionStarted", "executionStartedEventDetails",
                    {"input": _Json(value), "inputDetails": {"truncated": False}, "roleArn": machine.role_arn})
        timeout = ex.definition.get("TimeoutSeconds")
        if timeout is not None:
            ex._timeout = self.scheduler.at(ex.started + timeout, lambda: self._time_out(ex),
                                            f"sfn timeout {name}")
        start = ex.definition["StartAt"]
        ex._pending = self.scheduler.at(ex.started, lambda: self._run(ex, start, value), f"sfn {name} start")
        return {"executionArn": arn, "startDate": self.clock.at(ex.started)}

    @cites(_DESCRIBE)
    def _op_DescribeExecution(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        ex = self.execution(p["executionArn"], account, region)
        out: dict[str, Any] = {"executionArn": ex.arn, "stateMachineArn": ex.machine.arn, "name": ex.name,
                               "status": ex.status, "startDate": self.clock.at(ex.started), "input": ex.input_text,
                               "inputDetails": {"included": True}}
        if ex.stopped is not None:
            out["stopDate"] = self.clock.at(ex.stopped)
        if ex.status == SUCCEEDED:
            out["output"] = json.dumps(ex.output, separators=(",", ":"))
            out["outputDetails"] = {"included": True}
        if ex.error is not None:
            out["error"] = ex.error
        if ex.cause is not None:
            out["cause"] = ex.cause
        return out

    @cites(_STOP, _NO_CATCH_AT_TOP)
    def _op_StopExecution(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        ex = self.execution(p["executionArn"], account, region)
        if ex.status != RUNNING:
            if self.stop_closed == "refuse":
                raise AwsError("ValidationException", f"Execution {ex.arn} is not running ({ex.status})")
            return {"stopDate": self.clock.at(ex.stopped if ex.stopped is not None else self.clock.seconds)}
        details = {k: p[k] for k in ("error", "cause") if k in p}
        self._end(ex, ABORTED, "ExecutionAborted", "executionAbortedEventDetails", details,
                  error=p.get("error"), cause=p.get("cause"))
        return {"stopDate": self.clock.at(self.clock.seconds)}

    @cites(_HISTORY_API)
    def _op_GetExecutionHistory(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        ex = self.execution(p["executionArn"], account, region)
        size = p.get("maxResults") or 100
        if not 0 <= size <= 1000:
            raise AwsError("ValidationException", f"maxResults={size} must be 0 to 1000")
        size = size or 100
        start = int(p.get("nextToken") or 0)
        events = list(reversed(ex.history)) if p.get("reverseOrder") else ex.history
        page = events[start:start + size]
        with_data = p.get("includeExecutionData", True)
        out: dict[str, Any] = {"events": [_render(e, with_data) for e in page]}
        if start + size < len(events):
            out["nextToken"] = str(start + size)
        return out

    # ------------------------------------------------------------------ the interpreter

    def _event(self, ex: Execution, kind: str, key: str | None = None, details: dict[str, Any] | None = None) -> bool:
        """Append a history event; False (and the execution failed) when the history is full."""
        number = len(ex.history) + 1
        event: dict[str, Any] = {"timestamp": self.clock.now(), "type": kind, "id": number,
                                 "previousEventId": number - 1}
        if key is not None:
            event[key] = details or {}
        ex.history.append(event)
        if len(ex.history) >= MAX_HISTORY_EVENTS - 1 and ex.status == RUNNING:
            self._history_full(ex)
            return False
        return True

    @cites(_HISTORY_LIMIT)
    def _history_full(self, ex: Execution) -> None:
        cause = f"The execution reached the maximum number of history events ({MAX_HISTORY_EVENTS})."
        self._end(ex, FAILED, "ExecutionFailed", "executionFailedEventDetails",
                  {"error": self.history_full_error, "cause": cause}, error=self.history_full_error, cause=cause)

    def _end(self, ex: Execution, status: str, kind: str, key: str, details: dict[str, Any], *,
             error: str | None = None, cause: str | None = None, output: Any = None) -> None:
        if ex.status != RUNNING:
            return
        ex.status, ex.stopped, ex.error, ex.cause, ex.output = status, self.clock.seconds, error, cause, output
        ex.transitions.append((self.clock.seconds, status))
        for pending in (ex._pending, ex._timeout):
            if pending is not None:
                pending.cancel()
        ex._pending = ex._timeout = None
        if ex.visits and ex.visits[-1].exited is None and status in (ABORTED, TIMED_OUT):
            ex.visits[-1].exited = self.clock.seconds
        ex.history.append({"timestamp": self.clock.now(), "type": kind, "id": len(ex.history) + 1,
                           "previousEventId": len(ex.history), key: details})

    @cites(_EXEC_TIMEOUT, _NO_CATCH_AT_TOP)
    def _time_out(self, ex: Execution) -> None:
        """The execution's TimeoutSeconds passed: TIMED_OUT, whatever state it is in; no Catch runs."""
        cause = f"The execution ran longer than its TimeoutSeconds ({ex.definition['TimeoutSeconds']})."
        self._end(ex, TIMED_OUT, "ExecutionTimedOut", "executionTimedOutEventDetails",
                  {"error": "States.Timeout", "cause": cause}, error="States.Timeout", cause=cause)

    def _run(self, ex: Execution, name: str, value: Any) -> None:
        """Run states from `name` until one needs time (then it scheduled an event) or the execution ends."""
        ex._pending = None
        while ex.status == RUNNING:
            state = ex.definition["States"][name]
            kind = state["Type"]
            visit = StateVisit(name, kind, self.clock.seconds)
            ex.visits.append(visit)
            if not self._event(ex, f"{kind}StateEntered", "stateEnteredEventDetails",
                               {"name": name, "input": _Json(value), "inputDetails": {"truncated": False}}):
                return
            try:
                if kind == "Task":
                    self._task(ex, name, state, value, visit)
                    return
                if kind == "Wait":
                    self._wait(ex, name, state, value, visit)
                    return
                if kind == "Fail":
                    self._fail_state(ex, state, value)
                    return
                if kind == "Choice":
                    nxt, out = self._choice(state, value)
                elif kind == "Pass":
                    nxt, out = state.get("Next"), self._pass(state, value)
                else:  # Succeed
                    nxt, out = None, _output(state, _input(state, value))
            except _StateError as e:
                self._state_failed(ex, e)
                return
            if not self._exit(ex, visit, out):
                return
            if nxt is None:
                self._succeed(ex, out)
                return
            name, value = nxt, out

    def _exit(self, ex: Execution, visit: StateVisit, out: Any) -> bool:
        visit.exited = self.clock.seconds
        return self._event(ex, f"{visit.type}StateExited", "stateExitedEventDetails",
                           {"name": visit.name, "output": _Json(out), "outputDetails": {"truncated": False}})

    def _leave(self, ex: Execution, visit: StateVisit, state: Mapping[str, Any], out: Any) -> None:
        """A state that took time is done: exit it, then end the execution or run the next state."""
        if self._exit(ex, visit, out):
            if state.get("End"):
                self._succeed(ex, out)
            else:
                self._run(ex, state["Next"], out)

    def _succeed(self, ex: Execution, out: Any) -> None:
        self._end(ex, SUCCEEDED, "ExecutionSucceeded", "executionSucceededEventDetails",
                  {"output": _Json(out), "outputDetails": {"truncated": False}}, output=out)

    @cites(_DEFAULT_FAIL, _RUNTIME)
    def _state_failed(self, ex: Execution, e: _StateError) -> None:
        """An error no Retry or Catch handled fails the execution."""
        self._end(ex, FAILED, "ExecutionFailed", "executionFailedEventDetails", {"error": e.error, "cause": e.cause},
                  error=e.error, cause=e.cause)

    @cites(_FAIL)
    def _fail_state(self, ex: Execution, state: Mapping[str, Any], value: Any) -> None:
        error, cause = state.get("Error"), state.get("Cause")
        if "ErrorPath" in state:
            error = _string_at(value, state["ErrorPath"], "ErrorPath")
        if "CausePath" in state:
            cause = _string_at(value, state["CausePath"], "CausePath")
        details = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
        self._end(ex, FAILED, "ExecutionFailed", "executionFailedEventDetails", details, error=error, cause=cause)

    @cites(_CHOICE, _NO_CHOICE)
    def _choice(self, state: Mapping[str, Any], value: Any) -> tuple[str, Any]:
        effective = _input(state, value)
        for rule in state["Choices"]:
            variable = _select(effective, rule["Variable"], "States.Runtime", "Choice Variable")
            op = next(k for k in rule if k in _RULE_OPERATORS)
            if type(variable) is _RULE_OPERATORS[op] and variable == rule[op]:
                return rule["Next"], _output(state, effective)
        if "Default" in state:
            return state["Default"], _output(state, effective)
        raise _StateError("States.NoChoiceMatched", f"No Matches! (input {_dumps(effective)[:200]})")

    @cites(_PASS)
    def _pass(self, state: Mapping[str, Any], value: Any) -> Any:
        effective = _input(state, value)
        result = state["Result"] if "Result" in state else effective
        if "Parameters" in state:
            result = _parameters(state["Parameters"], effective)
        return _output(state, _result_path(value, state, result))

    @cites(_WAIT, _TIMESTAMP)
    def _wait(self, ex: Execution, name: str, state: Mapping[str, Any], value: Any, visit: StateVisit) -> None:
        effective = _input(state, value)
        if "Seconds" in state or "SecondsPath" in state:
            seconds = state["Seconds"] if "Seconds" in state else _select(effective, state["SecondsPath"],
                                                                           "States.Runtime", "SecondsPath")
            if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
                raise _StateError("States.Runtime", f"The SecondsPath parameter of state '{name}' does not point "
                                                    f"to a valid non-negative integer value: {seconds!r}")
            until = self.clock.seconds + seconds
        else:
            stamp = state["Timestamp"] if "Timestamp" in state else _select(effective, state["TimestampPath"],
                                                                             "States.Runtime", "TimestampPath")
            until = self.clock.since_start(_timestamp(stamp, name))
        out = _output(state, effective)

        def done() -> None:
            ex._pending = None
            self._leave(ex, visit, state, out)

        ex._pending = self.scheduler.at(until, done, f"sfn {ex.name} {name}")

    # ------------------------------------------------------------------ tasks, retries and catches

    @cites(_LAMBDA_TASK, _LAMBDA_INVOKE, _LAMBDA_ERROR_NAME, _LAMBDA_SERVICE_ERRORS, _TASK_TIMEOUT, _HEARTBEAT)
    def _task(self, ex: Execution, name: str, state: Mapping[str, Any], value: Any, visit: StateVisit,
              attempts: dict[int, int] | None = None) -> None:
        """Invoke the function now; complete (or time out) later; then retry, catch or go on."""
        attempts = attempts if attempts is not None else {}
        resource = state["Resource"]
        integrated = resource == _LAMBDA_INVOKE_ARN
        try:
            effective = _input(state, value)
            payload = _parameters(state["Parameters"], effective) if "Parameters" in state else effective
            _check_size(payload, f"the input of state '{name}' after Parameters")
        except _StateError as e:
            self._task_error(ex, name, state, value, visit, e, attempts)
            return
        function = payload["FunctionName"] if integrated else resource
        body = payload.get("Payload") if integrated else payload
        limit = min(state.get("TimeoutSeconds", 99999999), state.get("HeartbeatSeconds", 99999999))
        scheduled: tuple[str, str | None, dict[str, Any] | None]
        started: tuple[str, str | None, dict[str, Any] | None]
        if integrated:
            scheduled = ("TaskScheduled", "taskScheduledEventDetails",
                         {"resourceType": "lambda", "resource": "invoke", "region": ex.machine.region,
                          "parameters": _Json(payload)})
            started = ("TaskStarted", "taskStartedEventDetails", {"resourceType": "lambda", "resource": "invoke"})
        else:
            scheduled = ("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails",
                         {"resource": resource, "input": _Json(payload), "inputDetails": {"truncated": False}})
            started = ("LambdaFunctionStarted", None, None)
        if not (self._event(ex, *scheduled) and self._event(ex, *started)):
            return
        outcome: tuple[str, Any]
        try:
            self.current = ex
            result = self.invoke(ex.machine.account, ex.machine.region, str(function), body)
            if integrated:
                result = {"ExecutedVersion": "$LATEST", "Payload": result,
                          "SdkHttpMetadata": {"HttpStatusCode": 200}, "StatusCode": 200}
            outcome = ("ok", result)
        except FunctionError as e:
            outcome = ("error", _StateError(e.error_type, e.cause()))
        except AwsError as e:
            outcome = ("error", _StateError(f"Lambda.{e.code}", e.message))
        finally:
            self.current = None
        if self.task_latency > limit:
            outcome = ("error", _StateError("States.Timeout", f"The task of state '{name}' ran longer than "
                                                              f"{limit} seconds."))
        delay = min(self.task_latency, float(limit))

        def complete() -> None:
            ex._pending = None
            kind, got = outcome
            if kind == "error":
                error: _StateError = got
                timed_out = error.error == "States.Timeout"
                if integrated:
                    ok = self._event(ex, "TaskTimedOut" if timed_out else "TaskFailed",
                                     "taskTimedOutEventDetails" if timed_out else "taskFailedEventDetails",
                                     {"resourceType": "lambda", "resource": "invoke", "error": error.error,
                                      "cause": error.cause})
                else:
                    ok = self._event(ex, "LambdaFunctionTimedOut" if timed_out else "LambdaFunctionFailed",
                                     "lambdaFunctionTimedOutEventDetails" if timed_out
                                     else "lambdaFunctionFailedEventDetails", {"error": error.error,
                                                                               "cause": error.cause})
                if ok:
                    self._task_error(ex, name, state, value, visit, error, attempts)
                return
            if integrated:
                ok = self._event(ex, "TaskSucceeded", "taskSucceededEventDetails",
                                 {"resourceType": "lambda", "resource": "invoke", "output": _Json(got),
                                  "outputDetails": {"truncated": False}})
            else:
                ok = self._event(ex, "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails",
                                 {"output": _Json(got), "outputDetails": {"truncated": False}})
            if not ok:
                return
            try:
                _check_size(got, f"the result of state '{name}'")
                selected = _parameters(state["ResultSelector"], got) if "ResultSelector" in state else got
                out = _output(state, _result_path(value, state, selected))
                _check_size(out, f"the output of state '{name}'")
            except _StateError as e:
                self._task_error(ex, name, state, value, visit, e, attempts)
                return
            self._leave(ex, visit, state, out)

        ex._pending = self.scheduler.after(delay, complete, f"sfn {ex.name} {name}")

    @cites(_RETRY, _RETRY_ATTEMPTS, _BACKOFF, _CATCH, _CATCH_RESULT_PATH, _ALL, _TASK_FAILED, _DATA_LIMIT)
    def _task_error(self, ex: Execution, name: str, state: Mapping[str, Any], value: Any, visit: StateVisit,
                    error: _StateError, attempts: dict[int, int]) -> None:
        """Retry with the first matching retrier while it has attempts left, else the first matching catcher."""
        if error.error not in _TERMINAL:
            for index, retrier in enumerate(state.get("Retry", [])):
                if not _matches(retrier["ErrorEquals"], error.error):
                    continue
                done = attempts.get(index, 0)
                if done < retrier.get("MaxAttempts", 3):
                    attempts[index] = done + 1
                    interval = retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** done
                    ex._pending = self.scheduler.after(
                        interval, lambda: self._task(ex, name, state, value, visit, attempts),
                        f"sfn {ex.name} {name} retry")
                    return
                break  # the first matching retrier is spent: normal error handling resumes
            for catcher in state.get("Catch", []):
                if _matches(catcher["ErrorEquals"], error.error):
                    info = {"Error": error.error, "Cause": error.cause}
                    try:
                        out = _result_path(value, catcher, info)
                    except _StateError as e:
                        self._state_failed(ex, e)
                        return
                    if self._exit(ex, visit, out):
                        self._run(ex, catcher["Next"], out)
                    return
        self._state_failed(ex, error)


# ---------------------------------------------------------------------- definitions


def check_definition(definition: Any, *, where: str = "definition") -> None:
    """Refuse a definition AWS would refuse (``InvalidDefinition``) or one this interpreter does not model."""
    if not isinstance(definition, dict):
        raise AwsError("InvalidDefinition", f"{where}: the definition must be a JSON object")
    extra = sorted(set(definition) - _TOP)
    if extra:
        raise Unmodelled(f"{where}: top-level fields {extra} are not simulated")
    states = definition.get("States")
    if not isinstance(states, dict) or not states:
        raise AwsError("InvalidDefinition", f"{where}: States must be a non-empty object")
    if definition.get("StartAt") not in states:
        raise AwsError("InvalidDefinition", f"{where}: StartAt {definition.get('StartAt')!r} is not a state")
    _positive(definition, "TimeoutSeconds", where)

    def target(name: Any, field_: str, state: str) -> None:
        if name not in states:
            raise AwsError("InvalidDefinition", f"{where}: state {state!r}: {field_} {name!r} is not a state")

    for name, state in states.items():
        if not isinstance(state, dict) or state.get("Type") not in _FIELDS:
            kind = state.get("Type") if isinstance(state, dict) else state
            raise Unmodelled(f"{where}: state {name!r} has type {kind!r}; simulated types are {sorted(_FIELDS)}")
        kind = state["Type"]
        extra = sorted(set(state) - _FIELDS[kind])
        if extra:
            raise Unmodelled(f"{where}: {kind} state {name!r} uses {extra}, which the simulation does not model")
        for path_field in ("InputPath", "OutputPath", "ResultPath", "SecondsPath", "TimestampPath", "ErrorPath",
                           "CausePath"):
            if state.get(path_field) is not None and path_field in state:
                _parse_path(state[path_field], f"{where}: state {name!r} {path_field}")
        for params_field in ("Parameters", "ResultSelector"):
            if params_field in state:
                _check_template(state[params_field], f"{where}: state {name!r} {params_field}")
        if kind in ("Task", "Pass", "Wait"):
            if state.get("End") is True:
                if "Next" in state:
                    raise AwsError("InvalidDefinition", f"{where}: state {name!r} has both Next and End")
            else:
                target(state.get("Next"), "Next", name)
        if kind == "Task":
            _check_task(state, name, where)
            for catcher in state.get("Catch", []):
                target(catcher.get("Next"), "Catch Next", name)
        elif kind == "Choice":
            if not state.get("Choices"):
                raise AwsError("InvalidDefinition", f"{where}: Choice state {name!r} needs a non-empty Choices")
            for rule in state["Choices"]:
                _check_rule(rule, name, where)
                target(rule.get("Next"), "Choice Next", name)
            if "Default" in state:
                target(state["Default"], "Default", name)
        elif kind == "Wait":
            given = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in state]
            if len(given) != 1:
                raise AwsError("InvalidDefinition", f"{where}: Wait state {name!r} needs exactly one of Seconds, "
                                                    f"SecondsPath, Timestamp, TimestampPath (has {given})")
            if "Seconds" in state and (isinstance(state["Seconds"], bool) or not isinstance(state["Seconds"], int)
                                       or state["Seconds"] < 0):
                raise AwsError("InvalidDefinition", f"{where}: Wait state {name!r}: Seconds must be an integer "
                                                    f">= 0, got {state['Seconds']!r}")
            if "Timestamp" in state:
                _timestamp(state["Timestamp"], name, definition_error=True)
        elif kind == "Fail":
            for a, b in (("Error", "ErrorPath"), ("Cause", "CausePath")):
                if a in state and b in state:
                    raise AwsError("InvalidDefinition", f"{where}: Fail state {name!r} has both {a} and {b}")


def _check_task(state: Mapping[str, Any], name: str, where: str) -> None:
    resource = state.get("Resource")
    if resource == _LAMBDA_INVOKE_ARN:
        params = state.get("Parameters")
        keys = {k[:-2] if k.endswith(".$") else k for k in (params or {})}
        if not isinstance(params, dict) or "FunctionName" not in keys:
            raise AwsError("InvalidDefinition", f"{where}: Task {name!r} on {resource} needs Parameters with "
                                                f"FunctionName")
        extra = sorted(keys - {"FunctionName", "Payload"})
        if extra:
            raise Unmodelled(f"{where}: Task {name!r}: lambda:invoke parameters {extra} are not simulated")
    elif not (isinstance(resource, str) and re.fullmatch(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+",
                                                          resource)):
        raise Unmodelled(f"{where}: Task {name!r} resource {resource!r}: only Lambda function ARNs and "
                         f"{_LAMBDA_INVOKE_ARN} are simulated")
    for key in ("TimeoutSeconds", "HeartbeatSeconds"):
        _positive(state, key, f"{where}: Task {name!r}")
    retriers = state.get("Retry", [])
    for i, retrier in enumerate(retriers):
        extra = sorted(set(retrier) - _RETRIER)
        if extra:
            raise Unmodelled(f"{where}: Task {name!r} retrier uses {extra}, which the simulation does not model")
        _check_errors(retrier.get("ErrorEquals"), last=i == len(retriers) - 1, what=f"{where}: Task {name!r} Retry")
        if retrier.get("BackoffRate", 2.0) < 1:
            raise AwsError("InvalidDefinition", f"{where}: Task {name!r}: BackoffRate must be >= 1.0")
        if retrier.get("MaxAttempts", 3) < 0 or retrier.get("IntervalSeconds", 1) < 1:
            raise AwsError("InvalidDefinition", f"{where}: Task {name!r}: MaxAttempts must be >= 0 and "
                                                f"IntervalSeconds >= 1")
    catchers = state.get("Catch", [])
    for i, catcher in enumerate(catchers):
        extra = sorted(set(catcher) - _CATCHER)
        if extra:
            raise Unmodelled(f"{where}: Task {name!r} catcher uses {extra}, which the simulation does not model")
        _check_errors(catcher.get("ErrorEquals"), last=i == len(catchers) - 1, what=f"{where}: Task {name!r} Catch")
        if catcher.get("ResultPath") is not None:
            _parse_path(catcher["ResultPath"], f"{where}: Task {name!r} Catch ResultPath")


def _check_errors(names: Any, *, last: bool, what: str) -> None:
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise AwsError("InvalidDefinition", f"{what}: ErrorEquals must be a non-empty list of error names")
    if "States.ALL" in names and (len(names) > 1 or not last):
        raise AwsError("InvalidDefinition", f"{what}: States.ALL must appear alone in the last ErrorEquals")


def _check_rule(rule: Any, name: str, where: str) -> None:
    if not isinstance(rule, dict):
        raise AwsError("InvalidDefinition", f"{where}: Choice {name!r}: a rule must be an object")
    ops = sorted(set(rule) - {"Variable", "Next", "Comment"})
    if len(ops) != 1 or ops[0] not in _RULE_OPERATORS:
        raise Unmodelled(f"{where}: Choice {name!r} uses {ops}; the simulation models only "
                         f"{sorted(_RULE_OPERATORS)} on a Variable")
    if type(rule[ops[0]]) is not _RULE_OPERATORS[ops[0]]:
        raise AwsError("InvalidDefinition", f"{where}: Choice {name!r}: {ops[0]} needs a "
                                            f"{_RULE_OPERATORS[ops[0]].__name__}, got {rule[ops[0]]!r}")
    _parse_path(rule.get("Variable"), f"{where}: Choice {name!r} Variable")


def _check_template(template: Any, where: str) -> None:
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$"):
                if not isinstance(value, str) or not value.startswith("$") or value.startswith("$$"):
                    raise Unmodelled(f"{where}: {key}={value!r}: only reference paths are simulated (no context "
                                     f"object, no intrinsic functions)")
                _parse_path(value, f"{where}: {key}")
            else:
                _check_template(value, where)
    elif isinstance(template, list):
        for item in template:
            _check_template(item, where)


def _positive(holder: Mapping[str, Any], key: str, where: str) -> None:
    if key in holder and (isinstance(holder[key], bool) or not isinstance(holder[key], int) or holder[key] < 1):
        raise AwsError("InvalidDefinition", f"{where}: {key} must be a positive integer, got {holder[key]!r}")


def _check_name(name: str, what: str) -> None:
    if not 1 <= len(name) <= 80 or _NAME_FORBIDDEN.search(name):
        raise AwsError("InvalidName", f"Invalid Name: '{name}' ({what} must be 1-80 characters without "
                                      f"whitespace, brackets, wildcards or special characters)")


# ---------------------------------------------------------------------- paths and data


_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\['([^'\]]*)'\]|\[(\d+)\]")


@cites(_PATHS)
def _parse_path(path: Any, where: str) -> tuple[str | int, ...]:
    """A reference path as its steps: object keys (str) and array indices (int)."""
    if not isinstance(path, str) or not path.startswith("$") or path.startswith("$$"):
        raise Unmodelled(f"{where}: {path!r} is not a reference path the simulation models ($, $.a.b, $['a'], "
                         f"$.a[0])")
    steps: list[str | int] = []
    pos = 1
    while pos < len(path):
        m = _STEP.match(path, pos)
        if m is None:
            raise Unmodelled(f"{where}: {path!r}: only reference paths are simulated (no filters, wildcards or "
                             f"slices)")
        steps.append(int(m.group(3)) if m.group(3) is not None else (m.group(1) or m.group(2)))
        pos = m.end()
    return tuple(steps)


def _select(value: Any, path: str, error: str, what: str) -> Any:
    node = value
    for step in _parse_path(path, what):
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
        elif isinstance(step, str) and isinstance(node, dict) and step in node:
            node = node[step]
        else:
            raise _StateError(error, f"Invalid path '{path}' ({what}): no results for path step {step!r} "
                                     f"in {_dumps(value)[:200]}")
    return node


@cites(_INPUT_OUTPUT_RUNTIME, _FILTERS)
def _input(state: Mapping[str, Any], value: Any) -> Any:
    if "InputPath" not in state:
        return value
    if state["InputPath"] is None:
        return {}
    return _select(value, state["InputPath"], "States.Runtime", "InputPath")


@cites(_OUTPUT_PATH)
def _output(state: Mapping[str, Any], value: Any) -> Any:
    if "OutputPath" not in state:
        return value
    if state["OutputPath"] is None:
        return {}
    return _select(value, state["OutputPath"], "States.Runtime", "OutputPath")


@cites(_PARAMETERS, _PARAMETER_PATH, _RESULT_SELECTOR)
def _parameters(template: Any, value: Any) -> Any:
    """Fill a Parameters or ResultSelector template: ``key.$`` takes the value at its path."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, item in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = _select(value, item, "States.ParameterPathFailure", f"Parameters {key}")
            else:
                out[key] = _parameters(item, value)
        return out
    if isinstance(template, list):
        return [_parameters(item, value) for item in template]
    return template


@cites(_RESULT_PATH, _RESULT_PATH_FAIL)
def _result_path(value: Any, holder: Mapping[str, Any], result: Any) -> Any:
    """Put `result` into a copy of `value` at ``ResultPath`` (default ``$``; null keeps the input)."""
    if "ResultPath" not in holder:
        return result
    path = holder["ResultPath"]
    if path is None:
        return value
    steps = _parse_path(path, "ResultPath")
    if not steps:
        return result

    def put(node: Any, rest: tuple[str | int, ...]) -> Any:
        step = rest[0]
        if isinstance(step, int) or not isinstance(node, dict):
            raise _StateError("States.ResultPathMatchFailure", f"Unable to apply ResultPath '{path}' to input "
                                                               f"{_dumps(value)[:200]}")
        copy = dict(node)
        copy[step] = result if len(rest) == 1 else put(node.get(step, {}), rest[1:])
        return copy

    return put(value, steps)


def _string_at(value: Any, path: str, what: str) -> str:
    found = _select(value, path, "States.Runtime", what)
    if not isinstance(found, str):
        raise _StateError("States.Runtime", f"{what} '{path}' must select a string, got {_dumps(found)[:200]}")
    return found


def _timestamp(stamp: Any, name: str, *, definition_error: bool = False) -> datetime:
    ok = isinstance(stamp, str) and re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", stamp)
    parsed = None
    if ok:
        try:
            parsed = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    if parsed is None:
        message = f"Wait state '{name}': {stamp!r} is not an RFC 3339 timestamp such as 2016-03-14T01:59:00Z"
        if definition_error:
            raise AwsError("InvalidDefinition", message)
        raise _StateError("States.Runtime", message)
    return parsed


def _matches(names: list[str], error: str) -> bool:
    return (error in names or "States.ALL" in names
            or ("States.TaskFailed" in names and error != "States.Timeout"))


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _check_size(value: Any, what: str) -> None:
    size = len(_dumps(value).encode())
    if size > MAX_STATE_PAYLOAD_BYTES:
        raise _StateError("States.DataLimitExceeded", f"{what} is {size} bytes, more than the "
                                                      f"{MAX_STATE_PAYLOAD_BYTES}-byte payload quota")


class _Json:
    """A payload kept as its value in the history and serialized only when the history is read."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _render(event: Mapping[str, Any], with_data: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in event.items():
        if isinstance(item, dict):
            out[key] = {k: (_dumps(v.value) if with_data else "") if isinstance(v, _Json) else v
                        for k, v in item.items() if with_data or not isinstance(v, _Json)}
        else:
            out[key] = item
    return out


__all__ = ["ABORTED", "FAILED", "RUNNING", "SUCCEEDED", "TIMED_OUT", "Execution", "FakeStepFunctions",
           "FunctionError", "Invoke", "StateMachine", "StateVisit", "check_definition"]
