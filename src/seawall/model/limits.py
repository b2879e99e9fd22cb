"""AWS quotas and limits Seawall depends on, each quoted once with its source.

Every module that checks against an AWS limit imports it from here: the model
(constructors refuse what AWS would refuse), the planner, the checks, the
renderer and the release Lambdas.  The second part holds Seawall's own bounds
that are derived from these limits (how long a gate or a bake may wait); the
planner and the state machines read the same constants, so ``seawall plan``
never promises what a gate or a bake then refuses.

Adjustable CodePipeline quotas are kept at the documented defaults: AWS
reportedly raised stages and actions per pipeline (to 100 and 1,000) in
October 2024, but the quota page still gives 50 and 500, so they are the
floor Seawall plans for.
"""

from __future__ import annotations

from datetime import timedelta

# ----------------------------------------------------------------------------------------------- CodePipeline
# Quotas page: https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html (awsdocs/aws-codepipeline-
# user-guide, doc_source/limits.md).

#: "Number of stages in a pipeline | Minimum of 2, maximum of 50" (adjustable).
MAX_STAGES_PER_PIPELINE = 50
#: "Number of actions in a stage | Minimum of 1, maximum of 50"; also "Maximum number of parallel actions in a
#: stage | 50" and "Maximum number of sequential actions in a stage | 50".
MAX_ACTIONS_PER_STAGE = 50
#: "Maximum number of actions per pipeline | 500" (adjustable).
MAX_ACTIONS_PER_PIPELINE = 500
#: "Length of time before an action times out ... Step Functions invoke action: 7 days".  Every gate, shift
#: and bake is one such action.
MAX_STEP_FUNCTIONS_ACTION_DURATION = timedelta(days=7)
#: The same row: "AWS CloudFormation deployment action: 3 days".  Every deploy of a step is one such action.
MAX_CLOUDFORMATION_ACTION_DURATION = timedelta(days=3)
#: The longest value of one action configuration key, such as a Step Functions invoke action's ``Input``
#: (every gate, shift and bake input is one).  ``ActionDeclaration.configuration``: "Value Length
#: Constraints: Minimum length of 1. Maximum length of 1000."
#: (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html; botocore's
#: ``ActionConfigurationValue`` gives the same ``max: 1000``).
MAX_ACTION_CONFIGURATION_VALUE = 1000
#: Rules in one stage condition (BeforeEntry, OnSuccess and OnFailure take one condition each).
#: ``Condition.rules``: "Array Members: Minimum number of 1 item. Maximum number of 5 items."
#: (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_Condition.html; botocore: ``max: 5``).
MAX_RULES_PER_CONDITION = 5

# --------------------------------------------------------------------------------------------- CloudFormation
# Quotas page: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html

#: "The maximum number of resources that you can declare in your CloudFormation template. | 500 resources".
MAX_RESOURCES_PER_STACK = 500
#: "The maximum size of a template body that you can pass in an Amazon S3 object for a CreateStack,
#: UpdateStack, ValidateTemplate request with an Amazon S3 template URL. | 1 MB" (CDK uploads every template
#: to S3).  Counted as 1,000,000 bytes, the smaller reading of "1 MB".
MAX_TEMPLATE_BYTES = 1_000_000
#: The longest stack name. "A stack name can contain only alphanumeric characters (case sensitive) and
#: hyphens. It must start with an alphabetical character and can't be longer than 128 characters."
#: (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html, ``StackName``).
MAX_STACK_NAME = 128

# ------------------------------------------------------------------------------------------------- CloudWatch

