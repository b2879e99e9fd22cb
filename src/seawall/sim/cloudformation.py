"""A fake of CloudFormation stack operations: create, update (with rollback) and delete.

It applies synthesized templates the way CloudFormation does: resources in
dependency order (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``DependsOn``), an
update that changes only what changed, removed resources deleted in a cleanup
phase after everything else succeeded, and on failure a rollback to the
previous template.  ``AWS::Lambda::Function``, ``AWS::Lambda::Version`` and
``AWS::Lambda::Alias`` act on :class:`~seawall.sim.lambda_service.FakeLambda`
with Lambda's semantics; custom resources run their real handler, loaded from
the cloud assembly's asset, through real boto3 clients answered by the fakes.
Resource types in :data:`RECORDED_TYPES` are kept as records only; any other
type fails loudly.
"""

from __future__ import annotations

import copy
import importlib.util
import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from ..lambdas.publisher.handler import MAX_RESPONSE_BYTES
from .botocore_bridge import AwsError, FakeAws, Unmodelled
from .citations import Citation, cites
from .lambda_service import FakeLambda

_ORDER = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html",
    "With the DependsOn attribute you can specify that the creation of a specific resource follows another.")
_CLEANUP = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html",
    "Replacement: AWS CloudFormation recreates the resource during an update, which also generates a new physical "
    "ID. AWS CloudFormation usually creates the replacement resource first, changes references from other "
    "dependent resources to point to the replacement resource, and then deletes the old resource.")
_VERSION_EXISTS = Citation(
    "https://github.com/serverless/serverless/issues/8251",
    "A version for this Lambda function exists ( 1 ). Modify the function to create a new version. "
    "(CloudFormation's AWS::Lambda::Version fails when PublishVersion publishes nothing new.)")
_CUSTOM_UPDATE = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html",
    "If the value returned is different, CloudFormation recognizes the update as a replacement and sends a delete "
    "request to the old resource.")
_RESPONSE_SIZE = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html",
    "The total size of the response body can't exceed 4096 bytes.")
_FAILED_CREATE = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-delete.html",
    "To successfully delete a stack with a custom resource, the custom resource provider must respond "
    "successfully to a delete request.")
_DESCRIBE_MISSING = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html",
    "If the stack doesn't exist, a ValidationError is returned.")
_OUTPUTS = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html",
    "The optional Outputs section declares output values that you can import into other stacks (to create "
    "cross-stack references), return in response (to describe stack calls), or view on the CloudFormation console.")
_RETAIN = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html",
    "Retain: CloudFormation keeps the resource without deleting the resource or its contents when its stack is "
    "deleted.")

#: Types whose behaviour a release depends on: each must be carried out by this fake itself or by a provider
#: (another fake); any of them without one fails loudly.  Every other type (S3 buckets, API Gateway routes,
#: CodeBuild projects, ...) is kept as a record -- a physical ID and an ``Arn`` -- with no behaviour.
RELEASE_RELEVANT_TYPES = frozenset({
    "AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::EventSourceMapping",
    "AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm", "AWS::Logs::MetricFilter",
    "AWS::CodeDeploy::Application", "AWS::CodeDeploy::DeploymentGroup", "AWS::CodeDeploy::DeploymentConfig",
    "AWS::StepFunctions::StateMachine", "AWS::CodePipeline::Pipeline", "AWS::Synthetics::Canary",
})
#: Release-relevant types a world without the fake that owns them may still keep as records (the tests of a
#: single fake deploy templates with alarms and deployment groups in them).
RECORDED_TYPES = frozenset({
    "AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm", "AWS::Logs::MetricFilter",
    "AWS::CodeDeploy::Application", "AWS::CodeDeploy::DeploymentGroup", "AWS::CodeDeploy::DeploymentConfig",
})
_NAME_PROPERTY = {"AWS::Lambda::Function": "FunctionName", "AWS::IAM::Role": "RoleName",
                  "AWS::Logs::LogGroup": "LogGroupName", "AWS::CloudWatch::Alarm": "AlarmName",
                  "AWS::CloudWatch::CompositeAlarm": "AlarmName", "AWS::CodeDeploy::Application": "ApplicationName",
                  "AWS::CodeDeploy::DeploymentGroup": "DeploymentGroupName",
                  "AWS::CodeDeploy::DeploymentConfig": "DeploymentConfigName"}


