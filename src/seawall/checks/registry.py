"""The check registry: every rule bound to its ID once, with what it reads, why it matters and the fix.

One entry per rule.  An ID names exactly one rule, so a suppression silences
exactly one thing; the runner refuses a finding whose ID is not its rule's.
IDs are API: never renumbered, never reused.  When a rule was split, the old
ID stayed with one part and the others got new IDs (``docs/checks.md``,
"IDs that were split").

``docs/checks.md``'s catalogue table is :func:`catalogue_markdown`'s output;
a test fails when the two differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from .core import Check, Finding
from .one_box import (
    check_one_box_alarm_in_other_composite,
    check_rollback_composite_mixes_functions,
    check_rollback_composite_named_elsewhere,
)
from .pipeline import (
    check_action_configuration_size,
    check_bake_matches_plan,
    check_deploy_stage_rollback,
    check_gated_stage_complete,
    check_plan_rendered,
    check_steps_rendered,
)
from .plan import check_first_wave_one_region, check_one_box_share, check_production_steps_baked
from .quotas import check_custom_deployment_config_quota, check_duplicate_deployment_configs
from .templates import (
    check_alarm_limit,
    check_alias_has_deployment_group,
    check_alias_not_repointed,
    check_auto_rollback,
    check_deployment_config_one_box,
    check_fault_rate_alarm,
    check_has_alarms,
    check_one_version_resource_per_function,
)


class Over(Enum):
    """What a rule's function takes."""

    #: ``(StackTemplate)``: one template at a time.
    TEMPLATE = "template"
    #: ``(WavePlan)``: the plan alone.
    PLAN = "plan"
    #: ``(WavePlan, StackTemplate)``: each template against the plan.
    PLAN_AND_TEMPLATE = "plan and template"
    #: ``(Sequence[StackTemplate])``: every template of the assembly together.
    ASSEMBLY = "assembly"
    #: ``(WavePlan, Sequence[StackTemplate])``: the plan against the whole assembly.
    PLAN_AND_ASSEMBLY = "plan and assembly"
    #: Applied by the suppression machinery itself (SW000): no rule function.
    SUPPRESSIONS = "suppressions"


@dataclass(frozen=True, kw_only=True)
class Rule(Check):
    """One registry entry: the check as users see it (id, title, reads, why, fix), and the function that judges it."""

    over: Over
    run: Callable[..., Iterable[Finding]] | None = None
    #: A warning rule's non-compliant findings are shown but fail nothing (``Finding.warning``).
    warning: bool = False

    def findings(self, *args: Any) -> list[Finding]:
        """Run the rule; a finding under another ID is a bug in the rule, not a result."""
        if self.run is None:
            return []
        out = list(self.run(*args))
        for f in out:
            if f.check_id != self.id:
                raise RuntimeError(f"rule {self.run.__name__} is registered as {self.id} but reported "
                                   f"{f.check_id}; each ID names one rule (seawall.checks.registry)")
        return [replace(f, warning=True) for f in out] if self.warning else out


_T, _P, _PT = ("templates",), ("plan",), ("pipeline templates",)

