"""Run every rule over templates and a plan; read cloud assemblies; format reports."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model.waves import WavePlan
from . import suppressions as _sup
from .core import Compliance, Finding, StackTemplate, TemplateError, read_json
from .registry import CHECKS, Over, rules_over

_ORDER = {Compliance.NON_COMPLIANT: 0, Compliance.COMPLIANT: 1, Compliance.NOT_APPLICABLE: 2}


def _template(template: object, name: str) -> StackTemplate:
    if isinstance(template, StackTemplate):
        return template
    if isinstance(template, Mapping):
        return StackTemplate(name, template)
    raise TypeError(f"template={template!r} must be a CloudFormation template dict or a StackTemplate "
                    f"(got {type(template).__name__})")


def check_template(template: StackTemplate | Mapping[str, Any], *, plan: WavePlan | None = None,
                   name: str = "template") -> list[Finding]:
    """Every template rule (and, with `plan`, every plan-vs-pipeline rule) over one template.

    Suppressions in the template's metadata (and CDK acknowledgments read with it from an assembly) are
    applied; invalid ones are ``SW000`` findings.  Assembly-wide rules need every template together: see
    :func:`run_checks`.
    """
    if plan is not None and not isinstance(plan, WavePlan):
        raise TypeError(f"plan={plan!r} must be a seawall.model.WavePlan")
    t = _template(template, name)
    found: list[Finding] = [f for rule in rules_over(Over.TEMPLATE) for f in rule.findings(t)]
    if plan is not None:
        found += [f for rule in rules_over(Over.PLAN_AND_TEMPLATE) for f in rule.findings(plan, t)]
    valid, errors = _sup.resource_suppressions(t)
    return _sup.apply(found, valid) + errors


def check_plan(plan: WavePlan, *, suppressions: Mapping[str, str] | None = None) -> list[Finding]:
    """Every plan rule over `plan`; `suppressions` maps a check ID to its reason."""
    if not isinstance(plan, WavePlan):
        raise TypeError(f"plan={plan!r} is not a seawall.model.WavePlan")
    found = [f for rule in rules_over(Over.PLAN) for f in rule.findings(plan)]
    valid, errors = _sup.plan_suppressions(suppressions)
    return [f.suppressed(valid[f.check_id]) if f.check_id in valid and f.status is Compliance.NON_COMPLIANT
            else f for f in found] + errors


def run_checks(templates: Iterable[StackTemplate | Mapping[str, Any]] = (), *, plan: WavePlan | None = None,
               plan_suppressions: Mapping[str, str] | None = None) -> list[Finding]:
    """All checks: each template (with plan-vs-pipeline rules when `plan` is given), the assembly, the plan.

    The templates are also checked as one assembly (custom deployment configs per account and region,
    one-box alarms across stacks) and, with `plan`, some pipeline among them must render the plan.
    """
    if isinstance(templates, (str, bytes, Mapping, StackTemplate)):
        raise TypeError(f"templates={templates!r} must be a list of templates (dicts or StackTemplates), or the "
                        f"path of cdk.out read with assembly_templates()")
    read = [_template(t, f"template-{i}") for i, t in enumerate(templates)]
    findings: list[Finding] = []
    for t in read:
        findings += check_template(t, plan=plan)
    whole = [f for rule in rules_over(Over.ASSEMBLY) for f in rule.findings(read)]
    if plan is not None:
        findings += check_plan(plan, suppressions=plan_suppressions)
        whole += [f for rule in rules_over(Over.PLAN_AND_ASSEMBLY) for f in rule.findings(plan, read)]
    by_template = {t.name: t for t in read}
    for f in whole:
        owner = by_template.get(f.template or "")
        findings += _sup.apply([f], _sup.resource_suppressions(owner)[0]) if owner is not None else [f]
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (_ORDER[f.status], f.warning, f.check_id, f.template or "", f.resource,
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
    Each stack template carries its environment, construct paths and CDK
    acknowledgments from the manifest.

    Raises
    ------
    FileNotFoundError
        `path` does not exist or holds no template.
    TemplateError
        A manifest or template is not valid JSON or not shaped like one (a ``ValueError`` naming the file).
    """
    root = Path(path).resolve()
    if root.is_file():
        return [template_from_path(root)]
    if not root.is_dir():
        raise FileNotFoundError(f"{str(root)!r} is neither a cloud assembly folder nor a template file; "
                                f"run `cdk synth` first (it writes cdk.out)")
    files: list[tuple[Path, dict[str, Any]]] = []
    _collect(root, files, set())
    if not files:
        raise FileNotFoundError(f"no CloudFormation templates in {str(root)!r}; run `cdk synth` first")
    return [StackTemplate(str(f.relative_to(root)), read_json(f, "template"), **where) for f, where in files]


def template_from_path(path: str | os.PathLike[str]) -> StackTemplate:
    """One template file, with what the manifest beside it says about its stack (if there is one)."""
    f = Path(path).resolve()
    manifest = f.parent / "manifest.json"
    where = _stack_info(f.parent, read_json(manifest, "cloud assembly manifest")).get(f, {}) \
        if manifest.is_file() else {}
    return StackTemplate(str(path), read_json(f, "template"), **where)