class ResourceProvider(Protocol):
    """What another fake does when CloudFormation creates, updates or deletes a resource type it owns.

    ``create`` and ``update`` return the physical ID and the attributes
    ``Fn::GetAtt`` reads; an ``update`` that returns a new physical ID was a
    replacement (CloudFormation then deletes the old one in its cleanup phase).
    Raising fails the resource, and the stack operation rolls back.
    """

    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        ...

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        ...

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        ...


class StackOperationFailed(Exception):
    """A stack operation failed (and was rolled back, unless the message says otherwise)."""


@dataclass
class _Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    physical_id: str
    attributes: dict[str, str] = field(default_factory=dict)
    deletion_policy: str = "Delete"


@dataclass
class _Stack:
    name: str
    template: dict[str, Any]
    resources: dict[str, _Resource]
    status: str


def rename_logical_id(template: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    """`template` with resource `old` renamed to `new` everywhere (what a CDK upgrade can do to a logical ID)."""
    text = json.dumps(template)
    text = re.sub(rf'"{re.escape(old)}"', f'"{new}"', text)
    text = re.sub(rf"\$\{{{re.escape(old)}([.}}])", lambda m: "${" + new + m.group(1), text)
    return dict(json.loads(text))


def assembly_assets(outdir: str | Path) -> dict[str, Path]:
    """The cloud assembly's file assets, by the S3 object key a template's ``Code.S3Key`` names."""
    out: dict[str, Path] = {}
    for manifest in sorted(Path(outdir).glob("*.assets.json")):
        data = json.loads(manifest.read_text())
        for entry in data.get("files", {}).values():
            source = manifest.parent / entry["source"]["path"]
            for dest in entry.get("destinations", {}).values():
                out[dest["objectKey"]] = source
    return out


class FakeCloudFormation:
    """CloudFormation in one account and region, over the given fakes."""

    def __init__(self, aws: FakeAws, lambda_: FakeLambda, *, account: str, region: str,
                 assets: Mapping[str, Path] | None = None,
                 providers: Mapping[str, ResourceProvider] | None = None) -> None:
        self.aws, self.lambda_, self.account, self.region = aws, lambda_, account, region
        self.assets = dict(assets or {})
        #: Resource types another fake carries out (CloudWatch alarms, CodeDeploy groups, state machines, ...).
        self.providers: dict[str, ResourceProvider] = dict(providers or {})
        self.stacks: dict[str, _Stack] = {}
        self._ids = itertools.count(1)
        self._instances: dict[str, ModuleType] = {}
        #: What happened, in order: (stack, logical ID, action) with action Create/Update/Delete/Replace.
        self.events: list[tuple[str, str, str]] = []

    # ------------------------------------------------------------------ operations

    def deploy(self, name: str, template: Mapping[str, Any]) -> None:
        """Create the stack, or update it to `template`; on failure roll back and raise."""
        wanted: dict[str, Any] = copy.deepcopy(dict(template))
        current = self.stacks.get(name)
        if current is None:
            stack = _Stack(name, {"Resources": {}}, {}, "CREATE_IN_PROGRESS")
            self.stacks[name] = stack
            try:
                self._apply(stack, wanted)
            except Unmodelled:
                raise
            except Exception as e:
                self._rollback(stack, {"Resources": {}}, e)
                del self.stacks[name]
                raise StackOperationFailed(f"{name}: create failed and was rolled back: {e}") from e
            stack.status = "CREATE_COMPLETE"
            return
        previous = current.template
        try:
            self._apply(current, wanted)
        except Unmodelled:
            raise
        except Exception as e:
            self._rollback(current, previous, e)
            current.status = "UPDATE_ROLLBACK_COMPLETE"
            raise StackOperationFailed(f"{name}: update failed and was rolled back: {e}") from e
        current.status = "UPDATE_COMPLETE"

    @cites(_OUTPUTS)
    def outputs(self, name: str) -> dict[str, str]:
        """The stack's outputs, resolved (what DescribeStacks returns and a pipeline's namespace exposes)."""
        stack = self.stacks[name]
        out = {}
        for key in sorted(stack.template.get("Outputs", {})):
            out[key] = str(self._resolve(stack, stack.template["Outputs"][key]["Value"]))
        return out

    def delete(self, name: str) -> None:
        """Delete the stack: every resource in reverse dependency order, except those retained."""
        stack = self.stacks[name]
        for lid in reversed(_order(stack.template)):
            resource = stack.resources.get(lid)
            if resource is not None:
                self._delete(stack, resource)
        del self.stacks[name]

    # ------------------------------------------------------------------ the engine

    @cites(_ORDER, _CLEANUP)
    def _apply(self, stack: _Stack, template: dict[str, Any]) -> None:
        old = stack.template
        old_resources = old.get("Resources", {})
        replaced: list[_Resource] = []
        stack.template = template
        for lid in _order(template):
            spec = template["Resources"][lid]
            props = self._resolve(stack, spec.get("Properties", {}))
            existing = stack.resources.get(lid)
            if existing is None or existing.type != spec["Type"]:
                if existing is not None:
                    replaced.append(existing)
                stack.resources[lid] = self._create(stack, lid, spec, props)
            elif props != existing.properties:
                stale = self._update(stack, existing, props)
                if stale is not None:
                    replaced.append(stale)
            existing = stack.resources[lid]
            existing.deletion_policy = spec.get("DeletionPolicy", "Delete")
        # cleanup: removed resources in reverse order of the old template, then replaced ones
        for lid in reversed(_order(old)):
            if lid not in template["Resources"] and lid in stack.resources and lid in old_resources:
                self._delete(stack, stack.resources.pop(lid))
        for resource in replaced:
            self._delete(stack, resource)

    def _rollback(self, stack: _Stack, previous: dict[str, Any], error: Exception) -> None:
        failed_template = stack.template
        try:
            self._apply(stack, previous)
        except Exception as e:
            stack.status = "UPDATE_ROLLBACK_FAILED"
            raise StackOperationFailed(f"{stack.name}: {error}; and the rollback failed too: {e}") from e
        del failed_template

    def _physical_name(self, stack: _Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> str:
        name = props.get(_NAME_PROPERTY.get(rtype, ""))
        return str(name) if isinstance(name, str) else f"{stack.name}-{lid}-{next(self._ids):04d}"

    def _create(self, stack: _Stack, lid: str, spec: Mapping[str, Any], props: dict[str, Any]) -> _Resource:
        rtype = spec["Type"]
        self.events.append((stack.name, lid, "Create"))
        if rtype == "AWS::Lambda::Function":
            name = self._physical_name(stack, lid, rtype, props)
            fn = self.lambda_.put_function(account=self.account, region=self.region, name=name,
                                           code=props.get("Code", {}), config=props)
            return _Resource(lid, rtype, props, name, {"Arn": fn.arn})
        if rtype == "AWS::Lambda::Version":
            return self._create_version(lid, props)
        if rtype == "AWS::Lambda::Alias":
            body = self._lambda_call("CreateAlias", {"FunctionName": props["FunctionName"], "Name": props["Name"],
                                                     "FunctionVersion": props["FunctionVersion"]})
            return _Resource(lid, rtype, props, body["AliasArn"], {"AliasArn": body["AliasArn"]})
        if _is_custom(rtype):
            return self._create_custom(stack, lid, rtype, props)
        if rtype in self.providers:
            physical, attrs = self.providers[rtype].create(account=self.account, region=self.region,
                                                           stack=stack.name, logical_id=lid, properties=props)
            return _Resource(lid, rtype, props, physical, attrs)
        if rtype in RECORDED_TYPES or rtype not in RELEASE_RELEVANT_TYPES:
            physical = self._physical_name(stack, lid, rtype, props)
            return _Resource(lid, rtype, props, physical,
                             {"Arn": f"arn:aws:sim:{self.region}:{self.account}:{rtype}/{physical}"})
        raise Unmodelled(f"the simulated CloudFormation does not model resource type {rtype} ({lid})")

    @cites(_FAILED_CREATE)
    def _create_custom(self, stack: _Stack, lid: str, rtype: str, props: dict[str, Any]) -> _Resource:
        """Create a custom resource; a FAILED create still leaves a resource the rollback sends Delete for."""
        try:
            physical, data = self._custom(stack, lid, rtype, "Create", props)
        except _CustomFailed as e:
            stack.resources[lid] = _Resource(lid, rtype, props, e.physical_id)
            raise
        return _Resource(lid, rtype, props, physical, data)

    @cites(_VERSION_EXISTS)
    def _create_version(self, lid: str, props: Mapping[str, Any]) -> _Resource:
        name = str(props["FunctionName"])
        number, new = self.lambda_.publish(self.account, self.region, name)
        if not new:
            raise StackOperationFailed(f"{lid}: A version for this Lambda function exists ( {number} ). Modify the "
                                       f"function to create a new version.")
        arn = f"arn:aws:lambda:{self.region}:{self.account}:function:{name}:{number}"
        return _Resource(lid, "AWS::Lambda::Version", dict(props), arn, {"Version": number, "FunctionArn": arn})

    def _update(self, stack: _Stack, resource: _Resource, props: dict[str, Any]) -> _Resource | None:
        """Update in place; return the old resource when the update replaced it."""
        rtype = resource.type
        self.events.append((stack.name, resource.logical_id, "Update"))
        if rtype == "AWS::Lambda::Function":
            self.lambda_.put_function(account=self.account, region=self.region, name=resource.physical_id,
                                      code=props.get("Code", {}), config=props)
            resource.properties = props
            return None
        if rtype == "AWS::Lambda::Version":  # every property of a Version requires replacement
            old = copy.copy(resource)
            stack.resources[resource.logical_id] = self._create_version(resource.logical_id, props)
            return old
        if rtype == "AWS::Lambda::Alias":
            self._lambda_call("UpdateAlias", {"FunctionName": props["FunctionName"], "Name": props["Name"],
                                              "FunctionVersion": props["FunctionVersion"]})
            resource.properties = props
            return None
        if _is_custom(rtype):
            physical, data = self._custom(stack, resource.logical_id, rtype, "Update", props,
                                          physical_id=resource.physical_id, old_props=resource.properties)
            if physical != resource.physical_id:
                old = copy.copy(resource)
                stack.resources[resource.logical_id] = _Resource(resource.logical_id, rtype, props, physical, data)
                return self._custom_replaced(old)
            resource.properties, resource.attributes = props, data
            return None
        if rtype in self.providers:
            physical, attrs = self.providers[rtype].update(
                account=self.account, region=self.region, stack=stack.name, logical_id=resource.logical_id,
                physical_id=resource.physical_id, properties=props, old_properties=resource.properties)
            if physical != resource.physical_id:
                old = copy.copy(resource)
                stack.resources[resource.logical_id] = _Resource(resource.logical_id, rtype, props, physical, attrs)
                return old
            resource.properties, resource.attributes = props, attrs
            return None
        resource.properties = props
        return None

    @cites(_CUSTOM_UPDATE)
    def _custom_replaced(self, old: _Resource) -> _Resource:
        return old

    @cites(_RETAIN)
    def _delete(self, stack: _Stack, resource: _Resource) -> None:
        self.events.append((stack.name, resource.logical_id, "Delete"))
        if resource.deletion_policy == "Retain":
            return
        rtype = resource.type
        if rtype == "AWS::Lambda::Function":
            self.lambda_.delete_function(account=self.account, region=self.region, name=resource.physical_id)
        elif rtype == "AWS::Lambda::Alias":
            fn = self.lambda_.function(self.account, self.region, str(resource.properties["FunctionName"]))
            if fn is not None:
                self._lambda_call("DeleteAlias", {"FunctionName": fn.name, "Name": resource.properties["Name"]})
        elif _is_custom(rtype):
            self._custom(stack, resource.logical_id, rtype, "Delete", resource.properties,
                         physical_id=resource.physical_id)
        elif rtype in self.providers:
            self.providers[rtype].delete(account=self.account, region=self.region, stack=stack.name,
                                         logical_id=resource.logical_id, physical_id=resource.physical_id,
                                         properties=resource.properties)

    # ------------------------------------------------------------------ Lambda and custom resources

    def _lambda_call(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.lambda_.handle(operation, params, account=self.account, region=self.region)

    def _custom(self, stack: _Stack, lid: str, rtype: str, request: str, props: Mapping[str, Any], *,
                physical_id: str | None = None, old_props: Mapping[str, Any] | None = None
                ) -> tuple[str, dict[str, str]]:
        token = str(props.get("ServiceToken", ""))
        module, handler = self._handler_for(stack, token)
        responses: list[dict[str, Any]] = []
        event: dict[str, Any] = {
            "RequestType": request, "ServiceToken": token,
            "ResponseURL": f"https://cloudformation-custom-resource-response.sim/{stack.name}/{lid}",
            "StackId": f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{stack.name}/sim",
            "RequestId": f"request-{next(self._ids):04d}", "ResourceType": rtype, "LogicalResourceId": lid,
            "ResourceProperties": dict(props),
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old_props is not None:
            event["OldResourceProperties"] = dict(old_props)
        # The handler's documented seams: where it PUTs its answer, and how it waits (no wall clock here).
        setattr(module, "OPEN", _ResponseCatcher(responses))  # noqa: B010
        setattr(module, "SLEEP", self.lambda_.advance)  # noqa: B010  (waiting lets simulated time pass)
        setattr(module, "CLOCK", lambda: self.lambda_.now)  # noqa: B010
        handler(event, None)
        if not responses:
            raise StackOperationFailed(f"{lid}: the custom resource did not respond (CloudFormation waits for "
                                       f"its timeout, then fails)")
        answer = responses[-1]
        if answer.get("Status") != "SUCCESS":
            raise _CustomFailed(f"{lid}: {answer.get('Reason')}", str(answer.get("PhysicalResourceId") or lid))
        return str(answer["PhysicalResourceId"]), {k: str(v) for k, v in (answer.get("Data") or {}).items()}

    def _handler_for(self, stack: _Stack, token: str) -> tuple[ModuleType, Callable[..., Any]]:
        fn_resource = next((r for r in stack.resources.values()
                            if r.type == "AWS::Lambda::Function" and r.attributes.get("Arn") == token), None)
        if fn_resource is None:
            raise Unmodelled(f"custom resource service token {token!r} is not a function of this stack")
        module = self._instances.get(fn_resource.physical_id)
        handler_name = str(fn_resource.properties.get("Handler", ""))
        module_name, _, attr = handler_name.rpartition(".")
        if module is None:
            key = (fn_resource.properties.get("Code") or {}).get("S3Key")
            folder = self.assets.get(str(key))
            if folder is None:
                raise Unmodelled(f"function {fn_resource.physical_id}: asset {key!r} is not in the cloud assembly")
            path = folder / f"{module_name.replace('.', '/')}.py"
            spec = importlib.util.spec_from_file_location(f"seawall_sim_instance_{next(self._ids)}", path)
            if spec is None or spec.loader is None:
                raise Unmodelled(f"function {fn_resource.physical_id}: cannot load handler {handler_name}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            setattr(module, "SESSION", self.aws.session(account=self.account, region=self.region))  # noqa: B010
            self._instances[fn_resource.physical_id] = module
        return module, getattr(module, attr)

    # ------------------------------------------------------------------ intrinsic functions

    def _resolve(self, stack: _Stack, value: Any) -> Any:
        if isinstance(value, list):
            return [self._resolve(stack, v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self._ref(stack, arg)
            if key == "Fn::GetAtt":
                lid, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self._attr(stack, lid, attr)
            if key == "Fn::Join":
                sep, parts = arg
                return str(sep).join(str(p) for p in self._resolve(stack, parts))
            if key == "Fn::Select":
                index, items = arg
                return self._resolve(stack, items)[int(self._resolve(stack, index))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self._resolve(stack, text)).split(sep)
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else arg
                return self._sub(stack, text, self._resolve(stack, variables))
            if key.startswith("Fn::") or key == "Condition":
                raise Unmodelled(f"the simulated CloudFormation does not model {key}")
        return {k: self._resolve(stack, v) for k, v in value.items()}

    def _ref(self, stack: _Stack, name: str) -> Any:
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": self.account, "AWS::Partition": "aws",
                  "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": stack.name}
        if name in pseudo:
            return pseudo[name]
        if name in stack.resources:
            return stack.resources[name].physical_id
        raise StackOperationFailed(f"Ref {name}: no such resource has been created in {stack.name}")

    def _attr(self, stack: _Stack, lid: str, attr: str) -> str:
        resource = stack.resources.get(lid)
        if resource is None or attr not in resource.attributes:
            raise StackOperationFailed(f"Fn::GetAtt {lid}.{attr}: not available in {stack.name}")
        return resource.attributes[attr]

    def _sub(self, stack: _Stack, text: str, variables: Mapping[str, Any]) -> str:
        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                lid, attr = name.split(".", 1)
                return self._attr(stack, lid, attr)
            return str(self._ref(stack, name))

        return re.sub(r"\$\{([^}!]+)\}", one, text)


class CloudFormationApi:
    """The CloudFormation API of a simulated world: the operations the runtime calls, over one fake per account
    and region (``stacks(account, region)`` returns it, or None where nothing was ever deployed)."""

    def __init__(self, stacks: Callable[[str, str], FakeCloudFormation | None]) -> None:
        self._stacks = stacks

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        if operation != "DescribeStacks":
            raise Unmodelled(f"the simulated CloudFormation API models only DescribeStacks, not {operation}")
        return self._op_DescribeStacks(params, account, region)

    @cites(_DESCRIBE_MISSING, _OUTPUTS)
    def _op_DescribeStacks(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        name = p.get("StackName")
        if not name:
            raise Unmodelled("DescribeStacks of every stack (no StackName) is not modelled")
        fake = self._stacks(account, region)
        stack = fake.stacks.get(str(name)) if fake is not None else None
        if stack is None or fake is None:
            raise AwsError("ValidationError", f"Stack with id {name} does not exist", 400)
        body = {"StackName": stack.name, "StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack.name}/sim",
                "CreationTime": fake.aws.clock.start, "StackStatus": stack.status,
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in fake.outputs(stack.name).items()]}
        return {"Stacks": [body]}


def _is_custom(rtype: str) -> bool:
    return rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource"


def _refs(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, list):
        for v in value:
            found |= _refs(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str) and not v.startswith("AWS::"):
                found.add(v)
            elif k == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else str(v).split(".", 1)[0])
            elif k == "Fn::Sub":
                text = v if isinstance(v, str) else v[0]
                found |= {n.split(".", 1)[0] for n in re.findall(r"\$\{([^}!]+)\}", text)
                          if not n.startswith("AWS::")}
                if isinstance(v, list):
                    found |= _refs(v[1])
            else:
                found |= _refs(v)
    return found


def _order(template: Mapping[str, Any]) -> list[str]:
    """Resources in an order CloudFormation may create them: every dependency first (sorted for determinism)."""
    resources = template.get("Resources", {})
    deps: dict[str, set[str]] = {}
    for lid, spec in resources.items():
        depends = spec.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else list(depends)
        deps[lid] = ({d for d in _refs(spec.get("Properties", {})) if d in resources}
                     | {d for d in depends if d in resources})
    done: list[str] = []
    placed: set[str] = set()
    while len(done) < len(resources):
        ready = sorted(lid for lid in resources if lid not in placed and deps[lid] <= placed)
        if not ready:
            raise StackOperationFailed(f"circular dependency between resources "
                                       f"{sorted(set(resources) - placed)}")
        done.extend(ready)
        placed.update(ready)
    return done


class _CustomFailed(StackOperationFailed):
    """A custom resource answered FAILED (with the physical ID it gave)."""

    def __init__(self, message: str, physical_id: str) -> None:
        super().__init__(message)
        self.physical_id = physical_id


class _ResponseCatcher:
    """Stands in for the pre-signed URL CloudFormation waits on: records what the handler PUTs there."""

    def __init__(self, responses: list[dict[str, Any]]) -> None:
        self._responses = responses

    @cites(_RESPONSE_SIZE)
    def __call__(self, request: Any, timeout: float | None = None) -> _ResponseCatcher:
        if request.get_method() != "PUT" or not str(request.full_url).startswith("https://"):
            raise Unmodelled(f"a custom resource response must be an HTTPS PUT, not {request.get_method()}")
        if len(request.data) > MAX_RESPONSE_BYTES:
            raise StackOperationFailed(f"Response object is too long ({len(request.data)} bytes; CloudFormation "
                                       f"takes at most {MAX_RESPONSE_BYTES})")
        self._responses.append(json.loads(request.data))
        return self

    def __enter__(self) -> _ResponseCatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def read(self) -> bytes:
        return b""
