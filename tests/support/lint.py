"""cfn-lint and cdk-nag over synthesized templates, with one synthesis per app.

* :func:`synth` attaches cdk-nag's AwsSolutions pack to the app (the cdk-nag 3
  way: ``Validations.of(app).add_plugins(AwsSolutionsChecks(app))``), synthesizes
  the app once and returns a stack's template as a dict. Later calls for any
  stack of the same app reuse that synthesis.
* :func:`nag_findings` returns the unacknowledged AwsSolutions findings of the
  app (or of one stage of it) from CDK's ``validation-report.json``.
* :func:`cfn_lint_findings` runs cfn-lint's rules over a template dict and
  returns errors and warnings (informational findings are ignored).
* :func:`suppressions` lists every cdk-nag acknowledgment written into the
  template's resource metadata, so a test can print them all with their reasons.
* :func:`assembly_stacks` lists every stack of a synthesized cloud assembly,
  nested stage assemblies included, with the region it deploys to, for
  :func:`cfn_lint_findings`.

cdk-nag acknowledgments (``Validations.of(cfn_resource).acknowledge(...)``)
are written to the template metadata only when they sit on the CloudFormation
resource itself, which is where Seawall puts them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from aws_cdk import App, Aspects, Stack, Stage, Validations
from cdk_nag import AwsSolutionsChecks, WriteNagSuppressionsToCloudFormationAspect

# Keyed by id() of the Stage object (every App's node address is the same); the values keep the
# objects alive so an id is never reused while it is a key.
_PLUGGED: dict[int, Stage] = {}  # app or nested stage -> the app cdk-nag was attached to
_ASSEMBLED: dict[int, tuple[App, str]] = {}  # app -> (app, outdir of its one synthesis)


def _root(scope: Any) -> App:
    root = scope.node.root
    if not isinstance(root, Stage):
        raise TypeError(f"{scope.node.path!r} is not inside an App")
    return root  # type: ignore[return-value]


def _attach_nag(root: App) -> None:
    if id(root) not in _PLUGGED:
        Validations.of(root).add_plugins(AwsSolutionsChecks(root, write_suppressions_to_cloud_formation=True))
        _PLUGGED[id(root)] = root
    # Aspects stop at stage boundaries; write acknowledgments into nested stages' templates too.
    for child in root.node.find_all():
        if child is not root and isinstance(child, Stage) and id(child) not in _PLUGGED:
            Aspects.of(child).add(WriteNagSuppressionsToCloudFormationAspect())
            _PLUGGED[id(child)] = child


def _assemble(root: App) -> str:
    """Synthesize the app once (with cdk-nag) and return its output directory."""
    if id(root) in _ASSEMBLED:
        return _ASSEMBLED[id(root)][1]
    _attach_nag(root)
    try:
        root.synth(force=True)
    except RuntimeError as err:  # cdk-nag findings fail validation; the report is still written
        if "ValidationFailed" not in str(err):
            raise
    _ASSEMBLED[id(root)] = (root, root.outdir)
    return root.outdir


def synth(stack: Stack) -> dict[str, Any]:
    """The synthesized CloudFormation template of `stack`, from one synthesis of its app."""
    _assemble(_root(stack))
    stage = Stage.of(stack)
    assert stage is not None
    with open(os.path.join(stage.outdir, stack.template_file), encoding="utf-8") as f:
        return json.load(f)


def nag_findings(app_or_stage: Stage) -> list[str]:
    """Unacknowledged cdk-nag AwsSolutions findings as ``"<rule id> <construct path>"``.

    For a nested stage only findings under that stage are returned.
    """
    outdir = _assemble(_root(app_or_stage))
    report_path = os.path.join(outdir, "validation-report.json")
    # CDK writes the report whenever a validation plugin ran; _assemble always attaches cdk-nag, so a missing
    # report means cdk-nag did not run, never that it found nothing.
    assert os.path.exists(report_path), f"{report_path} is missing: cdk-nag did not run"
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    prefix = app_or_stage.node.path
    findings = []
    for plugin in report.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []) or violation.get("violatingResources", []):
                path = construct.get("constructPath", "")
                if not prefix or path == prefix or path.startswith(prefix + "/"):
                    findings.append(f"{violation['ruleName']} {path}")
    return sorted(findings)


def cfn_lint_findings(template: dict[str, Any], regions: Iterable[str] = ("us-east-1",)) -> list[str]:
    """cfn-lint errors and warnings of a template dict; informational findings are left out."""
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs

    matches = lint(json.dumps(template), config=ManualArgs(regions=list(regions)))
    findings = []
    for m in matches:
        rule_id = m.rule.id
        if rule_id.startswith("I"):
            continue
        path = "/".join(str(p) for p in (getattr(m, "path", None) or []))
        findings.append(f"{rule_id} {path or m.linenumber}: {m.message}")
    return findings


def assembly_stacks(outdir: str, root: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """``(template path, region, template)`` of every stack in the cloud assembly at `outdir`.

    Nested stage assemblies are included; the path is relative to the top assembly and the region is
    the one the stack's manifest environment names (``aws://account/region``).
    """
    root = root or outdir
    with open(os.path.join(outdir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    found = []
    for artifact in manifest["artifacts"].values():
        if artifact["type"] == "aws:cloudformation:stack":
            path = os.path.join(outdir, artifact["properties"]["templateFile"])
            with open(path, encoding="utf-8") as f:
                found.append((os.path.relpath(path, root), artifact["environment"].split("/")[-1], json.load(f)))
        elif artifact["type"] == "cdk:cloud-assembly":
            found += assembly_stacks(os.path.join(outdir, artifact["properties"]["directoryName"]), root)
    return found


def suppressions(template: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every cdk-nag acknowledgment in the template: ``(logical id, rule id, reason)``."""
    found = []
    for logical_id, resource in sorted(template.get("Resources", {}).items()):
        rules = resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        for rule in rules:
            found.append((logical_id, rule.get("id", ""), rule.get("reason", "")))
    return found
