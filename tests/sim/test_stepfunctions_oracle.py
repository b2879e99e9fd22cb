"""The Step Functions fake against moto's executor, on the synthesized release machines (gate, shift, bake).

moto is only the oracle here: each synthesized definition runs, one execution
at a time, through both interpreters with the same deterministic Lambda
stand-ins, and both must enter the same states, call the functions with the
same payloads, and end with the same status, output, error and cause.  The
definitions reach the fake the way they reach AWS: the synthesized template is
deployed through the CloudFormation fake, whose resource provider for
``AWS::StepFunctions::StateMachine`` is the Step Functions fake.
"""

from __future__ import annotations

import json
import os
import time
import types
from collections.abc import Iterator
from typing import Any

import pytest

from seawall.sim import FakeAws, FakeCloudFormation, FakeLambda
from seawall.sim.clock import Scheduler
from seawall.sim.stepfunctions import FakeStepFunctions, FunctionError

ACCOUNT, REGION, TEAM, STACK = "123456789012", "us-east-1", "payments", "PaymentsRelease"
CONTEXT = {"rollback": False, "override": False}
RETRYABLE = ("raise", "ThrottledError", "CloudWatch throttled")


class Script:
    """Deterministic stand-ins: each function answers its next scripted response (a value or a raise)."""

    def __init__(self, responses: dict[str, list[Any]]) -> None:
        self.responses = {k: list(v) for k, v in responses.items()}
        #: (function, payload) of every call, in order.
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, function: str, payload: Any) -> Any:
        self.calls.append((function, payload))
        queue = self.responses[function]
        step = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(step, tuple) and step[0] == "raise":
            raise FunctionError(step[1], step[2])
        return step


#: (machine, scenario, input, responses by function logical-ID prefix).
SCENARIOS: list[tuple[str, str, dict[str, Any], dict[str, list[Any]]]] = [
    ("gate", "window closed then alarms blocked then quiet", {"target": "t1"},
     {"Context": [CONTEXT], "GateWindow": [{"verdict": "CLOSED", "waitSeconds": 5}, {"verdict": "OPEN"}],
      "GateAlarms": [RETRYABLE, {"verdict": "BLOCKED", "waitSeconds": 3}, {"verdict": "QUIET"}]}),
    ("gate", "rollback passes", {"target": "t1"}, {"Context": [{"rollback": True, "override": False}]}),
    ("gate", "override skips", {"target": "t1"}, {"Context": [{"rollback": False, "override": True}]}),
    ("gate", "window expired", {}, {"Context": [CONTEXT],
                                    "GateWindow": [{"verdict": "EXPIRED", "message": "gave up"}]}),
    ("gate", "alarm missing", {}, {"Context": [CONTEXT], "GateWindow": [{"verdict": "OPEN"}],
                                   "GateAlarms": [{"verdict": "MISSING", "message": "no aggregate"}]}),
    ("gate", "alarms expired", {}, {"Context": [CONTEXT], "GateWindow": [{"verdict": "OPEN"}],
                                    "GateAlarms": [{"verdict": "EXPIRED", "message": "gave up on alarms"}]}),
    ("gate", "context error caught", {}, {"Context": [("raise", "ValueError", "bad input")]}),
    ("gate", "retries spent", {}, {"Context": [RETRYABLE]}),
    ("shift", "pending then succeeded", {"target": {"name": "t1"}},
     {"Context": [CONTEXT], "ShiftStart": [{"pending": True, "functions": [{"f": 1}], "deploymentConfig": "c"}],
      "ShiftStatus": [{"state": "IN_PROGRESS"}, {"state": "SUCCEEDED"}]}),
    ("shift", "nothing to shift", {"target": {"name": "t1"}},
     {"Context": [CONTEXT], "ShiftStart": [{"pending": False, "functions": [], "deploymentConfig": "c"}]}),
    ("shift", "codedeploy stopped", {"target": {}},
     {"Context": [CONTEXT], "ShiftStart": [{"pending": True, "functions": [], "deploymentConfig": "c"}],
      "ShiftStatus": [{"state": "FAILED", "message": "alarm fired"}]}),
    ("shift", "start fails", {"target": {}},
     {"Context": [CONTEXT], "ShiftStart": [("raise", "ShiftError", "no alias")]}),
    ("bake", "rollback skips", {}, {"Context": [{"rollback": True, "override": False}]}),
    ("bake", "wait then pass", {"x": 1}, {"Context": [CONTEXT], "BakeStart": [{"previous": "1"}],
                                          "BakeCheck": [{"verdict": "WAIT"}, RETRYABLE, {"verdict": "WAIT"},
                                                        {"verdict": "PASS"}]}),
    ("bake", "alarm reverts", {}, {"Context": [CONTEXT], "BakeStart": [{"previous": "1"}],
                                   "BakeCheck": [{"verdict": "ALARM"}],
                                   "BakeRevert": [{"message": "reverted on alarm x"}]}),
    ("bake", "revert fails", {}, {"Context": [CONTEXT], "BakeStart": [{}], "BakeCheck": [{"verdict": "ALARM"}],
                                  "BakeRevert": [("raise", "RevertError", "alias busy")]}),
    ("bake", "check error caught", {}, {"Context": [CONTEXT], "BakeStart": [{}],
                                        "BakeCheck": [("raise", "KeyError", "'verdict'")]}),
    ("bake", "unknown verdict", {}, {"Context": [CONTEXT], "BakeStart": [{}],
                                     "BakeCheck": [{"verdict": "MAYBE", "message": "?"}]}),
]


