"""Team monitoring: the aggregate rollback alarm per region and account, and monitoring canaries."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnElement, CfnOutput, CfnResource, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_synthetics as synthetics
from constructs import Construct

from seawall.model._validate import require_int, require_str
from seawall.model.limits import MAX_ALARM_EVALUATION, MAX_CANARY_RATE
from seawall.model.naming import alarm_name, check_service, check_team, high_severity_alarm_name

from ._nag import acknowledge
from ._validate import names_list, require_type
from .alarms import AggregateAlarm
from .lambda_deployment import deployment_scope
from .pipeline_nag import nag_text

#: The canary runtime: Node.js with the Synthetics HTTP step library.
CANARY_RUNTIME = synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_9_1

_CANARY_SCRIPT = """\
const { URL } = require('url');
const synthetics = require('Synthetics');

exports.handler = async function () {
  const target = new URL(process.env.SEAWALL_URL);
  const expected = parseInt(process.env.SEAWALL_EXPECTED_STATUS, 10);
  const request = {
    hostname: target.hostname,
    method: 'GET',
    path: target.pathname + target.search,
    port: target.port || (target.protocol === 'https:' ? 443 : 80),
    protocol: target.protocol,
    headers: { 'User-Agent': synthetics.getCanaryUserAgentString() },
  };
  const validate = async function (res) {
    return new Promise((resolve, reject) => {
      if (res.statusCode !== expected) {
        reject(new Error(`expected HTTP ${expected}, got ${res.statusCode} ${res.statusMessage}`));
        return;
      }
      res.on('data', () => {});
      res.on('end', resolve);
    });
  };
  await synthetics.executeHttpStep('call endpoint', request, validate);
};
"""

#: Matched with ``fullmatch``: ``$`` alone would let a URL end in a newline.
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")


class MonitoringCanary(Construct):
    """A CloudWatch Synthetics canary that calls a service endpoint on a schedule, with its alarm.

    The alarm, named ``{team}-{service}-{scope}-canary`` (the deployment target's
    ``target_scope`` inside a Seawall pipeline stage, else the region), is in ALARM when
    the canary's success rate falls below 100 % for `evaluation_periods`
    consecutive runs; list it in the team's aggregate
    (``TeamMonitoringStack(canary_alarm_names=[...])``).

    Parameters
    ----------
    url:
        The endpoint, ``http(s)://host/path``, or a token such as
        ``f"{http_stage.url}health"``; a token is not checked at synthesis and
        reaches the canary's environment as the deployed value.
    schedule:
        How often the canary runs. Default: every minute.
    expected_status:
        The HTTP status a healthy endpoint returns. Default: 200.
    evaluation_periods:
        Failing runs in a row before ALARM. Default: 3.
    """

    def __init__(self, scope: Construct, construct_id: str, *, team: str, service: str, url: str,
                 schedule: Duration | None = None, expected_status: int = 200,
                 evaluation_periods: int = 3, artifact_retention: Duration | None = None) -> None:
        super().__init__(scope, construct_id)
        check_team(team)
        check_service(service)
        url = require_str(url, "url", "https://api.example.com/health")
        if not Token.is_unresolved(url) and not _URL.fullmatch(url):
            raise ValueError(f"url={url!r} is not an http(s) URL, e.g. 'https://api.example.com/health' "
                             f"or f\"{{stage.url}}health\"")
        require_int(expected_status, "expected_status", minimum=100, maximum=599, why="an HTTP status code")
        require_int(evaluation_periods, "evaluation_periods", minimum=1, maximum=60)
        for parameter, duration in (("schedule", schedule), ("artifact_retention", artifact_retention)):
            if duration is not None:
                require_type(duration, parameter, Duration, "Duration.minutes(5)")
        schedule = schedule or Duration.minutes(1)
        longest = int(MAX_CANARY_RATE.total_seconds() // 60)
        if not schedule.is_unresolved() and not 1 <= schedule.to_minutes() <= longest:
            raise ValueError(f"schedule={schedule.to_minutes()} min must be 1 to {longest} minutes")
        window = MAX_ALARM_EVALUATION.total_seconds()
        if not schedule.is_unresolved() and evaluation_periods * schedule.to_seconds() > window:
            raise ValueError(f"evaluation_periods={evaluation_periods} runs of schedule={schedule.to_minutes()} min "
                             f"look back {evaluation_periods * schedule.to_minutes()} min, more than CloudWatch's "
                             f"{int(window // 60)}-minute limit for one alarm; pass at most "
                             f"{int(window // schedule.to_seconds())} evaluation_periods or a shorter schedule")
        stack = Stack.of(self)
        self.bucket = s3.Bucket(
            self, "Artifacts",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[s3.LifecycleRule(expiration=artifact_retention or Duration.days(30))],
        )
        acknowledge(self.bucket, "AwsSolutions-S1",
                    "holds only the canary's own run artifacts (screenshots, HAR, logs), which expire; access "
                    "logs of it would add a second bucket per canary for no audit value")
        self.canary = synthetics.Canary(
            self, "Canary",
            runtime=CANARY_RUNTIME,
            test=synthetics.Test.custom(code=synthetics.Code.from_inline(_CANARY_SCRIPT), handler="index.handler"),
            schedule=synthetics.Schedule.rate(schedule),
            environment_variables={"SEAWALL_URL": url, "SEAWALL_EXPECTED_STATUS": str(expected_status)},
            artifacts_bucket_location=synthetics.ArtifactsBucketLocation(bucket=self.bucket),
            start_after_creation=True,
        )
        for rule, reason in _canary_role_findings(self.canary.role, self.bucket):
            acknowledge(self.canary.role, rule, reason)
        # Per deployment target, like SafeLambdaDeployment's alarms: cells sharing a region each have one.
        self.alarm_name = alarm_name(team, service, deployment_scope(self) or stack.region, "canary")
        self.alarm = cloudwatch.Alarm(
            self, "Alarm",
            alarm_name=self.alarm_name,
            alarm_description=f"Seawall canary: {url} failing",
            metric=self.canary.metric_success_percent(period=schedule, statistic="Average"),
            threshold=100,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            # A canary that stops reporting is as bad as one that fails.
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )


def _canary_role_findings(role: iam.IRole, bucket: s3.Bucket) -> list[tuple[str, str]]:
    """cdk-nag findings on the role CDK's Canary construct creates, with why each is fine.

    The finding IDs are read from the role's resolved policy, spelled the way
    cdk-nag spells them: ``arn:<AWS::Partition>:logs:<AWS::Region>:...`` in an
    environment-agnostic stack, ``arn:aws:logs:us-east-1:...`` when the stack
    has a concrete environment (and ``@aws-cdk/core:enablePartitionLiterals``).
    Only the three wildcards CDK's Canary is known to grant are acknowledged;
    any other wildcard stays a finding.
    """
    cfn_role = role.node.default_child
    if not isinstance(cfn_role, iam.CfnRole):
        return []
    stack = Stack.of(cfn_role)
    cfn_bucket = bucket.node.default_child
    if not isinstance(cfn_bucket, CfnElement):
        return []
    bucket_arn = f"<{stack.resolve(stack.get_logical_id(cfn_bucket))}.Arn>"
    found: list[tuple[str, str]] = []
    for policy in stack.resolve(cfn_role.policies) or []:
        document = policy.get("policyDocument") or policy.get("PolicyDocument") or {}
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            resources = statement.get("Resource", [])
            for resource in resources if isinstance(resources, list) else [resources]:
                text = nag_text(resource)
                if text == "*":
                    reason = ("s3:ListAllMyBuckets and cloudwatch:PutMetricData (limited to the CloudWatchSynthetics "
                              "namespace by condition) support no resource-level permissions; granted by CDK's "
                              "Canary construct")
                elif text == f"{bucket_arn}/*":
                    reason = "the canary writes its run artifacts under keys it generates, inside its own bucket only"
                elif re.fullmatch(r"arn:.+:logs:.+:log-group:/aws/lambda/cwsyn-\*", text):
                    reason = ("the canary's Lambda function and log group are created by Synthetics with generated "
                              "cwsyn-* names")
                else:
                    continue
                rule = f"AwsSolutions-IAM5[Resource::{text}]"
                if (rule, reason) not in found:
                    found.append((rule, reason))
    return found


class TeamMonitoringStack(Stack):
    """The team's monitoring in one region and account: the aggregate rollback alarm.

    Deploy it with the team's own pipeline, in a stage *before* the waves, to
    every region and account a service of the team deploys to; every gate
    and bake of the team watches ``aggregate_alarm_name(team, region)``.

    The aggregate names its children: each service's high-severity composite
    in each target scope of the account and region
    (``high_severity_alarm_name(team, service, scope)``) and each canary
    alarm. CloudWatch rejects a composite alarm whose rule names an alarm
    that does not exist yet, and refuses to delete an alarm a composite still
    references ("you can't delete any composite alarm that is part of the
    cycle because there is always still a composite alarm that depends on
    that alarm that you want to delete" --
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html;
    the first is modelled by the simulation's CloudWatch, but no documentation
    line for it has been found yet). So: add a service to `services` only after its first deploy
    to that region; remove it from `services` (and deploy this stack) before
    deleting the service's stack.

    Parameters
    ----------
    services:
        Services of the team already deployed in this region.
    canary_alarm_names:
        Alarms of monitoring canaries deployed elsewhere (``MonitoringCanary.alarm_name``).
    canaries:
        Monitoring canaries this stack creates, service name -> URL; their
        alarms join the aggregate. Default: none.
    scopes:
        The deployment-target scopes (``seawall.model.naming.target_scope``:
        ``us-east-1-cell-1``, ``gamma-us-east-1``) the services deploy to in
        this account and region; the aggregate lists every service's
        composite in each.  Default: the region alone (services deployed
        outside a Seawall pipeline stage).
    """

    def __init__(self, scope: Construct, construct_id: str, *, team: str, services: Sequence[str],
                 canary_alarm_names: Sequence[str] = (), canaries: Mapping[str, str] | None = None,
                 scopes: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        check_team(team)
        services = names_list(services, "services", "service", ("orders", "catalog"))
        canary_alarm_names = names_list(canary_alarm_names, "canary_alarm_names", "alarm",
                                        ("payments-orders-us-east-1-canary",))
        if canaries is not None:
            require_type(canaries, "canaries", Mapping, "{'orders': 'https://orders.example.com/health'}")
        scope_list = list(names_list(scopes, "scopes", "scope", ("us-east-1-cell-1",))) if scopes is not None \
            else [self.region]
        if not scope_list:
            raise ValueError("scopes is empty; list the target scopes of this account and region, or leave it unset")
        #: The target scopes whose service composites the aggregate lists.
        self.scopes: tuple[str, ...] = tuple(scope_list)
        names = [high_severity_alarm_name(team, s, scope) for scope in scope_list for s in services]
        names += list(canary_alarm_names)
        self.canaries: dict[str, MonitoringCanary] = {}
        for service, url in (canaries or {}).items():
            canary = MonitoringCanary(self, f"Canary-{check_service(service)}", team=team, service=service, url=url)
            self.canaries[service] = canary
            names.append(canary.alarm_name)
        self.aggregate = AggregateAlarm(self, "Aggregate", team=team, alarm_names=names)
        for canary in self.canaries.values():  # the rule names the alarm: it must exist first
            cfn_alarm = canary.alarm.node.default_child
            assert isinstance(cfn_alarm, CfnResource)
            for composite in self.aggregate.composites:
                composite.add_resource_dependency(cfn_alarm)
        self.aggregate_alarm_name = self.aggregate.alarm_name
        CfnOutput(self, "AggregateAlarmName", value=self.aggregate.alarm_name,
                  description="Seawall: the team's aggregate rollback alarm in this region")
