"""AWS quotas and limits Seawall depends on, each quoted once with its source."""

from __future__ import annotations

#: CodePipeline: the longest value of one action configuration key, such as a Step Functions invoke action's
#: ``Input`` (every gate, shift and bake input is one): "Value Length Constraints: Minimum length of 1.
#: Maximum length of 1000." (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html,
#: ``configuration``).
MAX_ACTION_CONFIGURATION_VALUE = 1000

#: CloudFormation: the longest stack name. "A stack name can contain only alphanumeric characters (case
#: sensitive) and hyphens. It must start with an alphabetical character and can't be longer than 128
#: characters." (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html,
#: ``StackName``).
MAX_STACK_NAME = 128

#: Lambda: the environment of one function, every variable together: "Function environment variables | 4 KB,
#: for all environment variables associated with the function, in aggregate"
#: (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).  Seawall measures the variables
#: as compact JSON, in bytes.
MAX_LAMBDA_ENVIRONMENT = 4096

#: CloudWatch: the alarms one composite alarm's rule may name. "The rule expression of a composite alarm can
#: include as many as 100 underlying alarms." (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
#: API_PutCompositeAlarm.html).  Past it, Seawall nests: part composites, and a composite over the parts.
MAX_COMPOSITE_CHILDREN = 100

#: CloudWatch: the longest rule of one composite alarm, in characters, once CloudFormation has resolved the
#: alarm names in it.  ``AlarmRule``: "Length Constraints: Minimum length of 1. Maximum length of 10240."
#: (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html; botocore's
#: ``cloudwatch`` model gives the same ``max: 10240``).
MAX_COMPOSITE_RULE_CHARS = 10_240

__all__ = [
    "MAX_ACTION_CONFIGURATION_VALUE", "MAX_COMPOSITE_CHILDREN", "MAX_COMPOSITE_RULE_CHARS", "MAX_LAMBDA_ENVIRONMENT",
    "MAX_STACK_NAME",
]