RULES: tuple[Rule, ...] = (
    Rule(id="SW000", title="Suppression without a reason, or of an unknown check",
         reads=("template metadata", "CDK acknowledgments", "plan suppressions"), over=Over.SUPPRESSIONS,
         why="A suppression silences a safety check for good; the next engineer needs to know why it was safe. "
             "A suppression whose reason is missing, under 10 characters, one word or a placeholder (todo, "
             "n/a, tbd, ...), or whose ID is unknown, suppresses nothing",
         fix="Give the suppression (suppress(), Metadata seawall.suppressions, plan_suppressions, or CDK's "
             "Validations.of(...).acknowledge on the resource) a real reason and a known ID. SW000 itself "
             "cannot be suppressed"),
    Rule(id="SW001", title="Lambda alias without a CodeDeploy deployment group of its own",
         reads=_T, over=Over.TEMPLATE, run=check_alias_has_deployment_group,
         why="Without its own Lambda deployment group nothing shifts the alias's traffic through a watched "
             "canary or rolls it back; another function's group deploys that function, not this one",
         fix="Deploy the function with seawall.constructs.SafeLambdaDeployment, or link a hand-made alias to "
             "its group with Metadata seawall.deploymentGroup"),
    Rule(id="SW002", title="Alias that CloudFormation re-points",
         reads=_T, over=Over.TEMPLATE, run=check_alias_not_repointed,
         why="With UpdatePolicy CodeDeployLambdaAliasUpdate, a RoutingConfig, or a FunctionVersion that follows "
             "the code, the deploy action shifts all traffic with no one-box step, and a revert by the bake "
             "leaves CloudFormation believing the new version is live",
         fix="Create the alias once on a version that never changes and let Seawall's shift move it "
             "(SafeLambdaDeployment does); remove the update policy and RoutingConfig"),
    Rule(id="SW003", title="Deployment group does not roll back on alarm",
         reads=_T, over=Over.TEMPLATE, run=check_auto_rollback,
         why="CodeDeploy stops a deployment when an alarm fires, but only puts the old version back when "
             "AutoRollbackConfiguration lists DEPLOYMENT_STOP_ON_ALARM",
         fix="AutoRollbackConfiguration Enabled: true, Events: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]"),
    Rule(id="SW004", title="Deployment group watches no alarms",
         reads=_T, over=Over.TEMPLATE, run=check_has_alarms,
         why="A canary nobody watches is a slow all-at-once deployment (no enabled AlarmConfiguration, an "
             "empty list, or IgnorePollAlarmFailure: true)",
         fix="Give the group the one-box and high-severity alarms, Enabled: true, IgnorePollAlarmFailure: false"),
    Rule(id="SW005", title="Deployment group has more than 10 alarms",
         reads=_T, over=Over.TEMPLATE, run=check_alarm_limit,
         why="CloudFormation's AlarmConfiguration takes at most 10 alarms; the deployment group fails to "
             "create or update",
         fix="Combine alarms into composite alarms so the group lists 10 or fewer"),
    Rule(id="SW006", title="Alarm set without a fault-rate alarm",
         reads=_T, over=Over.TEMPLATE, run=check_fault_rate_alarm,
         why="Faults are the first sign of a bad deployment; latency and log alarms alone miss a fast failure",
         fix="Add an alarm on AWS/Lambda Errors over Invocations to the group, directly or inside a composite "
             "it lists"),
    Rule(id="SW007", title="Production step's stage lacks gate, deploy, shift or bake",
         reads=("plan", "pipeline templates"), over=Over.PLAN_AND_TEMPLATE, run=check_steps_rendered,
         why="In a pipeline that renders the plan, each production step's stage must gate, deploy, shift and "
             "bake every target, or a bad change reaches the next step unwatched",
         fix="Render the pipeline from the plan with WavePipeline"),
    Rule(id="SW008", title="Wave 1 spans more than one region",
         reads=_P, over=Over.PLAN, run=check_first_wave_one_region,
         why="The first production wave limits the blast radius of a change production has never seen",
         fix="One low-traffic region in wave 1 (WavePlan.standard does)"),
    Rule(id="SW009", title="Production step's one-box above 10 %",
         reads=_P, over=Over.PLAN, run=check_one_box_share,
         why="A bad version should hurt at most a tenth of requests before the alarms roll it back; a "
             "production step's first traffic move (canary percent, linear increment, all at once) is its "
             "one-box",
         fix="TrafficPolicy.canary(percent<=10) or TrafficPolicy.linear(percent<=10) for production waves"),
    Rule(id="SW010", title="Bake shorter than its step's policy",
         reads=("plan", "pipeline templates"), over=Over.PLAN_AND_TEMPLATE, run=check_bake_matches_plan,
         why="A bake action that waits less (seconds or minimum data points) than the plan means the pipeline "
             "is not what seawall plan shows, and slow burns get less time",
         fix="Re-synthesize the pipeline from the same WavePlan"),
    Rule(id="SW011", title="Deploying stage without OnFailure ROLLBACK",
         reads=_PT, over=Over.TEMPLATE, run=check_deploy_stage_rollback,
         why="A failed stage must re-run with the last good revision; otherwise the failed change stays "
             "deployed",
         fix="Set the stage's OnFailure: {Result: ROLLBACK} (WavePipeline does; the pipeline must be type V2)"),
    Rule(id="SW012", title="More than one Version resource on one function",
         reads=_T, over=Over.TEMPLATE, run=check_one_version_resource_per_function,
         why="On unchanged code Lambda's PublishVersion publishes nothing for the second resource and "
             "CloudFormation fails it ('A version for this Lambda function exists'): the first deploy, and the "
             "rollback after it, fail",
         fix="Keep SafeLambdaDeployment's version; remove function.current_version and extra lambda.Versions"),
    Rule(id="SW013", title="Pipeline action configuration value over 1,000 characters",
         reads=_PT, over=Over.TEMPLATE, run=check_action_configuration_size,
         why="CodePipeline's API allows 1,000 characters per action configuration value: the pipeline fails "
             "to create or update and no change ships",
         fix="Seawall's release inputs have a constant size: put a target's functions in fewer stacks or "
             "shorten team, service or stack names; other actions carry large data in an input artifact"),
    Rule(id="SW014", title="Production step without a bake",
         reads=_P, over=Over.PLAN, run=check_production_steps_baked,
         why="Without a bake the next step starts without watching this one for slow burns",
         fix="Give every production wave a BakePolicy with a duration (and cell_bake for the steps before its "
             "last)"),
    Rule(id="SW015", title="Gated pipeline stage without deploy, shift or bake",
         reads=_PT, over=Over.TEMPLATE, run=check_gated_stage_complete,
         why="Gates run only in production, so a gated stage is a production step: each target needs a gate, "
             "a deploy, a shift and a bake",
         fix="Render the pipeline with WavePipeline"),
    Rule(id="SW016", title="No pipeline renders the plan",
         reads=("plan", "pipeline templates"), over=Over.PLAN_AND_ASSEMBLY, run=check_plan_rendered,
         why="When no pipeline of the assembly has a stage named after a plan step, a hand-written or renamed "
             "pipeline would pass unexamined; every pipeline but the team's foundation (stages runtime-*) is "
             "flagged",
         fix="Render the plan with WavePipeline; suppress SW016 with the reason on a pipeline that deploys "
             "something else"),
    Rule(id="SW017", title="CodeDeploy Lambda deployment config above 10 %",
         reads=_T, over=Over.TEMPLATE, run=check_deployment_config_one_box,
         why="A Lambda AWS::CodeDeploy::DeploymentConfig whose CanaryPercentage or LinearPercentage is above "
             "10 moves more than a one-box's share in its first step",
         fix="Set CanaryPercentage / LinearPercentage to 10 or less"),
    Rule(id="SW018", title="More than 50 custom CodeDeploy deployment configs in one account and region",
         reads=("templates", "assembly manifest"), over=Over.ASSEMBLY, run=check_custom_deployment_config_quota,
         why="CodeDeploy allows 50 custom deployment configurations per account and region, not adjustable; "
             "the stack that creates the 51st fails to deploy",
         fix="Share one deployment config per (account, region, traffic policy), or use CodeDeployDefault "
             "configs"),
    Rule(id="SW019", title="Identical custom CodeDeploy deployment configs in one account and region",
         reads=("templates", "assembly manifest"), over=Over.ASSEMBLY, run=check_duplicate_deployment_configs,
         warning=True,
         why="Identical configs spend CodeDeploy's quota of 50 per account and region for nothing, and the "
             "next function or target to join hits the quota",
         fix="Create each (account, region, traffic policy) config once and name it from every group"),
    Rule(id="SW020", title="One-box alarm named by a composite other than its function's rollback composite",
         reads=("templates",), over=Over.ASSEMBLY, run=check_one_box_alarm_in_other_composite,
         why="A one-box alarm watches one function's new version; inside a service composite or the team "
             "aggregate it holds every gate and reverts every in-flight bake of the team in that region (I10)",
         fix="Give one-box alarms only to the function's deployment group, its bake and its own one-box "
             "rollback composite (SafeLambdaDeployment does)"),
    Rule(id="SW021", title="One-box rollback composite named by another composite",
         reads=("templates",), over=Over.ASSEMBLY, run=check_rollback_composite_named_elsewhere,
         why="Only its function's shift and bake may watch a one-box rollback composite; another composite "
             "naming it spreads one function's one-box to others (I10)",
         fix="Name the service's and the team's alarms in composites, never a one-box rollback composite"),
    Rule(id="SW022", title="One-box rollback composite mixing functions",
         reads=("templates",), over=Over.ASSEMBLY, run=check_rollback_composite_mixes_functions,
         why="A one-box rollback composite is one function's: with another function's one-box alarms in it, "
             "one function's canary reverts the other (I10)",
         fix="One one-box rollback composite per function, over its own one-box alarms and the aggregate"),
)

_BY_ID: dict[str, Rule] = {}
for _rule in RULES:
    if _rule.id in _BY_ID:
        raise RuntimeError(f"check ID {_rule.id} is registered twice")
    _BY_ID[_rule.id] = _rule

#: Every check by ID, in registry order.
CHECKS: Mapping[str, Check] = {r.id: r for r in RULES}


def rules_over(over: Over) -> tuple[Rule, ...]:
    """The rules whose function takes `over`."""
    return tuple(r for r in RULES if r.over is over)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").rstrip(".")


def catalogue_markdown() -> str:
    """The catalogue table of ``docs/checks.md``, one row per registered rule."""
    lines = ["| ID | What it finds | Reads | Why it matters | Fix |", "|---|---|---|---|---|"]
    for r in RULES:
        title = _cell(r.title) + (" (warning: reported, fails nothing)" if r.warning else "")
        lines.append(f"| {r.id} | {title} | {', '.join(r.reads)} | {_cell(r.why)} | {_cell(r.fix)} |")
    return "\n".join(lines)