@pytest.fixture(scope="module")
def release() -> dict[str, Any]:
    """The synthesized release template deployed through the fakes: machine definitions and function names."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    import aws_cdk as cdk

    from seawall.constructs.release import ReleaseStateMachines
    from seawall.model.window import TimeWindow

    app = cdk.App()
    stack = cdk.Stack(app, STACK, env=cdk.Environment(account=ACCOUNT, region=REGION))
    ReleaseStateMachines(stack, "Release", team=TEAM, window=TimeWindow.always(time_zone="Europe/Berlin"))
    template = app.synth().get_stack_by_name(STACK).template
    world: dict[str, Any] = {"script": Script({})}
    aws = FakeAws()
    lam = FakeLambda(clock=aws.clock)
    scheduler = Scheduler(aws.clock)
    names: dict[str, str] = {}
    sfn = FakeStepFunctions(scheduler, invoke=lambda a, r, arn, payload: world["script"](names[arn], payload))
    aws.register("stepfunctions", sfn)
    cfn = FakeCloudFormation(aws, lam, account=ACCOUNT, region=REGION,
                             providers={"AWS::StepFunctions::StateMachine": sfn})
    cfn.deploy(STACK, template)
    for lid, resource in cfn.stacks[STACK].resources.items():
        if resource.type == "AWS::Lambda::Function":
            names[resource.attributes["Arn"]] = lid
    machines = {m.name.rsplit("-", 1)[1]: m for m in sfn.machines.values()}
    assert sorted(machines) == ["bake", "gate", "shift"]
    world.update(aws=aws, scheduler=scheduler, sfn=sfn, names=names, machines=machines)
    return world


def _prefixed(script: dict[str, list[Any]], names: dict[str, str]) -> dict[str, list[Any]]:
    """The scenario's responses keyed by each function's logical ID (``ReleaseContextD7A5...``)."""
    out: dict[str, list[Any]] = {}
    for lid in names.values():
        key = next((k for k in script if lid.startswith(f"Release{k}")), None)
        out[lid] = script[key] if key is not None else [("raise", "Unscripted", lid)]
    return out


def run_fake(release: dict[str, Any], part: str, payload: dict[str, Any],
             responses: dict[str, list[Any]]) -> dict[str, Any]:
    script = Script(responses)
    release["script"] = script
    client = release["aws"].session(account=ACCOUNT, region=REGION).client("stepfunctions")
    arn = client.start_execution(stateMachineArn=release["machines"][part].arn, input=json.dumps(payload))[
        "executionArn"]
    release["scheduler"].run(until=release["aws"].clock.seconds + 86_400)
    ex = release["sfn"].execution(arn)
    d = client.describe_execution(executionArn=arn)
    return {"states": ex.states, "status": d["status"], "output": json.loads(d["output"]) if "output" in d else None,
            "error": d.get("error"), "cause": d.get("cause"), "calls": script.calls}


@pytest.fixture(scope="module")
def moto_sfn(release: dict[str, Any]) -> Iterator[Any]:
    """moto 5.2.5's executor with the stand-ins as its Lambda and no wall-clock sleeps (Wait, Retry)."""
    from moto import mock_aws
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    patch = pytest.MonkeyPatch()
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        patch.setenv(key, value)

    def invoke(backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any,
               response_headers: Any) -> bytes:
        logical = release["names"][function_name if function_name.startswith("arn:") else
                                   f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"]
        try:
            return json.dumps(release["script"](logical, json.loads(body) if body else {})).encode()
        except FunctionError as e:  # what the Lambda runtime answers for an unhandled exception
            response_headers["x-amz-function-error"] = "Unhandled"
            return e.cause().encode()

    patch.setattr(LambdaSimpleBackend, "invoke", invoke)
    patch.setattr(wait_function.WaitFunction, "_wait_interval", lambda self, env, wait_seconds: None)
    patch.setattr(retrier_decl, "time", types.SimpleNamespace(sleep=lambda s: None, time=time.time))
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}):
        import boto3

        client = boto3.client("stepfunctions", region_name=REGION)
        role = boto3.client("iam", region_name=REGION).create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")
        arns = {part: client.create_state_machine(name=m.name, definition=json.dumps(m.definition),
                                                  roleArn=role["Role"]["Arn"])["stateMachineArn"]
                for part, m in release["machines"].items()}
        yield types.SimpleNamespace(client=client, arns=arns, runs=0)
    patch.undo()


