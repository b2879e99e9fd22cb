"""Shared pieces of the behaviour tests: the synthesized release template, and one world per test in a fork.

The release machines run in the simulation's fakes (:mod:`tests.behaviour.world`); no AWS behaviour is stubbed
here.  A world is set up once per module (a module-scoped fixture) and every test that receives one runs in a
forked child of this process, as ``seawall rehearse`` runs its variants, so a test changes only its own copy.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

ACCOUNT = "123456789012"
REGION = "us-east-1"
TEAM = "payments"


# ----------------------------------------------------------------------------- the release template (in-process)

_APP: dict[str, Any] = {}


def release_app() -> tuple[Any, Any]:
    """The app with one ReleaseStateMachines stack, built once."""
    if not _APP:
        import aws_cdk as cdk

        from seawall.constructs.release import ReleaseStateMachines
        from seawall.model.window import TimeWindow

        app = cdk.App()
        stack = cdk.Stack(app, "PaymentsRelease", env=cdk.Environment(account=ACCOUNT, region=REGION))
        ReleaseStateMachines(stack, "Release", team=TEAM, window=TimeWindow.always(time_zone="Europe/Berlin"))
        _APP.update(app=app, stack=stack)
    return _APP["app"], _APP["stack"]


@pytest.fixture(scope="session")
def release_template() -> dict[str, Any]:
    from tests.support.lint import synth

    _, stack = release_app()
    return synth(stack)


def _resolve(value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(_resolve(p) for p in parts)
    if "Fn::GetAtt" in value:
        logical, attr = value["Fn::GetAtt"]
        assert attr == "Arn", value
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical}"
    if "Ref" in value:
        return {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                "AWS::URLSuffix": "amazonaws.com"}[value["Ref"]]
    raise AssertionError(f"unresolvable token in a state machine definition: {value}")


def definitions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each state machine's definition from the template, tokens resolved, keyed gate/shift/bake."""
    out = {}
    for r in template["Resources"].values():
        if r["Type"] == "AWS::StepFunctions::StateMachine":
            name = r["Properties"]["StateMachineName"]
            out[name.rsplit("-", 1)[1]] = json.loads(_resolve(r["Properties"]["DefinitionString"]))
    return out


def team_settings_env(template: dict[str, Any]) -> str:
    """The SEAWALL_TEAM_SETTINGS every release Lambda of the template carries (one value for all)."""
    from seawall.model.contracts import TEAM_SETTINGS_ENV

    values = {r["Properties"]["Environment"]["Variables"][TEAM_SETTINGS_ENV]
              for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"}
    (value,) = values
    return value


# ----------------------------------------------------------------------------- one world per test, in a fork

#: Fixtures whose value is a world shared by the tests of a module: a test receiving one runs in a fork.
WORLD_FIXTURES = ("fresh", "shifted", "pair_shifting")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not hasattr(os, "fork") or not any(name in pyfuncitem.funcargs for name in WORLD_FIXTURES):
        return None
    from seawall.sim.rehearse import in_children  # how the rehearsal runs each variant in a fork of one world

    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    # the test's exception, re-raised here with its traceback as a note
    list(in_children([lambda: pyfuncitem.obj(**args)], jobs=1))
    return True
