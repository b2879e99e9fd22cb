"""Suppressions: a check silenced on one resource, always with a reason.

In a template, a resource carries them in its metadata::

    Metadata:
      seawall:
        suppressions:
          - id: SW006
            reason: The fault-rate alarm is the org-wide alarm imported by name

A CDK acknowledgment, ``Validations.of(construct).acknowledge(Acknowledgment(
id="seawall::SW006", reason=...))``, is a suppression too, read from the cloud
assembly's metadata (``aws:cdk:acknowledged-rules``) and held to the same
rule.  It covers the resources under the construct it was made on, the closest
one winning; one made on a whole stack is refused like a stack-wide suppression.
Acknowledgments on a Stage or the App are not written into any stack's
metadata, so they cannot be read and suppress nothing.

A suppression with a missing or trivial reason, or an unknown check ID, does
not suppress anything and is itself a finding (``SW000``) that cannot be
suppressed.  There are no stack-wide suppressions: each resource says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .core import Compliance, Finding, StackTemplate
from .registry import CHECKS
from .templates import METADATA_KEY, seawall_metadata

#: Shortest reason accepted, in characters (cdk-nag asks for 10 as well).
MIN_REASON_LENGTH = 10
_PLACEHOLDERS = frozenset({
    "todo", "tbd", "n/a", "na", "none", "fixme", "ignore", "ignored", "suppress", "suppressed", "reason",
    "no reason", "not needed", "because", "false positive", "later", "fix later", "temporary", "wip", "test",
})


def reason_problem(reason: object) -> str | None:
    """Why `reason` is not an acceptable suppression reason, or None when it is."""
    if not isinstance(reason, str):
        return f"reason={reason!r} must be a sentence saying why the check does not apply"
    text = " ".join(reason.split())
    if text.lower().strip(" .!?-") in _PLACEHOLDERS:
        return f"reason={reason!r} is a placeholder; say why the check does not apply here"
    if len(text) < MIN_REASON_LENGTH or len(text.split()) < 2:
        return (f"reason={reason!r} is too short; give at least {MIN_REASON_LENGTH} characters and two words "
                f"saying why the check does not apply here")
    return None


def id_problem(check_id: object) -> str | None:
    if check_id == "SW000":
        return "SW000 (an invalid suppression) cannot itself be suppressed"
    if not isinstance(check_id, str) or check_id not in CHECKS:
        return f"id={check_id!r} is not a Seawall check; expected one of {', '.join(sorted(CHECKS)[1:])}"
    return None


def _entries(resource: Mapping[str, Any]) -> Iterator[tuple[int, object, object]]:
    items = seawall_metadata(resource).get("suppressions")
    if items is None:
        return
    if not isinstance(items, list):
        yield -1, None, None
        return
    for i, item in enumerate(items):
        if isinstance(item, Mapping):
            yield i, item.get("id"), item.get("reason")
        else:
            yield i, None, None


def template_suppressions(t: StackTemplate) -> tuple[dict[tuple[str, str], str], list[Finding]]:
    """Valid suppressions by (logical ID, check ID) -> reason, and SW000 findings for the invalid ones."""
    valid: dict[tuple[str, str], str] = {}
    errors: list[Finding] = []
    for lid, res in t.resources.items():
        if not isinstance(res, Mapping):
            continue
        for i, check_id, reason in _entries(res):
            loc = f"Metadata/{METADATA_KEY}/suppressions" + (f"/{i}" if i >= 0 else "")
            problem: str | None
            if i < 0 or check_id is None and reason is None:
                problem = "must be a list of {id, reason} objects"
            else:
                problem = id_problem(check_id) or reason_problem(reason)
            if problem:
                errors.append(Finding(
                    check_id="SW000", status=Compliance.NON_COMPLIANT, resource=lid, template=t.name, location=loc,
                    message=f"suppression on {lid} is invalid and suppresses nothing: {problem}"))
            else:
                assert isinstance(check_id, str) and isinstance(reason, str)
                valid[(lid, check_id)] = " ".join(reason.split())
    return valid, errors


#: How CDK qualifies an acknowledgment of one of this plugin's rules (``{plugin name}::{rule}``).
ACKNOWLEDGMENT_PREFIX = "seawall::"


def acknowledgment_suppressions(t: StackTemplate) -> tuple[dict[tuple[str, str], str], list[Finding]]:
    """CDK acknowledgments of Seawall rules in `t`'s metadata, as suppressions, and SW000 for the invalid ones."""
    valid: dict[tuple[str, str], tuple[int, str]] = {}
    errors: list[Finding] = []
    stack = (t.stack_path or "").strip("/")
    by_path = {lid: path.strip("/") for lid, path in t.construct_paths.items()}
    for raw_path, rules in sorted(t.acknowledgments.items()):
        path = raw_path.strip("/")
        covered = sorted(lid for lid, p in by_path.items() if p == path or p.startswith(f"{path}/"))
        own = [lid for lid, p in by_path.items() if p == path]
        where = own[0] if own else path or "(app)"
        for ack_id, reason in sorted(rules.items()):
            if not ack_id.startswith(ACKNOWLEDGMENT_PREFIX):
                continue
            check_id = ack_id[len(ACKNOWLEDGMENT_PREFIX):]
            problem = id_problem(check_id) or reason_problem(reason)
            if not problem and stack and (path == stack or not path.startswith(f"{stack}/")):
                problem = ("it is made on the whole stack; there are no stack-wide suppressions: acknowledge on "
                           "the resource the finding names, with why the check does not apply to it")
            if problem:
                errors.append(Finding(
                    check_id="SW000", status=Compliance.NON_COMPLIANT, resource=where, template=t.name,
                    location=f"Metadata aws:cdk:acknowledged-rules {ack_id}",
                    message=f"CDK acknowledgment of {ack_id} on {path or '(app)'} is invalid and suppresses "
                            f"nothing: {problem}"))
                continue
            for lid in covered:
                depth = len(path)
                if (lid, check_id) not in valid or valid[(lid, check_id)][0] < depth:
                    valid[(lid, check_id)] = (depth, " ".join(str(reason).split()))
    return {k: reason for k, (_, reason) in valid.items()}, errors


def resource_suppressions(t: StackTemplate) -> tuple[dict[tuple[str, str], str], list[Finding]]:
    """Every valid suppression of `t` (metadata and CDK acknowledgments), and SW000 for the invalid ones."""
    valid, errors = template_suppressions(t)
    acked, ack_errors = acknowledgment_suppressions(t)
    for key, reason in acked.items():
        valid.setdefault(key, reason)
    return valid, errors + ack_errors


def plan_suppressions(suppressions: Mapping[str, str] | None) -> tuple[dict[str, str], list[Finding]]:
    """Validate suppressions of plan findings, given as ``{check_id: reason}``."""
    valid: dict[str, str] = {}
    errors: list[Finding] = []
    for check_id, reason in (suppressions or {}).items():
        problem = id_problem(check_id) or reason_problem(reason)
        if problem:
            errors.append(Finding(check_id="SW000", status=Compliance.NON_COMPLIANT, resource="plan",
                                  message=f"plan suppression of {check_id} is invalid and suppresses nothing: "
                                          f"{problem}"))
        else:
            valid[check_id] = " ".join(reason.split())
    return valid, errors


def apply(findings: Iterable[Finding], by_resource: Mapping[tuple[str, str], str]) -> list[Finding]:
    out = []
    for f in findings:
        reason = by_resource.get((f.resource, f.check_id))
        out.append(f.suppressed(reason) if reason and f.status is Compliance.NON_COMPLIANT else f)
    return out
