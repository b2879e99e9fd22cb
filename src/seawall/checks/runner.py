"""Run every rule over templates and a plan; read cloud assemblies; format reports."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model.waves import WavePlan
from . import suppressions as _sup
from .core import CHECKS, Compliance, Finding, StackTemplate
from .pipeline import PIPELINE_RULES, PLAN_PIPELINE_RULES, check_plan_rendered
from .plan import PLAN_RULES
from .templates import TEMPLATE_RULES

_ORDER = {Compliance.NON_COMPLIANT: 0, Compliance.COMPLIANT: 1, Compliance.NOT_APPLICABLE: 2}


def check_template(template: StackTemplate | Mapping[str, Any], *, plan: WavePlan | None = None,
                   name: str = "template") -> list[Finding]:
    """Every template rule (and, with `plan`, every plan-vs-pipeline rule) over one template.

    Suppressions in the template's metadata are applied; invalid ones are
    ``SW000`` findings.
    """
    t = template if isinstance(template, StackTemplate) else StackTemplate(name, template)
    found: list[Finding] = []
    for rule in (*TEMPLATE_RULES, *PIPELINE_RULES):
        found.extend(rule(t))
    if plan is not None:
        for prule in PLAN_PIPELINE_RULES:
            found.extend(prule(plan, t))
    valid, errors = _sup.template_suppressions(t)
    return _sup.apply(found, valid) + errors


def check_plan(plan: WavePlan, *, suppressions: Mapping[str, str] | None = None) -> list[Finding]:
    """Every plan rule over `plan`; `suppressions` maps a check ID to its reason."""
    if not isinstance(plan, WavePlan):
        raise ValueError(f"plan={plan!r} is not a seawall.model.WavePlan")
    found = [f for rule in PLAN_RULES for f in rule(plan)]
    valid, errors = _sup.plan_suppressions(suppressions)
    return [f.suppressed(valid[f.check_id]) if f.check_id in valid and f.status is Compliance.NON_COMPLIANT
            else f for f in found] + errors


def run_checks(templates: Iterable[StackTemplate | Mapping[str, Any]] = (), *, plan: WavePlan | None = None,
               plan_suppressions: Mapping[str, str] | None = None) -> list[Finding]:
    """All checks: each template (with plan-vs-pipeline rules when `plan` is given) and the plan itself.

    With `plan`, the templates are also checked as one assembly: some
    pipeline among them must render the plan (SW007).
    """
    findings: list[Finding] = []
    read = [t if isinstance(t, StackTemplate) else StackTemplate(f"template-{i}", t)
            for i, t in enumerate(templates)]
    for t in read:
        findings += check_template(t, plan=plan)
    if plan is not None:
        findings += check_plan(plan, suppressions=plan_suppressions)
        by_template = {t.name: t for t in read}
        for f in check_plan_rendered(plan, read):
            owner = by_template.get(f.template or "")
            findings += _sup.apply([f], _sup.template_suppressions(owner)[0]) if owner is not None else [f]
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (_ORDER[f.status], f.check_id, f.template or "", f.resource,
                                           f.location or ""))


def failures(findings: Iterable[Finding]) -> list[Finding]:
    """Non-compliant findings that no valid suppression silences."""
    return [f for f in findings if f.is_failure]


# --------------------------------------------------------------------------------------------------
# Cloud assemblies
# --------------------------------------------------------------------------------------------------

def assembly_templates(path: str | os.PathLike[str]) -> list[StackTemplate]:
    """Every template of a cloud assembly (``cdk.out``), nested stage assemblies included.

    `path` may also be one template file.  Templates are read from each
    ``manifest.json`` (stack artifacts, ``cdk:cloud-assembly`` artifacts in
    ``assembly-*`` folders) plus nested-stack templates; a folder without a
    manifest is searched for ``*.template.json``.  Names are relative to `path`.
    """
    root = Path(path).resolve()
    if root.is_file():
        return [StackTemplate.from_file(str(root))]
    if not root.is_dir():
        raise FileNotFoundError(f"{str(root)!r} is neither a cloud assembly folder nor a template file; "
                                f"run `cdk synth` first (it writes cdk.out)")
    files: list[Path] = []
    _collect(root, files, set())
    if not files:
        raise FileNotFoundError(f"no CloudFormation templates in {str(root)!r}; run `cdk synth` first")
    return [StackTemplate(str(f.relative_to(root)), json.loads(f.read_text(encoding="utf-8"))) for f in files]


def _collect(folder: Path, out: list[Path], seen: set[Path]) -> None:
    """Append `folder`'s templates to `out`, then those of its nested assemblies."""
    folder = folder.resolve()
    if folder in seen:
        return
    seen.add(folder)
    manifest = folder / "manifest.json"
    found: list[Path] = []
    nested: list[Path] = []
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        for art in (data.get("artifacts") or {}).values():
            p = art.get("properties") or {}
            if art.get("type") == "aws:cloudformation:stack" and p.get("templateFile"):
                found.append(folder / p["templateFile"])
            elif art.get("type") == "cdk:cloud-assembly" and p.get("directoryName"):
                nested.append(folder / p["directoryName"])
        found += sorted(folder.glob("*.nested.template.json"))
    else:
        found += sorted(folder.glob("*.template.json"))
        nested += sorted(p for p in folder.glob("assembly-*") if p.is_dir())
    for f in found:
        f = f.resolve()
        if f.is_file() and f not in out:
            out.append(f)
    for sub in nested:
        _collect(sub, out, seen)


# --------------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------------

def summary(findings: Sequence[Finding]) -> dict[str, int]:
    return {
        "failures": sum(f.is_failure for f in findings),
        "suppressed": sum(f.suppressed_by is not None for f in findings),
        "compliant": sum(f.status is Compliance.COMPLIANT for f in findings),
        "notApplicable": sum(f.status is Compliance.NOT_APPLICABLE for f in findings),
    }


def format_text(findings: Sequence[Finding], *, verbose: bool = False) -> str:
    lines = []
    for f in findings:
        if f.is_failure or f.suppressed_by is not None or verbose:
            mark = ("FAIL" if f.is_failure else "suppressed" if f.suppressed_by else
                    "ok" if f.status is Compliance.COMPLIANT else "n/a")
            lines.append(f"[{mark}] {f.describe()}")
    s = summary(findings)
    lines.append(f"seawall check: {s['failures']} failure(s), {s['suppressed']} suppressed, "
                 f"{s['compliant']} compliant, {s['notApplicable']} not applicable")
    return "\n".join(lines)


def format_json(findings: Sequence[Finding]) -> str:
    used = sorted({f.check_id for f in findings})
    return json.dumps({
        "summary": summary(findings),
        "findings": [f.to_dict() for f in findings],
        "checks": {i: CHECKS[i].to_dict() for i in used},
    }, indent=2)
