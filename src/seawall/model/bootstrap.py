"""What must exist in AWS before the first ``cdk deploy``: a checklist derived from the plan.

:func:`bootstrap_checklist` reads a :class:`~seawall.model.WavePlan` and the
pipeline's account and region and lists, sorted and free of duplicates:

* every **environment** (account and region) that needs ``cdk bootstrap``, with
  the ``--trust`` and ``--cloudformation-execution-policies`` it needs;
* the **cross-region support stacks** CDK Pipelines creates in the pipeline
  account, one per region other than the pipeline's that an action runs in;
* the **opt-in regions** that must be enabled, and in which accounts;
* where each **organisation-wide alarm** (``blocking_alarms``) must exist.

The AWS behaviour it relies on, with sources:

* Bootstrapping. The CDK Pipelines README, "CDK Environment Bootstrapping"
  (https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk-lib/pipelines/README.md):
  "Before you can provision the pipeline, you have to *bootstrap* the
  environment you want to create it in. If you are deploying your application
  to different environments, you also have to bootstrap those and be sure to
  add a *trust* relationship."  Its commands are
  ``npx cdk bootstrap --cloudformation-execution-policies
  arn:aws:iam::aws:policy/AdministratorAccess aws://111111111111/us-east-1``
  for the pipeline's environment and the same with ``--trust 111111111111``
  for an environment the pipeline deploys to.  "``--trust``: indicates which
  *other* account(s) should have permissions to deploy CDK applications into
  this account" - an environment in the pipeline's own account needs none.
  "``--cloudformation-execution-policies``: ... By default this is
  ``AdministratorAccess``, but if you also specify the ``--trust`` flag ...
  you must specify a value here."
* Cross-region support stacks.  ``aws-codepipeline``'s ``Pipeline`` creates,
  for each action region other than the pipeline's, a stack
  ``cross-region-stack-{pipelineAccount}:{region}`` in the *pipeline* account
  holding the replication bucket (and, with cross-account keys, its KMS key);
  ``cdk deploy`` of the pipeline stack deploys it.  It uses a
  ``BootstraplessSynthesizer`` "because we don't want to require bootstrapping
  the environment of the pipeline account in this replication region"
  (``packages/aws-cdk-lib/aws-codepipeline/lib/pipeline.ts``,
  ``getCrossRegionSupportSynthesizer``): it reuses the bootstrap roles of the
  pipeline's own region (IAM is global) and cannot hold assets.  (Checked
  against the pinned aws-cdk-lib: a pipeline in ``111111111111/us-east-1``
  deploying to ``eu-south-1`` synthesizes ``cross-region-stack-111111111111:eu-south-1``
  with ``assumeRoleArn`` ``cdk-hnb659fds-deploy-role-111111111111-us-east-1``
  and no ``requiresBootstrapStackVersion``.)  So the
  pipeline account needs no bootstrap in those regions (unless a target
  deploys there, which makes it an environment of its own; aws-cdk#10215 fixed
  the regression that once required it), but the region must be *enabled*
  in the pipeline account when it is an opt-in region.
* Opt-in regions.  AWS Account Management, "Enable or disable AWS Regions in
  your account"
  (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html):
  "Regions launched after March 20, 2019 are disabled by default" and must be
  enabled before you can create and manage resources there, per account.
  ``aws account enable-region --account-id ... --region-name ...``
  (https://docs.aws.amazon.com/cli/latest/reference/account/enable-region.html);
  ``--account-id`` works only from the organization's management account (or a
  delegated administrator); from the account itself, leave it out.
* Organisation-wide alarms.  Every gate and every bake of a target reads each
  name in ``blocking_alarms`` with CloudWatch ``DescribeAlarms`` in the
  target's own account and region; alarm names are unique per account and
  region, so the alarm must exist under exactly that name in each of them.
  A missing one fails the gate or bake closed with a message naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._validate import require_account, require_unique
from .limits import MAX_ALARM_NAME
from .waves import WavePlan

__all__ = [
    "ADMINISTRATOR_ACCESS", "BootstrapChecklist", "BootstrapEnvironment", "OptInRegion", "RequiredAlarm",
    "SupportStack", "bootstrap_checklist",
]

#: The execution policy the CDK Pipelines README bootstraps with.
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"

# fullmatch, ASCII: `$` also matches before a trailing newline, and `\d`/`\w` accept other scripts' characters.
_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/[\w+=,.@/-]+", re.ASCII)


@dataclass(frozen=True, kw_only=True)
class BootstrapEnvironment:
    """One account and region that needs ``cdk bootstrap`` before the first deploy.

    Attributes
    ----------
    account, region:
        The environment.
    trust:
        Accounts passed to ``--trust``: the pipeline account, unless this
        environment is in the pipeline account itself (then none).
    execution_policies:
        Managed policy ARNs for ``--cloudformation-execution-policies``.
    used_by:
        What deploys here: ``pipeline`` and/or the plan's waves, in plan order.
    opt_in:
        The region is an opt-in region: enable it in `account` first.
    """

    account: str
    region: str
    trust: tuple[str, ...]
    execution_policies: tuple[str, ...]
    used_by: tuple[str, ...]
    opt_in: bool

    @property
    def command(self) -> str:
        """The ``cdk bootstrap`` command, to run with credentials for `account`."""
        parts = ["npx cdk bootstrap", f"aws://{self.account}/{self.region}"]
        if self.trust:
            parts.append("--trust " + ",".join(self.trust))
        parts.append("--cloudformation-execution-policies " + ",".join(self.execution_policies))
        return " ".join(parts)

    def to_dict(self) -> dict[str, object]:
        return {"account": self.account, "region": self.region, "trust": list(self.trust),
                "executionPolicies": list(self.execution_policies), "usedBy": list(self.used_by),
                "optIn": self.opt_in, "command": self.command}


@dataclass(frozen=True, kw_only=True)
class SupportStack:
    """A CDK Pipelines cross-region support stack (replication bucket) in the pipeline account.

    ``cdk deploy`` of the pipeline stack creates it; it needs no bootstrap in
    its region, but an opt-in region must be enabled in the pipeline account.
    """

    account: str
    region: str
    opt_in: bool

    @property
    def stack_id(self) -> str:
        """The construct ID aws-codepipeline gives it (``cdk ls`` shows it)."""
        return f"cross-region-stack-{self.account}:{self.region}"

    def to_dict(self) -> dict[str, object]:
        return {"account": self.account, "region": self.region, "optIn": self.opt_in, "stackId": self.stack_id}


@dataclass(frozen=True, kw_only=True)
class OptInRegion:
    """An opt-in region to enable in one account, and why it is needed there."""

    account: str
    region: str
    needed_for: tuple[str, ...]

    @property
    def command(self) -> str:
        """``aws account enable-region`` for this account (from the organization's management account)."""
        return f"aws account enable-region --account-id {self.account} --region-name {self.region}"

    def to_dict(self) -> dict[str, object]:
        return {"account": self.account, "region": self.region, "neededFor": list(self.needed_for),
                "command": self.command}


@dataclass(frozen=True, kw_only=True)
class RequiredAlarm:
    """An organisation-wide alarm that every gate and bake reads in one account and region."""

    name: str
    account: str
    region: str

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "account": self.account, "region": self.region}


