"""Seawall's checks as a CDK policy-validation plugin: ``cdk synth`` reports them.

The mechanism cdk-nag 3 uses::

    from aws_cdk import App, Validations
    from seawall.checks import SeawallChecks

    app = App()
    Validations.of(app).add_plugins(SeawallChecks(plan=PLAN))

After synthesis CDK hands the plugin every template path; each unsuppressed
non-compliant finding becomes a violation, CDK prints the report (and writes
``cdk.out/validation-report.json``) and synthesis fails.
"""

from __future__ import annotations

from collections.abc import Mapping

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)

from .. import __version__
from ..model.waves import WavePlan
from .core import CHECKS, StackTemplate
from .runner import failures, run_checks

#: Where plan findings point in the report: they belong to no template.
PLAN_LOCATION = "(seawall plan)"


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
        templates = [StackTemplate.from_file(p) for p in context.template_paths]
        findings = failures(run_checks(templates, plan=self._plan, plan_suppressions=self._plan_suppressions))
        violations = [
            PolicyViolation(
                rule_name=f.check_id,
                description=f"{CHECKS[f.check_id].title}: {f.message}",
                fix=CHECKS[f.check_id].fix,
                severity="error",
                violating_resources=[PolicyViolatingResource(
                    resource_logical_id=f.resource,
                    template_path=f.template or PLAN_LOCATION,
                    locations=[f.location] if f.location else [],
                )],
            )
            for f in findings
        ]
        return PolicyValidationPluginReport(success=not violations, violations=violations,
                                            plugin_version=__version__)
