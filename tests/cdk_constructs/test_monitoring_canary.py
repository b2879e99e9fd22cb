"""MonitoringCanary: its own cdk-nag acknowledgments match in every environment, and it takes a URL token.

One app, synthesized once for the module, with ``cdk.json``'s partition flag
(``@aws-cdk/core:enablePartitionLiterals``, which makes a concrete region's
partition the literal ``aws``): a canary in a stack with a concrete
environment, one in an environment-agnostic stack, and one whose URL is an
HTTP API stage's ``url`` token.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from tests.support import cfn_lint_findings, nag_findings, suppressions, synth

from seawall.constructs import MonitoringCanary
from seawall.constructs.monitoring import _CANARY_SCRIPT

ENV = Environment(account="111111111111", region="us-east-1")
CONTEXT = {"@aws-cdk/core:enablePartitionLiterals": True, "@aws-cdk/core:target-partitions": ["aws", "aws-cn"]}


@pytest.fixture(scope="module")
def built():
    app = App(context=CONTEXT)
    concrete = Stack(app, "Concrete", env=ENV)
    MonitoringCanary(concrete, "Canary", team="payments", service="api", url="https://api.example.com/health")
    agnostic = Stack(app, "Agnostic")
    MonitoringCanary(agnostic, "Canary", team="payments", service="api", url="https://api.example.com/health")
    token = Stack(app, "Token", env=ENV)
    api = apigw.HttpApi(token, "Api", create_default_stage=False)
    stage = apigw.HttpStage(token, "Stage", http_api=api, auto_deploy=True)
    canary = MonitoringCanary(token, "Canary", team="payments", service="api", url=f"{stage.url}items")
    return {"app": app, "concrete": synth(concrete), "agnostic": synth(agnostic), "token": synth(token),
            "token_canary": canary}


def _canary(template: dict) -> dict:
    (canary,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Synthetics::Canary"]
    return canary


def _log_group_rules(template: dict) -> list[str]:
    return [rule for _, rule, _ in suppressions(template) if "cwsyn-" in rule]


def test_the_canary_acknowledges_its_own_findings_in_every_environment(built):
    # Nothing outside the construct acknowledges the canary's role here; the bare test API has findings.
    assert [f for f in nag_findings(built["app"]) if "/Canary/" in f] == []


def test_a_concrete_environment_gets_the_literal_partition_region_and_account(built):
    assert _log_group_rules(built["concrete"]) == [
        "AwsSolutions-IAM5[Resource::arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/cwsyn-*]"]


def test_an_environment_agnostic_stack_gets_the_pseudo_parameters(built):
    assert _log_group_rules(built["agnostic"]) == [
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:"
        "/aws/lambda/cwsyn-*]"]


def test_every_acknowledgment_has_a_reason(built):
    for name in ("concrete", "agnostic", "token"):
        found = suppressions(built[name])
        iam5 = sorted(rule.split("::", 1)[0] for _, rule, _ in found if rule.startswith("AwsSolutions-IAM5"))
        assert iam5 == ["AwsSolutions-IAM5[Resource"] * 3, found  # *, artifact keys, cwsyn-* log groups
        assert {rule for _, rule, _ in found} - {r for _, r, _ in found if r.startswith("AwsSolutions-IAM5")} == {
            "AwsSolutions-S1"}
        assert all(len(reason) > 20 for _, _, reason in found)


def test_a_url_token_reaches_the_canary_environment(built):
    url = _canary(built["token"])["Properties"]["RunConfig"]["EnvironmentVariables"]["SEAWALL_URL"]
    assert isinstance(url, dict) and "Fn::Join" in url
    rendered = json.dumps(url)
    assert '"Ref": "Api' in rendered and rendered.endswith('"/items"]]}')


def _resolve(value: object, refs: dict[str, str]) -> str:
    if isinstance(value, str):
        return value
    assert isinstance(value, dict)
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(_resolve(p, refs) for p in parts)
    (name,) = [refs[k] for k in refs if value.get("Ref", "").startswith(k)]
    return name


def test_the_canary_script_calls_the_deployed_url(built, tmp_path):
    """Run the inline script under node with a stub Synthetics module; the URL is the template's, resolved."""
    assert shutil.which("node"), "node (20+) runs the canary script here and the CDK CLI everywhere: install it"
    env_vars = _canary(built["token"])["Properties"]["RunConfig"]["EnvironmentVariables"]
    url = _resolve(env_vars["SEAWALL_URL"], {"Api": "abc123", "AWS::URLSuffix": "amazonaws.com"})
    assert url == "https://abc123.execute-api.us-east-1.amazonaws.com/items"
    stub = tmp_path / "node_modules" / "Synthetics"
    stub.mkdir(parents=True)
    (stub / "index.js").write_text(textwrap.dedent("""\
        exports.getCanaryUserAgentString = () => 'test-agent';
        exports.executeHttpStep = async (name, request) => { console.log(JSON.stringify(request)); };
    """))
    (tmp_path / "index.js").write_text(_CANARY_SCRIPT)
    proc = subprocess.run(["node", "-e", "require('./index.js').handler()"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "SEAWALL_URL": url,
                                                      "SEAWALL_EXPECTED_STATUS": env_vars["SEAWALL_EXPECTED_STATUS"]})
    assert proc.returncode == 0, proc.stderr
    request = json.loads(proc.stdout)
    assert (request["hostname"], request["path"], request["port"], request["protocol"]) == (
        "abc123.execute-api.us-east-1.amazonaws.com", "/items", 443, "https:")


def test_a_url_token_skips_validation_but_a_literal_is_still_checked(built):
    assert built["token_canary"].alarm_name == "payments-api-us-east-1-canary"
    stack = Stack(App(), "Bad", env=ENV)
    with pytest.raises(ValueError, match=r"url='ftp://example.com' is not an http\(s\) URL"):
        MonitoringCanary(stack, "Canary", team="payments", service="api", url="ftp://example.com")


def test_templates_pass_cfn_lint(built):
    for name in ("concrete", "agnostic", "token"):
        assert cfn_lint_findings(built[name]) == [], name
