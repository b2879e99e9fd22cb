"""cdk-nag acknowledgments, always on the CloudFormation resources themselves and with a reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations

from constructs import IConstruct


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge `rule_id` on every CloudFormation resource under `construct`.

    cdk-nag 3 writes an acknowledgment into the template's metadata only when
    it sits on the CfnResource, so that is where it goes: an audit of the
    template then lists each suppression with its reason.
    """
    if not reason.strip():
        raise ValueError(f"acknowledging {rule_id} needs a reason")
    for node in construct.node.find_all():
        if isinstance(node, CfnResource):
            Validations.of(node).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def arn_wildcard_rule(function: IConstruct) -> str | None:
    """The IAM5 finding ID cdk-nag reports for ``<function ARN>:*`` (every version of a function)."""
    cfn = function.node.default_child
    if not isinstance(cfn, CfnResource):
        return None
    stack = Stack.of(cfn)
    return f"AwsSolutions-IAM5[Resource::<{stack.resolve(stack.get_logical_id(cfn))}.Arn>:*]"