#: The longest alarm name.  ``PutMetricAlarm`` ``AlarmName``: "Length Constraints: Minimum length of 1.
#: Maximum length of 255." (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
#: API_PutMetricAlarm.html; botocore's ``cloudwatch`` model: ``min: 1, max: 255``).
MAX_ALARM_NAME = 255
#: Alarm names one ``DescribeAlarms`` call takes (the gate and the bake read their alarms in one call).
#: ``AlarmNames``: "Array Members: Maximum number of 100 items."
#: (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html; botocore:
#: ``max: 100``).
MAX_DESCRIBE_ALARM_NAMES = 100
#: The alarms one composite alarm's rule may name. "The rule expression of a composite alarm can include as
#: many as 100 underlying alarms." (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
#: API_PutCompositeAlarm.html).  Past it, Seawall nests: part composites, and a composite over the parts.
MAX_COMPOSITE_CHILDREN = 100
#: The longest rule of one composite alarm, in characters, once CloudFormation has resolved the alarm names
#: in it.  ``AlarmRule``: "Length Constraints: Minimum length of 1. Maximum length of 10240."
#: (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html; botocore's
#: ``cloudwatch`` model gives the same ``max: 10240``).
MAX_COMPOSITE_RULE_CHARS = 10_240
#: The composites one alarm may be named by. "Any single alarm can be included in the rule expressions of as
#: many as 150 composite alarms." (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
#: API_PutCompositeAlarm.html).  Why each service stack names the team aggregate once (its aggregate watch),
#: not once per function's one-box rollback composite.
MAX_COMPOSITE_PARENTS = 150
#: How long one alarm may look back.  ``PutMetricAlarm`` ``EvaluationPeriods``: "An alarm's total current
#: evaluation period can be no longer than one day, so this number multiplied by Period cannot be more than
#: 86,400 seconds." (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
MAX_ALARM_EVALUATION = timedelta(days=1)

# ------------------------------------------------------------------------------------------------- CodeDeploy

#: Alarms one deployment group watches.  ``AWS::CodeDeploy::DeploymentGroup AlarmConfiguration``
#: ``Alarms``: "A list of alarms configured for the deployment or deployment group. A maximum of 10 alarms
#: can be added." (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
#: aws-properties-codedeploy-deploymentgroup-alarmconfiguration.html).  The CodeDeploy quotas page gives 50;
#: Seawall keeps to the smaller, documented for the resource it synthesizes.
MAX_DEPLOYMENT_GROUP_ALARMS = 10
#: The longest CodeDeploy application or deployment group name.  ``CreateDeploymentGroup``
#: ``deploymentGroupName`` and ``CreateApplication`` ``applicationName``: "Length Constraints: Minimum length
#: of 1. Maximum length of 100." (https://docs.aws.amazon.com/codedeploy/latest/APIReference/
#: API_CreateDeploymentGroup.html; botocore's ``codedeploy`` model: ``min: 1, max: 100``).
MAX_CODEDEPLOY_NAME = 100
#: Custom deployment configs per account and region, not adjustable: "Custom deployment configurations per
#: account | Each supported Region: 50 | No | Maximum number of custom deployment configurations associated
#: with an AWS account" (https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html).  The team
#: runtime owns one per traffic policy (``seawall.model.naming.deployment_config_name``), shared by every
#: function of the team in the account and region.
MAX_CUSTOM_DEPLOYMENT_CONFIGS = 50

# -------------------------------------------------------------------------------------------------------- IAM

#: The longest IAM role name.  ``CreateRole`` ``RoleName``: "Length Constraints: Minimum length of 1. Maximum
#: length of 64." (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html; botocore's ``iam``
#: model, ``roleNameType``: ``min: 1, max: 64``).
MAX_ROLE_NAME = 64

# ----------------------------------------------------------------------------------------------------- Lambda
# Quotas page: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html

#: The environment of one function, every variable together: "Function environment variables | 4 KB, for all
#: environment variables associated with the function, in aggregate".  Seawall measures the variables as
#: compact JSON, in bytes.
MAX_LAMBDA_ENVIRONMENT = 4096
#: The longest Lambda alias name.  ``CreateAlias`` ``Name``: "Length Constraints: Minimum length of 1. Maximum
#: length of 128." (https://docs.aws.amazon.com/lambda/latest/dg/API_GetAlias.html).
MAX_LAMBDA_ALIAS_NAME = 128
#: The longest one invocation may run: "Function timeout | 900 seconds (15 minutes)".  A latency threshold
#: above it can never be breached.
MAX_LAMBDA_TIMEOUT = timedelta(minutes=15)

# ------------------------------------------------------------------------------------------ CloudWatch Synthetics

#: The longest canary name. ``AWS::Synthetics::Canary`` ``Name``: "Minimum: 1 Maximum: 21 Pattern:
#: ^[0-9a-z_\-]+$" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-synthetics-canary.html).
MAX_CANARY_NAME = 21
#: The slowest ``rate()`` schedule of a canary. ``Expression``: "You can specify a frequency between rate(1 minute)
#: and rate(1 hour)." (https://docs.aws.amazon.com/AmazonSynthetics/latest/APIReference/API_CanaryScheduleOutput.html).
MAX_CANARY_RATE = timedelta(hours=1)