def _environment(value: object) -> dict[str, str | None]:
    """``aws://{account}/{region}`` -> account and region; CDK's ``unknown-*`` are None."""
    if not isinstance(value, str) or not value.startswith("aws://"):
        return {"account": None, "region": None}
    account, _, region = value[len("aws://"):].partition("/")
    return {"account": None if account in ("", "unknown-account") else account,
            "region": None if region in ("", "unknown-region") else region}


def _stack_info(folder: Path, manifest: object) -> dict[Path, dict[str, Any]]:
    """Template file -> StackTemplate fields, for each stack artifact of `manifest`."""
    name = folder / "manifest.json"
    if not isinstance(manifest, Mapping) or not isinstance(manifest.get("artifacts") or {}, Mapping):
        raise TemplateError(f"cloud assembly manifest {str(name)!r} is not an object with an artifacts map")
    out: dict[Path, dict[str, Any]] = {}
    for art_id, art in (manifest.get("artifacts") or {}).items():
        if not isinstance(art, Mapping):
            raise TemplateError(f"cloud assembly manifest {str(name)!r}: artifact {art_id!r} is not an object")
        p = art.get("properties") or {}
        if art.get("type") != "aws:cloudformation:stack" or not isinstance(p, Mapping) or not p.get("templateFile"):
            continue
        metadata: dict[str, Any] = {}
        if isinstance(art.get("metadata"), Mapping):
            metadata.update(art["metadata"])
        extra = art.get("additionalMetadataFile")
        if isinstance(extra, str) and extra:
            more = read_json(folder / extra, "stack metadata file")
            if isinstance(more, Mapping):
                metadata.update(more)
        paths: dict[str, str] = {}
        acks: dict[str, dict[str, str]] = {}
        for construct_path, entries in metadata.items():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, Mapping):
                    continue
                if entry.get("type") == "aws:cdk:logicalId" and isinstance(entry.get("data"), str):
                    paths[entry["data"]] = construct_path
                elif entry.get("type") == "aws:cdk:acknowledged-rules" and isinstance(entry.get("data"), Mapping):
                    acks.setdefault(construct_path, {}).update(
                        {str(k): str(v) for k, v in entry["data"].items()})
        stack_path = art.get("displayName") if isinstance(art.get("displayName"), str) else None
        out[(folder / str(p["templateFile"])).resolve()] = {
            **_environment(art.get("environment")), "stack_path": stack_path,
            "construct_paths": paths, "acknowledgments": acks}
    return out


def _collect(folder: Path, out: list[tuple[Path, dict[str, Any]]], seen: set[Path]) -> None:
    """Append `folder`'s templates (with their stack's fields) to `out`, then those of its nested assemblies."""
    folder = folder.resolve()
    if folder in seen:
        return
    seen.add(folder)
    manifest = folder / "manifest.json"
    found: list[tuple[Path, dict[str, Any]]] = []
    nested: list[Path] = []
    if manifest.is_file():
        data = read_json(manifest, "cloud assembly manifest")
        for f, where in _stack_info(folder, data).items():
            if not f.is_file():
                raise TemplateError(f"cloud assembly manifest {str(manifest)!r} names template {f.name!r}, which "
                                    f"does not exist; run `cdk synth` again")
            found.append((f, where))
        for art in (data.get("artifacts") or {}).values():
            p = art.get("properties") or {}
            if art.get("type") == "cdk:cloud-assembly" and isinstance(p, Mapping) and p.get("directoryName"):
                nested.append(folder / str(p["directoryName"]))
        found += [(f, {}) for f in sorted(folder.glob("*.nested.template.json"))]
    else:
        found += [(f, {}) for f in sorted(folder.glob("*.template.json"))]
        nested += sorted(p for p in folder.glob("assembly-*") if p.is_dir())
    known = {f for f, _ in out}
    for f, where in found:
        f = f.resolve()
        if f.is_file() and f not in known:
            out.append((f, where))
            known.add(f)
    for sub in nested:
        _collect(sub, out, seen)


# --------------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------------

def summary(findings: Sequence[Finding]) -> dict[str, int]:
    return {
        "failures": sum(f.is_failure for f in findings),
        "warnings": sum(f.is_warning for f in findings),
        "suppressed": sum(f.suppressed_by is not None for f in findings),
        "compliant": sum(f.status is Compliance.COMPLIANT for f in findings),
        "notApplicable": sum(f.status is Compliance.NOT_APPLICABLE for f in findings),
    }


def format_text(findings: Sequence[Finding], *, verbose: bool = False) -> str:
    lines = []
    for f in findings:
        if f.is_failure or f.is_warning or f.suppressed_by is not None or verbose:
            mark = ("FAIL" if f.is_failure else "WARN" if f.is_warning else "suppressed" if f.suppressed_by else
                    "ok" if f.status is Compliance.COMPLIANT else "n/a")
            lines.append(f"[{mark}] {f.describe()}")
    s = summary(findings)
    lines.append(f"seawall check: {s['failures']} failure(s), {s['warnings']} warning(s), "
                 f"{s['suppressed']} suppressed, {s['compliant']} compliant, {s['notApplicable']} not applicable")
    return "\n".join(lines)


def format_json(findings: Sequence[Finding]) -> str:
    used = sorted({f.check_id for f in findings})
    return json.dumps({
        "summary": summary(findings),
        "findings": [f.to_dict() for f in findings],
        "checks": {i: CHECKS[i].to_dict() for i in used},
    }, indent=2)
