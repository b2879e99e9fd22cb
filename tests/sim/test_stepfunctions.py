"""The Step Functions fake: each cited rule, the case AWS allows and the case it refuses, through real boto3 clients."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.sim.conformance import conforms

from seawall.model.limits import MAX_HISTORY_EVENTS, MAX_STATE_PAYLOAD_BYTES
from seawall.sim import FakeAws, Unmodelled
from seawall.sim.botocore_bridge import AwsError
from seawall.sim.clock import Scheduler
from seawall.sim.stepfunctions import Execution, FakeStepFunctions, FunctionError

ACCOUNT, REGION = "111111111111", "eu-west-1"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:work"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"


class World:
    """A scheduler, the fake, a Step Functions client, and a scripted function `work`."""

    def __init__(self, script: list[Any] | Callable[[Any], Any] | None = None, **kw: Any) -> None:
        self.aws = FakeAws()
        self.scheduler = Scheduler(self.aws.clock)
        self.calls: list[tuple[float, Any]] = []
        self.script = script if script is not None else []
        self.sfn = FakeStepFunctions(self.scheduler, invoke=self._invoke, **kw)
        self.aws.register("stepfunctions", self.sfn)
        self.client = self.aws.session(account=ACCOUNT, region=REGION).client("stepfunctions")

    def _invoke(self, account: str, region: str, arn: str, payload: Any) -> Any:
        assert (account, region, arn) == (ACCOUNT, REGION, FN)
        self.calls.append((self.aws.clock.seconds, payload))
        step = self.script(payload) if callable(self.script) else self.script[len(self.calls) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    def machine(self, definition: dict[str, Any], name: str | None = None) -> str:
        arn, _ = self.sfn.create(account=ACCOUNT, region=REGION, stack="s", logical_id="M",
                                 properties={"DefinitionString": json.dumps(definition), "RoleArn": ROLE,
                                             "StateMachineName": name or f"m{len(self.sfn.machines)}"})
        return arn

    def start(self, definition: dict[str, Any], payload: Any = None, **kw: Any) -> str:
        arn = self.machine(definition)
        return str(self.client.start_execution(stateMachineArn=arn, input=json.dumps(payload or {}),
                                               **kw)["executionArn"])

    def run(self, definition: dict[str, Any], payload: Any = None, until: float = 10**7) -> Execution:
        arn = self.start(definition, payload)
        self.scheduler.run(until=until)
        return self.sfn.execution(arn)


def task(**kw: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": FN, **({"End": True} if "Next" not in kw else {}), **kw}


def machine(**states: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


# ---------------------------------------------------------------------------- the resource provider


@conforms("seawall.sim.stepfunctions.FakeStepFunctions.create", "allowed")
def test_cloudformation_creates_a_machine_whose_ref_is_its_arn():
    w = World([{"ok": 1}])
    arn = w.machine(machine(A=task()), name="seawall-team-gate")
    assert arn == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:seawall-team-gate"
    ex = w.client.start_execution(stateMachineArn=arn, input="{}")
    w.scheduler.run(until=100)
    assert w.client.describe_execution(executionArn=ex["executionArn"])["status"] == "SUCCEEDED"


@conforms("seawall.sim.stepfunctions.FakeStepFunctions.create", "refused")
def test_cloudformation_refuses_an_express_machine_an_unmodelled_state_and_a_dangling_next():
    w = World()
    base = {"DefinitionString": json.dumps(machine(A=task())), "RoleArn": ROLE}
    with pytest.raises(Unmodelled, match="EXPRESS"):
        w.sfn.create(account=ACCOUNT, region=REGION, stack="s", logical_id="M",
                     properties={**base, "StateMachineType": "EXPRESS"})
    with pytest.raises(Unmodelled, match="'Map'"):
        w.machine(machine(A={"Type": "Map", "End": True}))
    with pytest.raises(Unmodelled, match="ItemSelector"):
        w.machine(machine(A={**task(), "ItemSelector": {}}))
    with pytest.raises(AwsError, match="InvalidDefinition.*'B' is not a state"):
        w.machine(machine(A=task(Next="B")))
    w.machine(machine(A=task()), name="same")
    with pytest.raises(AwsError, match="StateMachineAlreadyExists"):
        w.machine(machine(A=task()), name="same")


def test_an_update_serves_new_executions_and_running_ones_keep_their_definition():
    w = World(lambda payload: {"seen": payload})
    old = machine(W={"Type": "Wait", "Seconds": 10, "Next": "P"}, P={"Type": "Pass", "Result": "old", "End": True})
    arn = w.machine(old, "m")
    running = w.client.start_execution(stateMachineArn=arn)["executionArn"]
    new = machine(W={"Type": "Wait", "Seconds": 10, "Next": "P"}, P={"Type": "Pass", "Result": "new", "End": True})
    w.sfn.update(account=ACCOUNT, region=REGION, stack="s", logical_id="M", physical_id=arn,
                 properties={"DefinitionString": json.dumps(new), "RoleArn": ROLE, "StateMachineName": "m"},
                 old_properties={})
    fresh = w.client.start_execution(stateMachineArn=arn)["executionArn"]
    w.scheduler.run(until=100)
    assert w.sfn.execution(running).output == "old" and w.sfn.execution(fresh).output == "new"


# ---------------------------------------------------------------------------- the API


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._op_StartExecution", "allowed")
def test_start_with_the_same_name_and_input_while_open_answers_the_same_execution():
    w = World([{}])
    arn = w.machine(machine(W={"Type": "Wait", "Seconds": 60, "End": True}), "m")
    first = w.client.start_execution(stateMachineArn=arn, name="exec-1", input='{"a": 1}')
    again = w.client.start_execution(stateMachineArn=arn, name="exec-1", input='{"a": 1}')
    assert first["executionArn"] == again["executionArn"] and len(w.sfn.executions) == 1
    big = json.dumps({"x": "y" * (MAX_STATE_PAYLOAD_BYTES - 20)})
    assert len(big.encode()) <= MAX_STATE_PAYLOAD_BYTES
    w.client.start_execution(stateMachineArn=arn, name="exec-big", input=big)


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._op_StartExecution", "refused")
def test_start_refuses_a_name_in_use_bad_json_an_oversized_input_a_bad_name_and_a_missing_machine():
    w = World()
    arn = w.machine(machine(W={"Type": "Wait", "Seconds": 60, "End": True}), "m")
    w.client.start_execution(stateMachineArn=arn, name="exec-1", input='{"a": 1}')
    with pytest.raises(ClientError, match="ExecutionAlreadyExists"):
        w.client.start_execution(stateMachineArn=arn, name="exec-1", input='{"a": 2}')
    w.scheduler.run(until=100)
    with pytest.raises(ClientError, match="ExecutionAlreadyExists"):  # closed: refused whatever the input
        w.client.start_execution(stateMachineArn=arn, name="exec-1", input='{"a": 1}')
    with pytest.raises(ClientError, match="InvalidExecutionInput"):
        w.client.start_execution(stateMachineArn=arn, input="{not json")
    with pytest.raises(ClientError, match="ValidationException"):
        w.client.start_execution(stateMachineArn=arn, input=json.dumps({"x": "y" * MAX_STATE_PAYLOAD_BYTES}))
    with pytest.raises(ClientError, match="InvalidName"):
        w.client.start_execution(stateMachineArn=arn, name="has space")
    with pytest.raises(ClientError, match="StateMachineDoesNotExist"):
        w.client.start_execution(stateMachineArn=arn.replace(":m", ":other"))
    other = w.aws.session(account="222222222222", region=REGION).client("stepfunctions")
    with pytest.raises(ClientError, match="StateMachineDoesNotExist"):
        other.start_execution(stateMachineArn=arn)


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._op_DescribeExecution", "allowed")
def test_describe_gives_output_only_on_success_and_error_and_cause_on_failure():
    w = World([{"ok": True}])
    arn = w.start(machine(A=task()))
    assert w.client.describe_execution(executionArn=arn)["status"] == "RUNNING"
    w.scheduler.run(until=100)
    d = w.client.describe_execution(executionArn=arn)
    assert (d["status"], json.loads(d["output"]), "error" in d) == ("SUCCEEDED", {"ok": True}, False)
    assert d["stopDate"] > d["startDate"]
    w2 = World()
    arn2 = w2.start(machine(F={"Type": "Fail", "Error": "Bad", "Cause": "because"}))
    w2.scheduler.run(until=100)
    d2 = w2.client.describe_execution(executionArn=arn2)
    assert (d2["status"], d2["error"], d2["cause"], "output" in d2) == ("FAILED", "Bad", "because", False)


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._op_DescribeExecution", "refused")
def test_describe_of_an_unknown_execution_or_another_accounts_is_refused():
    w = World()
    arn = w.start(machine(F={"Type": "Fail"}))
    with pytest.raises(ClientError, match="ExecutionDoesNotExist"):
        w.client.describe_execution(executionArn=arn + "x")
    with pytest.raises(ClientError, match="InvalidArn"):
        w.client.describe_execution(executionArn="arn:aws:lambda:eu-west-1:111111111111:function:x")
    other = w.aws.session(account="222222222222", region=REGION).client("stepfunctions")
    with pytest.raises(ClientError, match="ExecutionDoesNotExist"):
        other.describe_execution(executionArn=arn)


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._op_StopExecution", "allowed")
def test_stop_aborts_a_running_execution_and_no_catch_runs():
    w = World([{}, {}])
    catching = machine(W={"Type": "Wait", "Seconds": 60, "Next": "A"},
                       A=task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Cleanup"}]),
                       Cleanup=task())
    arn = w.start(catching)
    w.scheduler.run(until=30)
    w.client.stop_execution(executionArn=arn, error="Stopped", cause="operator")
    w.scheduler.run(until=1000)
    ex = w.sfn.execution(arn)
    assert (ex.status, ex.error, ex.cause, ex.states, w.calls) == ("ABORTED", "Stopped", "operator", ["W"], [])
    assert ex.transitions == [(0.0, "RUNNING"), (30.0, "ABORTED")]


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._op_StopExecution", "refused")
def test_stop_of_an_execution_that_ended_changes_nothing_or_is_refused_as_configured():
    w = World([{}])
    arn = w.start(machine(A=task()))
    w.scheduler.run(until=100)
    w.client.stop_execution(executionArn=arn)
    assert w.sfn.execution(arn).status == "SUCCEEDED"
    with pytest.raises(ClientError, match="ExecutionDoesNotExist"):
        w.client.stop_execution(executionArn=arn + "x")
    strict = World([{}], stop_closed="refuse")
    arn2 = strict.start(machine(A=task()))
    strict.scheduler.run(until=100)
    with pytest.raises(ClientError, match="ValidationException"):
        strict.client.stop_execution(executionArn=arn2)


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._op_GetExecutionHistory", "allowed")
def test_history_pages_in_order_with_the_events_aws_logs_for_a_lambda_task():
    w = World([{"n": 1}])
    arn = w.start(machine(A=task(Next="C"), C={"Type": "Choice", "Choices": [
        {"Variable": "$.n", "BooleanEquals": True, "Next": "S"}], "Default": "S"}, S={"Type": "Succeed"}))
    w.scheduler.run(until=100)
    first = w.client.get_execution_history(executionArn=arn, maxResults=4)
    rest = w.client.get_execution_history(executionArn=arn, nextToken=first["nextToken"])
    kinds = [e["type"] for e in first["events"] + rest["events"]]
    assert kinds == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
                     "LambdaFunctionSucceeded", "TaskStateExited", "ChoiceStateEntered", "ChoiceStateExited",
                     "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"]
    assert [e["id"] for e in first["events"] + rest["events"]] == list(range(1, 12))
    assert json.loads(first["events"][2]["lambdaFunctionScheduledEventDetails"]["input"]) == {}
    newest = w.client.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=1)["events"][0]
    assert newest["type"] == "ExecutionSucceeded"


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._op_GetExecutionHistory", "refused")
def test_history_of_an_unknown_execution_is_refused():
    w = World()
    with pytest.raises(ClientError, match="ExecutionDoesNotExist"):
        w.client.get_execution_history(
            executionArn=f"arn:aws:states:{REGION}:{ACCOUNT}:execution:m:nope")
    with pytest.raises(ClientError, match="ValidationException"):
        arn = w.start(machine(F={"Type": "Fail"}))
        w.client.get_execution_history(executionArn=arn, maxResults=1001)


def test_unmodelled_operations_fail_loudly():
    w = World()
    with pytest.raises(Unmodelled, match="ListExecutions"):
        w.client.list_executions(stateMachineArn=w.machine(machine(F={"Type": "Fail"})))


# ---------------------------------------------------------------------------- execution-level rules


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._time_out", "allowed")
def test_an_execution_within_its_timeout_succeeds():
    w = World([{}])
    ex = w.run({**machine(W={"Type": "Wait", "Seconds": 59, "Next": "A"}, A=task()), "TimeoutSeconds": 60})
    assert ex.status == "SUCCEEDED" and ex.stopped == pytest.approx(59.3)


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._time_out", "refused")
def test_an_execution_past_its_timeout_is_timed_out_mid_wait_and_no_catch_runs():
    w = World([{}, {}])
    definition = {**machine(A=task(Next="W", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Cleanup"}]),
                            W={"Type": "Wait", "Seconds": 3600, "Next": "A2"},
                            A2=task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Cleanup"}]),
                            Cleanup=task()), "TimeoutSeconds": 600}
    ex = w.run(definition)
    assert (ex.status, ex.error, ex.stopped, ex.states, len(w.calls)) == ("TIMED_OUT", "States.Timeout", 600,
                                                                          ["A", "W"], 1)
    assert ex.history[-1]["type"] == "ExecutionTimedOut"


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._history_full", "allowed")
def test_an_execution_below_the_history_limit_runs_on():
    turns = 2_000  # 5 events a turn: 10,002 events in all
    w = World(lambda payload: {"n": payload["n"] + 1})
    loop = machine(A=task(Next="C"), C={"Type": "Choice", "Choices": [
        {"Variable": "$.done", "BooleanEquals": True, "Next": "S"}], "Default": "P"},
        P={"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "A"}, S={"Type": "Succeed"})
    w.script = lambda p: {"n": p["n"] + 1, "done": p["n"] + 1 >= turns}
    ex = w.run(loop, {"n": 0})
    assert ex.status == "SUCCEEDED" and len(ex.history) < MAX_HISTORY_EVENTS


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._history_full", "refused")
def test_an_execution_that_reaches_25000_history_events_fails():
    w = World(lambda payload: {"n": payload["n"] + 1, "done": False})
    loop = machine(A=task(Next="C"), C={"Type": "Choice", "Choices": [
        {"Variable": "$.done", "BooleanEquals": True, "Next": "S"}], "Default": "A"}, S={"Type": "Succeed"})
    ex = w.run(loop, {"n": 0})
    assert (ex.status, ex.error, len(ex.history)) == ("FAILED", "States.Runtime", MAX_HISTORY_EVENTS)
    assert ex.history[-1]["type"] == "ExecutionFailed"


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._state_failed", "allowed")
def test_an_error_a_catcher_handles_does_not_fail_the_execution():
    w = World([FunctionError("Boom", "x"), {}])
    ex = w.run(machine(A=task(Catch=[{"ErrorEquals": ["Boom"], "Next": "B"}]), B=task()))
    assert ex.status == "SUCCEEDED" and ex.states == ["A", "B"]


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._state_failed", "refused")
def test_an_unhandled_error_fails_the_execution_and_states_runtime_is_never_caught():
    w = World([FunctionError("Boom", "x")])
    ex = w.run(machine(A=task(Catch=[{"ErrorEquals": ["Other"], "Next": "B"}]), B=task()))
    assert (ex.status, ex.error, json.loads(ex.cause or "")) == ("FAILED", "Boom", {"errorMessage": "x",
                                                                                    "errorType": "Boom"})
    w2 = World([{}])
    ex2 = w2.run(machine(A=task(InputPath="$.missing", Retry=[{"ErrorEquals": ["States.ALL"]}],
                                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B"}]), B=task()))
    assert (ex2.status, ex2.error, ex2.states, w2.calls) == ("FAILED", "States.Runtime", ["A"], [])


# ---------------------------------------------------------------------------- states


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._fail_state", "allowed")
def test_fail_takes_error_and_cause_from_its_paths():
    w = World()
    ex = w.run(machine(F={"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.error.Cause"}),
               {"e": "SeawallGateError", "error": {"Cause": "why"}})
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "SeawallGateError", "why")


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._fail_state", "refused")
def test_fail_whose_cause_path_selects_no_string_is_a_runtime_error():
    w = World()
    ex = w.run(machine(F={"Type": "Fail", "Error": "E", "CausePath": "$.cause"}), {"cause": {"not": "a string"}})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    with pytest.raises(AwsError, match="both Cause and CausePath"):
        w.machine(machine(F={"Type": "Fail", "Cause": "c", "CausePath": "$.c"}), name="x")


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._choice", "allowed")
def test_choice_takes_the_first_matching_rule_in_order():
    rules = [{"Variable": "$.v", "StringEquals": "OPEN", "Next": "A"},
             {"Variable": "$.v", "StringEquals": "OPEN", "Next": "B"},
             {"Variable": "$.b", "BooleanEquals": True, "Next": "B"}]
    definition = machine(C={"Type": "Choice", "Choices": rules, "Default": "D"}, A={"Type": "Succeed"},
                         B={"Type": "Succeed"}, D={"Type": "Succeed"})
    assert World().run(definition, {"v": "OPEN", "b": True}).states == ["C", "A"]
    assert World().run(definition, {"v": "CLOSED", "b": True}).states == ["C", "B"]
    assert World().run(definition, {"v": "CLOSED", "b": "true"}).states == ["C", "D"]  # no type coercion


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._choice", "refused")
def test_choice_without_a_match_or_default_fails_and_unmodelled_operators_are_refused():
    w = World()
    ex = w.run(machine(C={"Type": "Choice", "Choices": [{"Variable": "$.v", "StringEquals": "x", "Next": "A"}]},
                       A={"Type": "Succeed"}), {"v": "y"})
    assert (ex.status, ex.error) == ("FAILED", "States.NoChoiceMatched")
    ex = w.run(machine(C={"Type": "Choice", "Choices": [{"Variable": "$.v", "StringEquals": "x", "Next": "A"}],
                          "Default": "A"}, A={"Type": "Succeed"}), {})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")  # the variable is not in the input
    with pytest.raises(Unmodelled, match="NumericEquals"):
        w.machine(machine(C={"Type": "Choice", "Choices": [{"Variable": "$.v", "NumericEquals": 1, "Next": "A"}]},
                          A={"Type": "Succeed"}), name="n")
    with pytest.raises(Unmodelled, match="And"):
        w.machine(machine(C={"Type": "Choice", "Choices": [{"And": [], "Next": "A"}]}, A={"Type": "Succeed"}),
                  name="a")


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._pass", "allowed")
def test_pass_applies_parameters_and_result_path():
    ex = World().run(machine(P={"Type": "Pass", "Parameters": {"fn.$": "$.shift.functions", "fixed": 1},
                                "ResultPath": "$.record", "End": True}), {"shift": {"functions": ["a"]}})
    assert ex.output == {"shift": {"functions": ["a"]}, "record": {"fn": ["a"], "fixed": 1}}


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._pass", "refused")
def test_pass_whose_parameter_path_is_missing_fails_with_parameter_path_failure():
    ex = World().run(machine(P={"Type": "Pass", "Parameters": {"fn.$": "$.shift.functions"}, "End": True}), {})
    assert (ex.status, ex.error) == ("FAILED", "States.ParameterPathFailure")


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._wait", "allowed")
def test_wait_for_seconds_from_the_input_and_until_a_timestamp():
    w = World([{}])
    ex = w.run(machine(W={"Type": "Wait", "SecondsPath": "$.wait", "Next": "T"},
                       T={"Type": "Wait", "Timestamp": "2027-03-02T09:00:00Z", "Next": "A"}, A=task()),
               {"wait": 120})
    assert [(v.name, v.entered, v.exited) for v in ex.visits] == [("W", 0, 120), ("T", 120, 3600),
                                                                   ("A", 3600, pytest.approx(3600.3))]
    assert w.calls[0][0] == 3600


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._wait", "refused")
def test_wait_on_a_non_integer_or_missing_seconds_path_fails_and_two_fields_are_refused():
    assert World().run(machine(W={"Type": "Wait", "SecondsPath": "$.wait", "End": True}),
                       {"wait": "soon"}).error == "States.Runtime"
    assert World().run(machine(W={"Type": "Wait", "SecondsPath": "$.wait", "End": True}),
                       {}).error == "States.Runtime"
    assert World().run(machine(W={"Type": "Wait", "TimestampPath": "$.t", "End": True}),
                       {"t": "2027-03-02 09:00"}).error == "States.Runtime"
    with pytest.raises(AwsError, match="exactly one"):
        World().machine(machine(W={"Type": "Wait", "Seconds": 1, "SecondsPath": "$.x", "End": True}))


# ---------------------------------------------------------------------------- tasks, retries, catches


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._task", "allowed")
def test_a_task_invokes_at_its_start_and_completes_after_the_latency_with_its_result():
    w = World([{"verdict": "OPEN"}], task_latency=2)
    ex = w.run(machine(A=task(Parameters={"expect": "gate", "input.$": "$"}, ResultPath="$.check")), {"x": 1})
    assert w.calls == [(0, {"expect": "gate", "input": {"x": 1}})]
    assert ex.output == {"x": 1, "check": {"verdict": "OPEN"}} and ex.visits[0].exited == 2
    w2 = World([{"big": 1}])
    ex2 = w2.run(machine(A={"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
                            "Parameters": {"FunctionName": FN, "Payload.$": "$"},
                            "ResultSelector": {"body.$": "$.Payload"}}), {"y": 2})
    assert w2.calls[0][1] == {"y": 2} and ex2.output == {"body": {"big": 1}}
    assert [e["type"] for e in ex2.history][2:5] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._task", "refused")
def test_a_task_longer_than_its_timeout_fails_with_states_timeout_and_service_errors_carry_the_lambda_prefix():
    w = World([{"late": True}], task_latency=5)
    ex = w.run(machine(A=task(TimeoutSeconds=3)))
    assert (ex.status, ex.error, ex.stopped) == ("FAILED", "States.Timeout", 3)
    assert ex.history[-2]["type"] == "LambdaFunctionTimedOut"
    w2 = World([AwsError("TooManyRequestsException", "Rate exceeded", 429)])
    ex2 = w2.run(machine(A=task()))
    assert (ex2.error, ex2.cause) == ("Lambda.TooManyRequestsException", "Rate exceeded")
    with pytest.raises(Unmodelled, match="sqs"):
        w.machine(machine(A={"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}), "q")
    with pytest.raises(Unmodelled, match="Qualifier"):
        w.machine(machine(A={"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
                             "Parameters": {"FunctionName": FN, "Qualifier": "live"}}), "q2")


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._task_error", "allowed")
def test_retry_backs_off_per_retrier_then_succeeds():
    w = World([FunctionError("ThrottledError"), FunctionError("ThrottledError"), {"ok": 1}], task_latency=0)
    ex = w.run(machine(A=task(Retry=[{"ErrorEquals": ["ThrottledError"], "IntervalSeconds": 2, "MaxAttempts": 4,
                                      "BackoffRate": 2}])))
    assert [t for t, _ in w.calls] == [0, 2, 6] and ex.status == "SUCCEEDED" and ex.states == ["A"]
    w2 = World([FunctionError("Other")] + [{}] * 3, task_latency=0)
    ex2 = w2.run(machine(A=task(Retry=[{"ErrorEquals": ["States.TaskFailed"]}])))
    assert [t for t, _ in w2.calls] == [0, 1] and ex2.status == "SUCCEEDED"


@conforms("seawall.sim.stepfunctions.FakeStepFunctions._task_error", "refused")
def test_spent_retries_go_to_the_catcher_with_the_error_output_and_task_failed_does_not_match_timeout():
    w = World([FunctionError("ThrottledError", "slow down")] * 5 + [{}], task_latency=0)
    ex = w.run(machine(A=task(Retry=[{"ErrorEquals": ["ThrottledError"], "IntervalSeconds": 2, "MaxAttempts": 4,
                                      "BackoffRate": 2}],
                              Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "F"}]),
                       F={"Type": "Fail", "Error": "SeawallShiftError", "CausePath": "$.error.Cause"}), {"in": 1})
    assert [t for t, _ in w.calls] == [0, 2, 6, 14, 30]
    assert (ex.status, ex.error, json.loads(ex.cause or "")["errorMessage"]) == ("FAILED", "SeawallShiftError",
                                                                                  "slow down")
    w2 = World([{}] * 3, task_latency=5)
    ex2 = w2.run(machine(A=task(TimeoutSeconds=1, Retry=[{"ErrorEquals": ["States.TaskFailed"]}],
                                Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "B"}]), B=task()))
    assert (ex2.status, ex2.error, len(w2.calls)) == ("FAILED", "States.Timeout", 1)
    with pytest.raises(AwsError, match="States.ALL must appear alone"):
        w2.machine(machine(A=task(Retry=[{"ErrorEquals": ["States.ALL", "X"]}])), "r")
    with pytest.raises(Unmodelled, match="JitterStrategy"):
        w2.machine(machine(A=task(Retry=[{"ErrorEquals": ["X"], "JitterStrategy": "FULL"}])), "j")


# ---------------------------------------------------------------------------- paths and data


@conforms("seawall.sim.stepfunctions._parse_path", "allowed")
def test_reference_paths_select_one_node():
    ex = World([{}]).run(machine(A=task(InputPath="$['a'].b[1]")), {"a": {"b": [0, {"x": 1}]}})
    assert ex.status == "SUCCEEDED"


@conforms("seawall.sim.stepfunctions._parse_path", "refused")
def test_paths_with_filters_wildcards_or_the_context_object_are_unmodelled():
    for path in ("$.a[?(@.x)]", "$.a[*]", "$..a", "$$.Execution.Id", "a.b"):
        with pytest.raises(Unmodelled, match="reference path"):
            World().machine(machine(A=task(InputPath=path)))
    with pytest.raises(Unmodelled, match="intrinsic"):
        World().machine(machine(A=task(Parameters={"x.$": "States.Format('{}', $.a)"})))


@conforms("seawall.sim.stepfunctions._input", "allowed")
def test_input_path_selects_the_task_input():
    w = World([{}])
    w.run(machine(A=task(InputPath="$.a")), {"a": {"b": 1}, "c": 2})
    assert w.calls[0][1] == {"b": 1}


@conforms("seawall.sim.stepfunctions._input", "refused")
def test_input_path_that_selects_nothing_is_a_runtime_error():
    assert World([{}]).run(machine(A=task(InputPath="$.a")), {"c": 2}).error == "States.Runtime"


@conforms("seawall.sim.stepfunctions._output", "allowed")
def test_output_path_selects_the_state_output():
    assert World([{"r": 1}]).run(machine(A=task(ResultPath="$.res", OutputPath="$.res")), {"i": 0}).output == {"r": 1}


@conforms("seawall.sim.stepfunctions._output", "refused")
def test_output_path_that_selects_nothing_is_a_runtime_error():
    assert World([{"r": 1}]).run(machine(A=task(OutputPath="$.nope"))).error == "States.Runtime"


@conforms("seawall.sim.stepfunctions._parameters", "allowed")
def test_parameters_fill_dot_dollar_keys_and_keep_static_values():
    w = World([{"r": {"keep": 1, "drop": 2}}])
    ex = w.run(machine(A=task(Parameters={"a.$": "$.x", "nested": {"b.$": "$.y"}, "s": "lit"},
                              ResultSelector={"keep.$": "$.r.keep"})), {"x": 1, "y": [2]})
    assert w.calls[0][1] == {"a": 1, "nested": {"b": [2]}, "s": "lit"} and ex.output == {"keep": 1}


@conforms("seawall.sim.stepfunctions._parameters", "refused")
def test_a_result_selector_path_that_selects_nothing_is_a_parameter_path_failure_a_catcher_sees():
    w = World([{"r": 1}, {}])
    ex = w.run(machine(A=task(ResultSelector={"k.$": "$.missing"},
                              Catch=[{"ErrorEquals": ["States.ParameterPathFailure"], "Next": "B"}]), B=task()))
    assert ex.states == ["A", "B"] and ex.status == "SUCCEEDED"


@conforms("seawall.sim.stepfunctions._result_path", "allowed")
def test_result_path_merges_into_a_copy_and_null_keeps_the_input():
    payload = {"keep": {"deep": 1}}
    ex = World([{"r": 1}]).run(machine(A=task(ResultPath="$.keep.res")), payload)
    assert ex.output == {"keep": {"deep": 1, "res": {"r": 1}}}
    assert World([{"r": 1}]).run(machine(A=task(ResultPath=None)), payload).output == payload
    assert World([{"r": 1}]).run(machine(A=task()), payload).output == {"r": 1}


@conforms("seawall.sim.stepfunctions._result_path", "refused")
def test_result_path_into_a_non_object_fails_with_result_path_match_failure():
    ex = World([{"r": 1}]).run(machine(A=task(ResultPath="$.s.res")), {"s": "text"})
    assert (ex.status, ex.error) == ("FAILED", "States.ResultPathMatchFailure")


def test_a_result_over_the_payload_quota_fails_the_execution_and_is_not_caught():
    w = World([{"x": "y" * MAX_STATE_PAYLOAD_BYTES}, {}])
    ex = w.run(machine(A=task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "B"}]), B=task()))
    assert (ex.status, ex.error, ex.states) == ("FAILED", "States.DataLimitExceeded", ["A"])


def test_bad_constructor_arguments_name_the_parameter():
    w = World()
    with pytest.raises(TypeError, match="scheduler"):
        FakeStepFunctions(object(), invoke=lambda *a: None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="invoke"):
        FakeStepFunctions(w.scheduler, invoke=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task_latency"):
        FakeStepFunctions(w.scheduler, invoke=lambda *a: None, task_latency=-1)
    with pytest.raises(ValueError, match="stop_closed"):
        FakeStepFunctions(w.scheduler, invoke=lambda *a: None, stop_closed="maybe")
    with pytest.raises(TypeError, match="error_type"):
        FunctionError("")