def run_moto(release: dict[str, Any], moto: Any, part: str, payload: dict[str, Any],
             responses: dict[str, list[Any]]) -> dict[str, Any]:
    script = Script(responses)
    release["script"] = script
    moto.runs += 1
    arn = moto.client.start_execution(stateMachineArn=moto.arns[part], name=f"run-{moto.runs}",
                                      input=json.dumps(payload))["executionArn"]
    deadline = time.monotonic() + 30
    while (d := moto.client.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"moto's {part} execution still RUNNING after 30 s"
        time.sleep(0.01)
    history = moto.client.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    states = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    return {"states": states, "status": d["status"], "output": json.loads(d["output"]) if d.get("output") else None,
            "error": d.get("error"), "cause": d.get("cause"), "calls": script.calls}


@pytest.mark.parametrize(("part", "scenario", "payload", "script"), SCENARIOS, ids=[f"{s[0]}: {s[1]}"
                                                                                    for s in SCENARIOS])
def test_the_fake_runs_each_release_machine_as_moto_does(release: dict[str, Any], moto_sfn: Any, part: str,
                                                         scenario: str, payload: dict[str, Any],
                                                         script: dict[str, list[Any]]) -> None:
    responses = _prefixed(script, release["names"])
    fake = run_fake(release, part, payload, responses)
    oracle = run_moto(release, moto_sfn, part, payload, responses)
    assert fake["states"] == oracle["states"]
    assert fake["calls"] == oracle["calls"]
    assert (fake["status"], fake["output"], fake["error"], fake["cause"]) == (
        oracle["status"], oracle["output"], oracle["error"], oracle["cause"])
    assert len(fake["states"]) >= 2 and fake["status"] in ("SUCCEEDED", "FAILED")


def test_the_scenarios_reach_every_state_of_every_release_machine(release: dict[str, Any]) -> None:
    """The comparison above covers the whole of each synthesized definition, not a corner of it."""
    seen: dict[str, set[str]] = {part: set() for part in release["machines"]}
    for part, _, payload, script in SCENARIOS:
        seen[part].update(run_fake(release, part, payload, _prefixed(script, release["names"]))["states"])
    for part, machine in release["machines"].items():
        assert sorted(set(machine.definition["States"]) - seen[part]) == [], part
