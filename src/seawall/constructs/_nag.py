"""cdk-nag acknowledgments, always on the CloudFormation resources themselves and with a reason."""

from __future__ import annotations

import re

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import Construct, IConstruct

#: A cdk-nag rule ID as cdk-nag 3 prints it: ``{pack}-{rule}``, with the granular finding in brackets where the
#: rule reports one (``AwsSolutions-IAM5[Resource::*]``, ``HIPAA.Security-LambdaDLQ``), optionally prefixed
#: with the plugin's name as CDK's report suggests (``AwsSolutions::AwsSolutions-IAM5[Resource::*]``).
_RULE_ID = re.compile(r"^(?:[A-Za-z0-9.]+::)?[A-Za-z0-9.]+-[A-Za-z0-9]+(\[.+\])?$")


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge a cdk-nag finding on every CloudFormation resource under `construct`, with a reason.

    ::

        from seawall.constructs import acknowledge

        acknowledge(fn.role, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                    "service-role/AWSLambdaBasicExecutionRole]", "writes its own logs only")

    Parameters
    ----------
    construct:
        Any construct; the acknowledgment goes on each ``CfnResource`` in its
        subtree (call it after those resources exist).
    rule_id:
        The ID exactly as cdk-nag 3 prints it in the finding, e.g.
        ``AwsSolutions-L1`` or, for a rule that reports granular findings,
        ``AwsSolutions-IAM5[Resource::*]`` (the bracket is part of the ID: a
        bare ``AwsSolutions-IAM5`` does not silence it).  The form CDK's
        report shows after "Acknowledge with",
        ``AwsSolutions::AwsSolutions-IAM5[Resource::*]``, works as well.
    reason:
        Why the finding is acceptable; written into the template's metadata,
        where an audit reads it.  Required, not blank.

    cdk-nag 3 acknowledges through CDK's own API ("Use CDK's native
    Validations.of() API to acknowledge (suppress) rule violations on specific
    constructs" - https://pypi.org/project/cdk-nag/3.1.0/), and writes an
    acknowledgment into the template only when it sits on the CfnResource, so
    that is where it goes.

    Raises
    ------
    TypeError
        `construct` is not a construct, or `rule_id` / `reason` is not a str.
    ValueError
        `rule_id` is not shaped like a cdk-nag ID, `reason` is blank, or
        `construct` has no CloudFormation resource to acknowledge on.
    """
    if not isinstance(construct, Construct):
        raise TypeError(f"construct={construct!r} must be a construct (a Stack, a Function, a Role, ...)")
    if not isinstance(rule_id, str):
        raise TypeError(f"rule_id={rule_id!r} must be a str such as 'AwsSolutions-IAM5[Resource::*]'")
    if not isinstance(reason, str):
        raise TypeError(f"reason={reason!r} must be a str saying why the finding {rule_id} is acceptable")
    if not _RULE_ID.match(rule_id):
        raise ValueError(
            f"rule_id={rule_id!r} is not a cdk-nag rule ID; copy it from the finding as cdk-nag prints it, "
            f"e.g. 'AwsSolutions-IAM5' or 'AwsSolutions-IAM5[Resource::*]'"
        )
    if not reason.strip():
        raise ValueError(
            f"reason={reason!r}: acknowledging {rule_id} on {construct.node.path!r} needs a reason that says "
            f"why the finding is acceptable (it is written into the template for audits)"
        )
    resources = [n for n in construct.node.find_all() if isinstance(n, CfnResource)]
    if not resources:
        raise ValueError(
            f"construct {construct.node.path!r} has no CloudFormation resource to acknowledge {rule_id} on; "
            f"call acknowledge() after its resources exist, on the construct that holds them"
        )
    for node in resources:
        Validations.of(node).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def arn_wildcard_rule(function: IConstruct) -> str | None:
    """The IAM5 finding ID cdk-nag reports for ``<function ARN>:*`` (every version of a function)."""
    cfn = function.node.default_child
    if not isinstance(cfn, CfnResource):
        return None
    stack = Stack.of(cfn)
    return f"AwsSolutions-IAM5[Resource::<{stack.resolve(stack.get_logical_id(cfn))}.Arn>:*]"