# ------------------------------------------------------------------------------------------- Step Functions

#: Events one Standard execution keeps: "Maximum execution history size | 25,000 events in a single state
#: machine execution history. If the execution history reaches this quota, the execution will fail."
#: (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
MAX_HISTORY_EVENTS = 25_000
#: The largest input or output of a task, state or execution: "Maximum input or output size for a task, state,
#: or execution | 262,144 bytes of data as a UTF-8 encoded string. This quota affects tasks (activity, Lambda
#: function, or integrated service), state or execution output, and input data when scheduling a task,
#: entering a state, or starting an execution." (https://docs.aws.amazon.com/step-functions/latest/dg/
#: service-quotas.html).
MAX_STATE_PAYLOAD_BYTES = 262_144

# ------------------------------------------------------------------------------ Seawall's bounds, derived

#: The longest a gate keeps re-checking, from the moment its execution starts: the Step Functions invoke
#: action's 7 days less 6 hours of margin for the final check, the Lambda retries and clock skew.  A gate
#: whose window opens later than this gives up (``EXPIRED``); ``seawall plan`` warns about exactly those
#: waits, with the same computation (:func:`seawall.model.plan.gate_gives_up`).
MAX_GATE_WAIT = MAX_STEP_FUNCTIONS_ACTION_DURATION - timedelta(hours=6)
#: The longest a bake may watch.  A bake polls the alarms every 60 s at 9 history events a turn, so 24,000
#: events (the release machines' budget of :data:`MAX_HISTORY_EVENTS`) last 44 h 26 min; 40 hours leave margin
#: for retries.  :class:`~seawall.model.BakePolicy` refuses a longer ``duration``, and the bake machine's
#: input refuses a longer wait.
MAX_BAKE_WAIT = timedelta(hours=40)

# ------------------------------------------------------------------------------ the safety contract's bounds

#: I2: from a watched alarm entering ALARM to the previous version live, with no routing, on every alias the
#: step changed.  The bake reads the alarms once a minute and CodeDeploy polls its group's alarms once a minute
#: (an assumption the simulation makes a parameter), the revert is one UpdateAlias per function: five minutes
#: cover two missed polls and the Lambda retries.
REVERT_BOUND = timedelta(minutes=5)
#: I8: how old a gate's verdict may be when the deploy it admits starts.  A target's deploy starts only if, at
#: most this long before, its window was open and none of its blocking alarms was in ALARM.
GATE_FRESHNESS = timedelta(minutes=10)

__all__ = [
    "GATE_FRESHNESS", "REVERT_BOUND",
    "MAX_ACTIONS_PER_PIPELINE", "MAX_ACTIONS_PER_STAGE", "MAX_ACTION_CONFIGURATION_VALUE", "MAX_ALARM_EVALUATION",
    "MAX_ALARM_NAME", "MAX_BAKE_WAIT", "MAX_CANARY_NAME", "MAX_CANARY_RATE", "MAX_CLOUDFORMATION_ACTION_DURATION",
    "MAX_CODEDEPLOY_NAME", "MAX_COMPOSITE_CHILDREN", "MAX_COMPOSITE_PARENTS",
    "MAX_COMPOSITE_RULE_CHARS", "MAX_CUSTOM_DEPLOYMENT_CONFIGS", "MAX_DEPLOYMENT_GROUP_ALARMS",
    "MAX_DESCRIBE_ALARM_NAMES", "MAX_GATE_WAIT", "MAX_HISTORY_EVENTS", "MAX_LAMBDA_ALIAS_NAME",
    "MAX_LAMBDA_ENVIRONMENT", "MAX_LAMBDA_TIMEOUT",
    "MAX_RESOURCES_PER_STACK", "MAX_ROLE_NAME", "MAX_RULES_PER_CONDITION", "MAX_STACK_NAME", "MAX_STAGES_PER_PIPELINE",
    "MAX_STATE_PAYLOAD_BYTES",
    "MAX_STEP_FUNCTIONS_ACTION_DURATION", "MAX_TEMPLATE_BYTES",
]
