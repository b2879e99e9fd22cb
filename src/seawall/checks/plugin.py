"""Seawall's checks as a CDK policy-validation plugin (``cdk synth`` reports them), and :func:`suppress`.

The one module of :mod:`seawall.checks` that imports ``aws_cdk``.

The mechanism cdk-nag 3 uses::

    from aws_cdk import App, Validations
    from seawall.checks import SeawallChecks

    app = App()
    Validations.of(app).add_plugins(SeawallChecks(plan=PLAN))

After synthesis CDK hands the plugin every template path; each unsuppressed
non-compliant finding becomes a violation, CDK prints the report (and writes
``cdk.out/validation-report.json``) and synthesis fails.

Acknowledgments: CDK drops a violation acknowledged with
``Validations.of(construct).acknowledge(Acknowledgment(id="seawall::SW001", reason=...))``
whatever the reason says, so a failure is reported with severity ``fatal``,
which CDK does not let an acknowledgment suppress ("isSuppressibleViolation":
not fatal).  Seawall reads the acknowledgments itself from the assembly's
metadata, beside each template, and holds them to the suppression reason rule
(:mod:`seawall.checks.suppressions`): ``cdk synth`` and ``seawall check``
pass and fail the same findings.  Warnings are reported as ``warning``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsii
from aws_cdk import (
    CfnResource,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)

from .. import __version__
from ..model.waves import WavePlan
from .core import Finding
from .registry import CHECKS
from .runner import failures, run_checks, template_from_path
from .suppressions import id_problem, reason_problem
from .templates import METADATA_KEY

#: Where plan findings point in the report: they belong to no template.
PLAN_LOCATION = "(seawall plan)"
#: CDK's severity for a failure: "fatal" cannot be acknowledged away (Seawall applies acknowledgments itself).
FAILURE_SEVERITY = "fatal"


@jsii.implements(IPolicyValidationPlugin)
class SeawallChecks:
    """Run Seawall's deployment-safety checks over every synthesized template.

    Parameters
    ----------
    plan:
        The team's WavePlan.  Default: none; the plan checks (SW007 over the
        plan, SW008, SW009 over the plan, SW010) are skipped and only the
        template checks run.
    plan_suppressions:
        Suppressions of plan findings, ``{check_id: reason}``.  Default: none.
    """

    def __init__(self, *, plan: WavePlan | None = None,
                 plan_suppressions: Mapping[str, str] | None = None) -> None:
        if plan is not None and not isinstance(plan, WavePlan):
            raise ValueError(f"plan={plan!r} must be a seawall.model.WavePlan")
        self._plan = plan
        self._plan_suppressions = dict(plan_suppressions or {})

    @property
    def name(self) -> str:
        return "seawall"

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        return list(CHECKS)

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        templates = [template_from_path(p) for p in context.template_paths]
        paths = dict(zip((t.name for t in templates), context.template_paths, strict=True))
        found = run_checks(templates, plan=self._plan, plan_suppressions=self._plan_suppressions)
        violations = [_violation(f, paths) for f in found if f.is_failure or f.is_warning]
        return PolicyValidationPluginReport(success=not failures(found), violations=violations,
                                            plugin_version=__version__)


def _violation(f: Finding, paths: Mapping[str, str]) -> PolicyViolation:
    return PolicyViolation(
        rule_name=f.check_id,
        description=f"{CHECKS[f.check_id].title}: {f.message}",
        fix=CHECKS[f.check_id].fix,
        severity="warning" if f.is_warning else FAILURE_SEVERITY,
        violating_resources=[PolicyViolatingResource(
            resource_logical_id=f.resource,
            template_path=paths.get(f.template or "", f.template or PLAN_LOCATION),
            locations=[f.location] if f.location else [],
        )],
    )


def suppress(construct: Any, check_id: str, reason: str) -> None:
    """Suppress one Seawall check on one resource, with a reason.

    Parameters
    ----------
    construct:
        A ``CfnResource`` or an L2 construct whose ``node.default_child`` is one
        (e.g. a ``LambdaDeploymentGroup``, a ``Pipeline``).
    check_id:
        The check to silence, e.g. ``"SW006"``.
    reason:
        Why the check does not apply to this resource: at least 10 characters
        and two words.  Shown by ``seawall check`` next to the finding.

    Raises
    ------
    ValueError
        For an unknown check ID, a trivial reason, or a construct with no
        CloudFormation resource to carry the metadata.
    """
    problem = id_problem(check_id) or reason_problem(reason)
    if problem:
        raise ValueError(f"cannot suppress {check_id!r}: {problem}")
    cfn = construct if isinstance(construct, CfnResource) else getattr(construct.node, "default_child", None)
    if not isinstance(cfn, CfnResource):
        raise ValueError(
            f"construct {construct.node.path!r} has no CloudFormation resource of its own; pass the CfnResource "
            f"the finding names (e.g. construct.node.find_child('Resource'))"
        )
    current = cfn.get_metadata(METADATA_KEY)
    meta = dict(current) if isinstance(current, Mapping) else {}
    items = [s for s in meta.get("suppressions") or [] if isinstance(s, Mapping) and s.get("id") != check_id]
    items.append({"id": check_id, "reason": " ".join(reason.split())})
    meta["suppressions"] = items
    cfn.add_metadata(METADATA_KEY, meta)
