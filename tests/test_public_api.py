"""The public API: every documented name imports from its documented module, and docs and examples use only those.

DESIGN.md "Layout": every package has a curated ``__all__``; what the docs
call public is importable from the package the docs name, and the examples
import nothing private.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import seawall

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "seawall"

#: Each documented public module and the names the docs and the issue promise from it.
PUBLIC: dict[str, tuple[str, ...]] = {
    "seawall.constructs": (
        "SafeLambdaDeployment", "ServiceStage", "WavePipeline", "EntryAlarm", "MonitoringCanary", "SmokeTestHook",
        "acknowledge", "AggregateAlarm", "TeamMonitoringStack", "ReleaseStateMachines", "ALARM_KINDS",
        "DEFAULT_BLOCKING", "ERRORS_IN_LOGS_PATTERN",
    ),
    "seawall.stacks": ("TeamPipelineStack", "Source", "TeamFoundationStack", "TeamRuntimeStack", "add_validations"),
    "seawall.model": (
        "WavePlan", "Wave", "Target", "TimeWindow", "Exclusion", "BakePolicy", "TrafficPolicy", "AlarmPolicy",
        "plan_rollout", "ReleasePolicy", "MON_THU", "MON_FRI", "commercial_regions", "expand_steps", "format_span",
    ),
    "seawall.checks": (
        "SeawallChecks", "suppress", "run_checks", "check_template", "check_plan", "assembly_templates",
        "Compliance", "Finding", "pipelines_in", "template_bytes",
    ),
    "seawall.testing": ("assert_safe", "check", "non_compliant", "statuses"),
    "seawall.report": ("render_html", "render_svg", "render_table"),
    "seawall.cli": ("main",),
    "seawall.sim": ("rehearse", "generate", "replay_command", "seed_of", "SCENARIOS", "START", "Fault",
                    "Unmodelled", "FakeAws", "FakeLambda", "FakeCloudFormation", "FakeCloudWatch", "FakeCodeDeploy",
                    "FakeCodePipeline", "FakeStepFunctions", "cites", "Citation"),
}
#: Internal classes that must not leak into the flat surface.
INTERNAL = {"seawall.constructs": ("GateStep", "ShiftStep", "BakeStep", "FunctionOutputs", "AlarmScope")}


def packages() -> list[str]:
    """Every package under src/seawall, dotted."""
    return sorted(".".join(("seawall", *p.parent.relative_to(SRC).parts)).rstrip(".")
                  for p in SRC.rglob("__init__.py"))


@pytest.mark.parametrize(("module", "names"), sorted(PUBLIC.items()))
def test_every_documented_name_imports_from_its_documented_module(module: str, names: tuple[str, ...]) -> None:
    mod = importlib.import_module(module)
    exported = set(mod.__all__)
    for name in names:
        assert name in exported, f"{name} is documented in {module} but not in its __all__"
        assert getattr(mod, name) is not None


@pytest.mark.parametrize("package", packages())
def test_every_package_has_an_all_that_resolves(package: str) -> None:
    mod = importlib.import_module(package)
    assert isinstance(getattr(mod, "__all__", None), list), f"{package} has no curated __all__"
    assert len(set(mod.__all__)) == len(mod.__all__), f"{package}.__all__ lists a name twice"
    for name in mod.__all__:
        assert hasattr(mod, name), f"{package}.__all__ names {name!r}, which {package} does not define"


def test_internal_step_classes_are_not_public() -> None:
    for module, names in INTERNAL.items():
        leaked = set(names) & set(importlib.import_module(module).__all__)
        assert not leaked, f"{module}.__all__ exports internal {sorted(leaked)}"


def test_model_checks_and_report_import_without_aws_cdk() -> None:
    code = ("import sys, seawall.model, seawall.checks, seawall.report, seawall.cli.loading; "
            "bad = sorted(m for m in ('aws_cdk', 'constructs', 'jsii', 'boto3') if m in sys.modules); "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --------------------------------------------------------------------------- version

def test_version_matches_pyproject_and_the_installed_distribution() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert seawall.__version__ == project["version"]
    assert seawall.__version__ == importlib.metadata.version(project["name"]), \
        "the installed cdk-seawall is stale: reinstall it (make install)"


# --------------------------------------------------------------------------- docs and examples import public names

def python_sources() -> list[tuple[str, str]]:
    """(where, code) of every example and bench file and every python block of README.md and docs/*.md."""
    found = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
             for p in sorted([*(ROOT / "examples").rglob("*.py"), *(ROOT / "bench").glob("*.py")])]
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
            line = text[: m.start()].count("\n") + 2
            found.append((f"{doc.relative_to(ROOT)}:{line}", m.group(1)))
    return found


def private_imports(where: str, code: str) -> list[str]:
    """Every ``seawall`` import in `code` that is not a public name of a documented public module."""
    tree = ast.parse(code, filename=where)
    bad: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "seawall" and a.name not in {"seawall", *PUBLIC}:
                    bad.append(f"{where}:{node.lineno}: import {a.name} (not a public module)")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "seawall":
            module = node.module or ""
            if module == "seawall":
                allowed = set(seawall.__all__) | {m.rpartition(".")[2] for m in PUBLIC}
            elif module in PUBLIC:
                allowed = set(importlib.import_module(module).__all__)
            else:
                bad.append(f"{where}:{node.lineno}: from {module} import ... ({module} is not a public module; "
                           f"use one of {sorted(PUBLIC)})")
                continue
            bad += [f"{where}:{node.lineno}: from {module} import {a.name} (not in {module}.__all__)"
                    for a in node.names if a.name not in allowed]
    return bad


def test_readme_docs_examples_and_bench_import_only_public_names() -> None:
    sources = python_sources()
    assert any(w.startswith("README.md") for w, _ in sources) and any(w.startswith("examples/") for w, _ in sources)
    bad = [b for where, code in sources for b in private_imports(where, code)]
    assert bad == []


@pytest.mark.parametrize(("code", "complaint"), [
    ("from seawall.constructs.wave_pipeline import ServiceStage", "not a public module"),
    ("from seawall.constructs._nag import acknowledge", "not a public module"),
    ("from seawall.constructs import GateStep", "not in seawall.constructs.__all__"),
    ("import seawall.stacks.team_runtime", "not a public module"),
    ("def f():\n    from seawall.model.naming import alarm_name", "not a public module"),
])
def test_the_import_check_catches_private_imports(code: str, complaint: str) -> None:
    bad = private_imports("snippet", code)
    assert len(bad) == 1 and complaint in bad[0]


def test_public_imports_pass_the_check() -> None:
    assert private_imports("snippet", "from seawall.constructs import ServiceStage, acknowledge\n"
                                      "from seawall import testing\nimport seawall.model\n") == []


# --------------------------------------------------------------------------- acknowledge(), the public cdk-nag helper

def _role_stack() -> tuple[Any, Any]:
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    app = cdk.App()
    stack = cdk.Stack(app, "Svc", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"]))
    return app, role


def test_acknowledge_rejects_bad_input_naming_the_parameter() -> None:
    from seawall.constructs import acknowledge

    app, role = _role_stack()
    with pytest.raises(TypeError, match="construct="):
        acknowledge("Role", "AwsSolutions-IAM5", "xray takes no resource ARN")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rule_id="):
        acknowledge(role, 5, "xray takes no resource ARN")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="reason="):
        acknowledge(role, "AwsSolutions-IAM5", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reason='  ': acknowledging AwsSolutions-IAM5 on 'Svc/Role' needs a reason"):
        acknowledge(role, "AwsSolutions-IAM5", "  ")
    with pytest.raises(ValueError, match="rule_id='IAM5 wildcard' is not a cdk-nag rule ID"):
        acknowledge(role, "IAM5 wildcard", "xray takes no resource ARN")
    import aws_cdk as cdk

    empty = cdk.Stack(app, "Empty")
    with pytest.raises(ValueError, match="has no CloudFormation resource"):
        acknowledge(empty, "AwsSolutions-IAM5", "xray takes no resource ARN")


def test_acknowledge_in_the_id_format_cdk_nag_prints_silences_exactly_that_finding(tmp_path: Path) -> None:
    """One synthesis: a stack per way of acknowledging, cdk-nag's report read per stack."""
    import json

    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam
    from cdk_nag import AwsSolutionsChecks

    from seawall.constructs import acknowledge

    ways = {
        "None": None,
        "Granular": "AwsSolutions-IAM5[Resource::*]",
        "AsReported": "AwsSolutions::AwsSolutions-IAM5[Resource::*]",  # as CDK's report spells it
        "Bare": "AwsSolutions-IAM5",  # the bracket is part of the ID: this does not silence it
    }
    app = cdk.App(outdir=str(tmp_path))
    for name, ack in ways.items():
        stack = cdk.Stack(app, name, env=cdk.Environment(account="111111111111", region="eu-west-1"))
        role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.add_to_policy(iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"]))
        if ack:
            acknowledge(role, ack, "X-Ray's PutTraceSegments supports no resource-level permissions")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    flagged = sorted((c["constructPath"].split("/")[0], v["ruleName"]) for p in report["pluginReports"]
                     for v in p["violations"] for c in v["violatingConstructs"])
    assert flagged == [("Bare", "AwsSolutions-IAM5[Resource::*]"), ("None", "AwsSolutions-IAM5[Resource::*]")]
