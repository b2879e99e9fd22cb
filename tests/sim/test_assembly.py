"""The simulation reads a cloud assembly as the CDK CLI and CodePipeline do: stacks, environments, assets, pipelines."""

from __future__ import annotations

import json

import pytest
from tests.sim.fixture.app import ACCOUNT, REGIONS
from tests.sim.fixture.synth import fixture_assembly

from seawall.sim import Unmodelled
from seawall.sim.assembly import Assembly, AssemblyError


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return Assembly(fixture_assembly())


def test_every_stack_with_its_account_and_region_nested_stage_assemblies_included(assembly):
    names = sorted((s.stack_name, s.region) for s in assembly.stacks.values())
    for region in REGIONS:
        assert (f"payments-api-{region}-Service", region) in names
        assert ("seawall-payments-runtime", region) in names
    assert {s.account for s in assembly.stacks.values()} == {ACCOUNT}
    top = {s.stack_name for s in assembly.top_level()}
    assert {"payments-api-pipeline", "seawall-payments-foundation"} <= top
    assert not any(name.endswith("-Service") or name == "seawall-payments-runtime" for name in top)


def test_pipelines_are_told_apart_by_whether_they_invoke_the_release_machines(assembly):
    assert [(p.name, p.kind) for p in assembly.pipelines] == [("payments-foundation", "foundation"),
                                                              ("payments-api", "service")]


def test_a_template_path_names_a_stack_of_the_synth_output(assembly):
    service = assembly.service_pipelines()[0]
    deploy = next(a for s in service.definition["Stages"] for a in s["Actions"]
                  if a["ActionTypeId"]["Provider"] == "CloudFormation")
    stack = assembly.stack_at(deploy["Configuration"]["TemplatePath"])
    assert stack.stack_name == deploy["Configuration"]["StackName"]
    with pytest.raises(Unmodelled, match="names no template"):
        assembly.stack_at("Other::x.template.json")


def test_every_function_asset_is_found(assembly):
    keys = {r["Properties"]["Code"]["S3Key"] for s in assembly.stacks.values()
            for _, r in s.resources_of("AWS::Lambda::Function") if "S3Key" in r["Properties"].get("Code", {})}
    assert keys and keys <= set(assembly.assets)


def test_a_directory_that_is_not_an_assembly_or_a_stack_without_an_environment_is_refused(tmp_path):
    with pytest.raises(AssemblyError, match="no manifest.json"):
        Assembly(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"S": {
        "type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
        "properties": {"templateFile": "S.template.json"}}}}))
    with pytest.raises(AssemblyError, match="explicit env"):
        Assembly(tmp_path)