@dataclass(frozen=True, kw_only=True)
class BootstrapChecklist:
    """Everything :func:`bootstrap_checklist` found, each list sorted by account then region."""

    pipeline_account: str
    pipeline_region: str
    environments: tuple[BootstrapEnvironment, ...]
    support_stacks: tuple[SupportStack, ...]
    opt_in_regions: tuple[OptInRegion, ...]
    required_alarms: tuple[RequiredAlarm, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "pipeline": {"account": self.pipeline_account, "region": self.pipeline_region},
            "environments": [e.to_dict() for e in self.environments],
            "supportStacks": [s.to_dict() for s in self.support_stacks],
            "optInRegions": [o.to_dict() for o in self.opt_in_regions],
            "requiredAlarms": [a.to_dict() for a in self.required_alarms],
        }


def _names(value: object, parameter: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"{parameter}={value!r} must be a list of strings, not a single value")
    out = tuple(value)
    for v in out:
        if not isinstance(v, str):
            raise TypeError(f"{parameter} holds {v!r}, a {type(v).__name__}; expected strings")
    return out


def bootstrap_checklist(
    plan: WavePlan,
    *,
    pipeline_account: str,
    pipeline_region: str,
    execution_policies: Sequence[str] = (ADMINISTRATOR_ACCESS,),
    blocking_alarms: Sequence[str] = (),
) -> BootstrapChecklist:
    """The bootstrap checklist for one pipeline deploying `plan`.

    Parameters
    ----------
    plan:
        The wave plan.  A target without an account deploys to the pipeline's
        account, as :class:`~seawall.constructs.WavePipeline` renders it.
    pipeline_account, pipeline_region:
        Where the pipeline stack is deployed (its ``env``).  The team's
        foundation pipeline deploys the team runtime to the same accounts and
        regions as the plan, so a foundation in the same environment needs
        nothing more.
    execution_policies:
        Managed policy ARNs for ``--cloudformation-execution-policies``.
        Default: ``AdministratorAccess``, as the CDK Pipelines README does;
        narrow it to what your stacks create if your organisation requires.
    blocking_alarms:
        The pipeline's organisation-wide alarm names (``blocking_alarms`` of
        ``TeamPipelineStack`` / ``WavePipeline``).  Default: none.

    Returns
    -------
    BootstrapChecklist
        Deterministic: every list sorted by account, then region.
    """
    if not isinstance(plan, WavePlan):
        raise TypeError(f"plan={plan!r} is not a seawall.model.WavePlan")
    for name, value in (("pipeline_account", pipeline_account), ("pipeline_region", pipeline_region)):
        if not isinstance(value, str):
            raise TypeError(f"{name}={value!r} is a {type(value).__name__}; pass a string")
    require_account(pipeline_account, "pipeline_account")
    home = plan.catalogue.pipeline_home(pipeline_region, parameter="pipeline_region")
    policies = _names(execution_policies, "execution_policies")
    if not policies:
        raise ValueError("execution_policies is empty; `cdk bootstrap --trust` requires at least one policy ARN "
                         f"(the CDK Pipelines README uses {ADMINISTRATOR_ACCESS!r})")
    for arn in policies:
        if not _POLICY_ARN.fullmatch(arn):
            raise ValueError(f"execution_policies holds {arn!r}, which is not an IAM managed policy ARN; expected "
                             f"e.g. {ADMINISTRATOR_ACCESS!r} or 'arn:aws:iam::111111111111:policy/MyDeployPolicy'")
    alarms = _names(blocking_alarms, "blocking_alarms")
    require_unique(alarms, "blocking_alarms", "alarm")
    for alarm in alarms:
        if not 1 <= len(alarm) <= MAX_ALARM_NAME:
            raise ValueError(f"blocking_alarms holds {alarm!r}; a CloudWatch alarm name has 1-{MAX_ALARM_NAME} "
                             f"characters")

    # What deploys where, in plan order; (account, region) -> labels.
    used: dict[tuple[str, str], list[str]] = {(pipeline_account, pipeline_region): ["pipeline"]}
    watched: set[tuple[str, str]] = set()
    for step in plan.steps():
        for t in step.targets:
            env = (t.account or pipeline_account, t.region)
            labels = used.setdefault(env, [])
            if step.wave not in labels:
                labels.append(step.wave)
            if step.gated or step.baked:
                watched.add(env)

    def opt_in(region: str) -> bool:
        return plan.catalogue.get(region).opt_in

    environments = tuple(
        BootstrapEnvironment(
            account=account, region=region,
            trust=() if account == pipeline_account else (pipeline_account,),
            execution_policies=policies, used_by=tuple(used[(account, region)]), opt_in=opt_in(region),
        )
        for account, region in sorted(used)
    )
    support_regions = sorted({region for _, region in used} - {home.code})
    support_stacks = tuple(SupportStack(account=pipeline_account, region=r, opt_in=opt_in(r))
                           for r in support_regions)
    needs: dict[tuple[str, str], list[str]] = {}
    for e in environments:
        if e.opt_in:
            needs.setdefault((e.account, e.region), []).append("cdk bootstrap and deploys")
    for s in support_stacks:
        if s.opt_in:
            needs.setdefault((s.account, s.region), []).append("cross-region support stack")
    opt_ins = tuple(OptInRegion(account=a, region=r, needed_for=tuple(needs[(a, r)])) for a, r in sorted(needs))
    required = tuple(RequiredAlarm(name=n, account=a, region=r) for a, r in sorted(watched) for n in alarms)
    return BootstrapChecklist(pipeline_account=pipeline_account, pipeline_region=pipeline_region,
                              environments=environments, support_stacks=support_stacks,
                              opt_in_regions=opt_ins, required_alarms=required)
