"""CodePipeline's 1,000 characters per action configuration value (the build-time check and SW013).

Hand-made stages and templates, no synthesis.
"""

from __future__ import annotations

import json

import pytest

from seawall.checks import CHECKS, Compliance, StackTemplate, check_template
from seawall.checks.pipeline import check_action_configuration_size
from seawall.checks.pipeline_limits import (
    check_action_configuration_values,
    configuration_value_length,
    oversize_configuration_values,
)
from seawall.model.limits import MAX_ACTION_CONFIGURATION_VALUE

LIMIT = MAX_ACTION_CONFIGURATION_VALUE


def sfn_action(name: str, input_chars: int) -> dict:
    """A Step Functions invoke action whose literal ``Input`` is exactly `input_chars` characters."""
    payload = json.dumps({"kind": "seawall.bake", "pad": ""})
    payload = json.dumps({"kind": "seawall.bake", "pad": "x" * (input_chars - len(payload))})
    assert len(payload) == input_chars
    return {"Name": name, "ActionTypeId": {"Category": "Invoke", "Owner": "AWS", "Provider": "StepFunctions",
                                           "Version": "1"},
            "Configuration": {"StateMachineArn": {"Fn::Sub": "arn:${AWS::Partition}:states:us-east-1:"
                                                              "111111111111:stateMachine:seawall-orders-bake"},
                              "Input": payload, "InputType": "Literal"}}


def stages(*actions: dict, name: str = "prod-1") -> list[dict]:
    return [{"Name": "Source", "Actions": [{"Name": "Source", "Configuration": {"BranchName": "main"}}]},
            {"Name": name, "Actions": list(actions)}]


def test_a_value_of_exactly_the_limit_passes():
    st = stages(sfn_action("orders-us-east-1.Bake", LIMIT))
    assert oversize_configuration_values(st) == []
    check_action_configuration_values(st)  # does not raise


def test_one_character_over_names_stage_action_key_length_and_the_fix():
    st = stages(sfn_action("orders-us-east-1.Bake", LIMIT + 1))
    [over] = oversize_configuration_values(st)
    assert (over.stage, over.action, over.key, over.length) == ("prod-1", "orders-us-east-1.Bake", "Input", LIMIT + 1)
    with pytest.raises(ValueError) as e:
        check_action_configuration_values(st)
    message = str(e.value)
    for part in ("'prod-1'", "'orders-us-east-1.Bake'", "Input", f"{LIMIT + 1} characters", f"{LIMIT}",
                 "put the target's functions in fewer stacks"):
        assert part in message, part


@pytest.mark.parametrize(("action", "advice"), [
    ("Gate", "shorten the pipeline, team or target names"),
    ("svc-eu-west-1.Shift", "put the target's functions in fewer stacks"),
    ("MyCustomInvoke", "input artifact"),
])
def test_the_fix_depends_on_the_kind_of_action(action, advice):
    with pytest.raises(ValueError, match=advice):
        check_action_configuration_values(stages(sfn_action(action, 1500)))


def test_stages_as_cdk_resolves_them_are_read_too():
    """``Stack.resolve(CfnPipeline.stages)`` spells declaration keys in camelCase; configuration keys stay."""
    action = sfn_action("Bake", 1200)
    resolved = [{"name": "prod-2", "actions": [{"name": action["Name"], "configuration": action["Configuration"]}]}]
    [over] = oversize_configuration_values(resolved)
    assert (over.stage, over.action, over.key, over.length) == ("prod-2", "Bake", "Input", 1200)


def test_an_intrinsic_value_is_measured_as_its_compact_json_text():
    value = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::111111111111:role/x"]]}
    assert configuration_value_length(value) == len(json.dumps(value, separators=(",", ":")))
    long_sub = {"Fn::Sub": "${AWS::AccountId}" + "y" * LIMIT}
    [over] = oversize_configuration_values(stages({"Name": "Deploy", "Configuration": {"RoleArn": long_sub}}))
    assert over.key == "RoleArn" and over.length > LIMIT


def test_the_message_lists_the_longest_first_and_counts_the_rest():
    actions = [sfn_action(f"t{i}.Bake", LIMIT + 10 * i) for i in range(1, 9)]
    with pytest.raises(ValueError) as e:
        check_action_configuration_values(stages(*actions), shown=3)
    message = str(e.value)
    assert message.startswith("8 pipeline action configuration value(s)")
    listed = [line for line in message.splitlines() if line.startswith("  - stage")]
    assert [line.split("'")[3] for line in listed] == ["t8.Bake", "t7.Bake", "t6.Bake"]
    assert "and 5 more (up to 1050 characters)" in message
    assert message.count("put the target's functions in fewer stacks") == 1  # each fix once, after the list


# SW013 over a template ------------------------------------------------------------------------------

def pipeline_template(*actions: dict) -> dict:
    return {"Resources": {"Pipeline": {"Type": "AWS::CodePipeline::Pipeline",
                                       "Properties": {"PipelineType": "V2", "Stages": stages(*actions)}}}}


def sw013(template: dict) -> list:
    """SW013's findings, as ``seawall check`` runs it (every registered template rule)."""
    found = [f for f in check_template(template, name="pipeline.template.json") if f.check_id == "SW013"]
    assert found == list(check_action_configuration_size(StackTemplate("pipeline.template.json", template)))
    return found


def test_sw013_trips_on_an_input_over_1000_characters_and_names_it():
    [f] = sw013(pipeline_template(sfn_action("orders-us-east-1.Bake", 1421), sfn_action("Gate", 400)))
    assert f.check_id == "SW013" and f.is_failure and f.resource == "Pipeline"
    for part in ("'prod-1'", "'orders-us-east-1.Bake'", "Input", "1421 characters"):
        assert part in f.message, part
    assert f.location == "Properties/Stages/prod-1/Actions/orders-us-east-1.Bake/Configuration/Input"


def test_sw013_passes_a_pipeline_whose_values_fit():
    [f] = sw013(pipeline_template(sfn_action("orders-us-east-1.Bake", LIMIT), sfn_action("Gate", 400)))
    assert f.check_id == "SW013" and f.status is Compliance.COMPLIANT


def test_sw013_is_in_the_catalogue():
    assert "1,000 characters" in CHECKS["SW013"].title and CHECKS["SW013"].reads == ("pipeline templates",)


def test_stage_names_replace_the_resolved_names_in_the_message():
    """WavePipeline renames stages with property overrides, after CDK Pipelines rendered them."""
    resolved = [{"name": "Source", "actions": []},
                {"name": "payments-orders-gamma-us-east-1", "actions": [
                    {"name": "payments-orders-gamma-us-east-1.Bake",
                     "configuration": sfn_action("Bake", 1100)["Configuration"]}]}]
    with pytest.raises(ValueError, match=r"stage 'gamma', action 'payments-orders-gamma-us-east-1.Bake'"):
        check_action_configuration_values(resolved, stage_names=["Source", "gamma"])
    with pytest.raises(ValueError, match=r"stage_names=\['gamma'\] must name each of the 2 stages"):
        check_action_configuration_values(resolved, stage_names=["gamma"])
