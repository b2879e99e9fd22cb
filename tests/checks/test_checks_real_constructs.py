"""Seawall's own constructs pass Seawall's own checks: zero findings over their synthesized output.

One app, synthesized once: a WavePipeline over a two-wave plan (each target
a service stack with SafeLambdaDeployment) and the SafeLambdaDeployment
snippet with the team monitoring stack.  The plan-vs-pipeline checks run
with the plan the pipeline was rendered from.  SW021 and SW022 also trip on
copies of the snippet's templates edited by hand, so their passing means something.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from datetime import timedelta

import pytest

from seawall.checks import Compliance
from seawall.model import BakePolicy, Target, TrafficPolicy, Wave, WavePlan
from seawall.model.naming import ONE_BOX_ROLLBACK_SUFFIX
from seawall.testing import check, non_compliant, statuses

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for extra in (ROOT, os.path.join(ROOT, "examples", "snippets")):
    if extra not in sys.path:
        sys.path.insert(0, extra)

#: A predefined CodeDeploy config (CodeDeployDefault.LambdaCanary10Percent10Minutes) for every shift.
CANARY = TrafficPolicy.canary(percent=10, interval=timedelta(minutes=10))
PLAN = WavePlan(
    pre_production=(Wave(name="gamma", targets=(Target(region="us-east-1"),),
                         bake=BakePolicy(duration=timedelta(hours=1), min_data_points=0), traffic=CANARY),),
    waves=(
        Wave(name="wave-1", targets=(Target(region="ca-central-1", cell="cell-1"),
                                     Target(region="ca-central-1", cell="cell-2")),
             bake=BakePolicy(duration=timedelta(hours=12)), cell_bake=BakePolicy(duration=timedelta(hours=1)),
             traffic=CANARY),
        Wave(name="wave-2", targets=(Target(region="us-west-2"), Target(region="eu-west-1")),
             bake=BakePolicy(duration=timedelta(hours=4)), traffic=CANARY),
    ),
)


@pytest.fixture(scope="module")
def app():
    import safe_lambda  # examples/snippets, on sys.path above: a missing snippet is an error, never a skip
    from tests.pipeline.support import make_pipeline

    app, _stack, wp = make_pipeline(PLAN)
    wp.build()
    safe_lambda.build(app)
    app.synth()
    return app


@pytest.fixture(scope="module")
def findings(app):
    return check(app, plan=PLAN)


@pytest.fixture
def snippet(app):
    """Copies of the snippet's two templates (the team monitoring stack and the service), to edit by hand."""
    assembly = app.synth()
    return {name: copy.deepcopy(assembly.get_stack_by_name(name).template)
            for name in ("PaymentsMonitoring", "PaymentsApi")}


def _composite(template: dict, suffix: str) -> tuple[str, dict]:
    (found,) = [(lid, r) for lid, r in template["Resources"].items()
                if r["Type"] == "AWS::CloudWatch::CompositeAlarm" and r["Properties"]["AlarmName"].endswith(suffix)]
    return found


def test_zero_findings_over_seawall_output(findings):
    bad = non_compliant(findings)
    assert [f.describe() for f in bad] == []


def test_every_check_found_something_to_look_at(findings):
    for check_id in ("SW001", "SW002", "SW003", "SW004", "SW005", "SW006", "SW007", "SW008", "SW009", "SW011",
                     "SW012", "SW013", "SW014", "SW015", "SW016", "SW020", "SW021", "SW022"):
        assert Compliance.COMPLIANT in statuses(findings, check_id), check_id


def test_sw021_and_sw022_pass_every_one_box_rollback_composite_seawall_makes(findings):
    # One per function: the snippet's and one per target of the pipeline's services.
    for check_id in ("SW021", "SW022"):
        judged = [f for f in findings if f.check_id == check_id]
        assert len(judged) == 1 + 5 and {f.status for f in judged} == {Compliance.COMPLIANT}, check_id
        assert all(f.resource for f in judged)


def test_sw021_trips_when_the_team_aggregate_is_edited_to_name_a_rollback_composite(snippet):
    monitoring, api = snippet["PaymentsMonitoring"], snippet["PaymentsApi"]
    rollback_lid, rollback = _composite(api, ONE_BOX_ROLLBACK_SUFFIX)
    aggregate = _composite(monitoring, "-aggregate")[1]["Properties"]
    aggregate["AlarmRule"] = {"Fn::Join": ["", [aggregate["AlarmRule"],
                                                f' OR ALARM("{rollback["Properties"]["AlarmName"]}")']]}
    [bad] = [f for f in check([monitoring, api]) if f.check_id == "SW021" and f.is_failure]
    assert bad.resource == rollback_lid and "is named by composite(s)" in bad.message


def test_sw022_trips_when_a_rollback_composite_is_edited_to_name_another_functions_one_box_alarm(snippet):
    api = snippet["PaymentsApi"]
    resources = api["Resources"]
    rollback_lid, rollback = _composite(api, ONE_BOX_ROLLBACK_SUFFIX)
    # A second function, by hand, with a copy of the first one's one-box errors alarm on it.
    (function_lid,) = [lid for lid, r in resources.items()
                       if r["Type"] == "AWS::Lambda::Function" and "Handler" in lid and "SmokeTest" not in lid]
    resources["Other"] = copy.deepcopy(resources[function_lid])
    (alarm_lid,) = [lid for lid, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"
                    and r["Properties"].get("AlarmName", "").endswith("-one-box-errors")]
    other_alarm = copy.deepcopy(resources[alarm_lid])
    other_alarm["Properties"]["AlarmName"] = "payments-api-eu-west-1-other-one-box-errors"
    text = json.dumps(other_alarm).replace(json.dumps({"Ref": function_lid}), json.dumps({"Ref": "Other"}))
    assert text != json.dumps(other_alarm)  # the copy measures the other function
    resources["OtherOneBoxErrors"] = json.loads(text)
    rule = rollback["Properties"]["AlarmRule"]
    rollback["Properties"]["AlarmRule"] = {"Fn::Join": ["", [rule, ' OR ALARM("', {"Ref": "OtherOneBoxErrors"}, '")']]}
    [bad] = [f for f in check(api) if f.check_id == "SW022" and f.is_failure]
    assert bad.resource == rollback_lid and "names the one-box alarms of 2 functions" in bad.message


def test_bakes_were_compared_with_the_plan(findings):
    assert Compliance.COMPLIANT in statuses(findings, "SW010")
