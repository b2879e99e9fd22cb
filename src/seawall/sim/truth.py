"""The simulation's ground truth, read from the fakes: what really happened, never what Seawall reported.

:class:`Truth` gathers, after (or during) a run, the facts the invariants and
the expectations are judged on: every alias's history and final state, the
requests each version served, every CodeDeploy deployment, every pipeline
execution and stage, every release execution, every alarm transition, and the
service pipeline's steps with the functions, bake policy and watched alarms of
each.  Times are simulated seconds since the world's clock started; the
scenario's start is :attr:`Truth.origin`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..model.contracts import (
    TEAM_SETTINGS_ENV,
    FunctionRelease,
    ReleaseManifest,
    ReleaseStack,
    TeamSettings,
    manifest_from_stacks,
)
from .codepipeline import StageAttempt
from .traffic import VersionMinute
from .world import PREVIOUS, Released, World


@dataclass(frozen=True)
class AliasChange:
    at: float
    version: str
    routing: Mapping[str, float]
    by: str
    operation: str


@dataclass
class Step:
    """One target of one stage of the service pipeline, as the pipeline definition declares it."""

    stage: str
    target: str
    region: str
    account: str
    stacks: tuple[str, ...]
    production: bool
    bake_seconds: int = 0
    override_seconds: int = 0
    min_data_points: int = 0
    max_wait_seconds: int = 0
    state_machines: dict[str, str] = field(default_factory=dict)


class Truth:
    """Ground truth of one world, for its service pipeline `pipeline`."""

    def __init__(self, world: World, pipeline: str, origin: float) -> None:
        self.world, self.pipeline, self.origin = world, pipeline, origin
        self._by_version: dict[tuple[str, str, str, str], list[VersionMinute]] = {}
        self._indexed = 0
        self._by_alias: dict[tuple[str, str, str, str], list[AliasChange]] = {}
        self._aliases_indexed = 0

    # ------------------------------------------------------------------ the pipeline's declared steps

    @cached_property
    def steps(self) -> list[Step]:
        """Every (stage, target) of the service pipeline that runs Seawall's release machines."""
        artifact = self.world.pipeline(self.pipeline)
        out: list[Step] = []
        for stage in artifact.definition.get("Stages", []):
            by_target: dict[str, Step] = {}
            for action in stage.get("Actions", []):
                if action.get("ActionTypeId", {}).get("Provider") != "StepFunctions":
                    continue
                text = action.get("Configuration", {}).get("Input")
                if not isinstance(text, str):
                    continue
                data = json.loads(text)
                kind = str(data.get("kind", "")).removeprefix("seawall.")
                target = data.get("target", {})
                name = str(target.get("name"))
                step = by_target.get(name)
                if step is None:
                    step = Step(stage["Name"], name, str(target.get("region")),
                                str(target.get("account") or artifact.stack.account),
                                tuple(str(s["stackName"]) for s in data.get("stacks", [])), production=False)
                    by_target[name] = step
                step.state_machines[kind] = str(action["Name"])
                if data.get("stacks") and not step.stacks:
                    step.stacks = tuple(str(s["stackName"]) for s in data["stacks"])
                if kind == "gate":
                    step.production = True
                if kind == "bake":
                    bake = data.get("bake", {})
                    step.bake_seconds = int(bake.get("seconds", 0))
                    step.override_seconds = int(bake.get("overrideSeconds", 0))
                    step.min_data_points = int(bake.get("minDataPoints", 0))
                    step.max_wait_seconds = int(data.get("maxWaitSeconds", 0))
            out.extend(by_target[k] for k in sorted(by_target))
        return out

    def released_in(self, step: Step) -> list[Released]:
        """The released functions of the step's stacks."""
        return [r for _, r in sorted(self.world.released.items())
                if r.stack in step.stacks and r.account == step.account and r.region == step.region]

    def manifest(self, step: Step) -> ReleaseManifest | None:
        """What the step's stacks say now (their outputs), or None while a stack does not exist."""
        cfn = self.world.cfn(step.account, step.region)
        outputs = {name: cfn.outputs(name) if name in cfn.stacks else None for name in step.stacks}
        try:
            return manifest_from_stacks([ReleaseStack(stack_name=n, token="-") for n in step.stacks], outputs,
                                        check_tokens=False)
        except ValueError:
            return None

    def releases(self, step: Step) -> dict[str, FunctionRelease]:
        """Each function's release record, by function name."""
        found = self.manifest(step)
        return {f.function_name: f for f in found.functions} if found else {}

    def team_settings(self, account: str, region: str) -> TeamSettings | None:
        """The team settings the release Lambdas in this account and region run with."""
        for (acct, reg, _), fn in sorted(self.world.lambda_._functions.items()):
            if (acct, reg) != (account, region):
                continue
            variables = (fn.config.get("Environment") or {}).get("Variables") or {}
            if TEAM_SETTINGS_ENV in variables:
                return TeamSettings.from_json(variables[TEAM_SETTINGS_ENV])
        return None

    # ------------------------------------------------------------------ aliases and traffic

    def alias_history(self, rel: Released) -> list[AliasChange]:
        """Every change of the alias, oldest first (indexed as the world appends them)."""
        events = self.world.lambda_.alias_events
        for e in events[self._aliases_indexed:]:
            self._by_alias.setdefault((e.account, e.region, e.function, e.alias), []).append(
                AliasChange(e.at, e.version or "", dict(e.routing), e.by, e.operation))
        self._aliases_indexed = len(events)
        return list(self._by_alias.get((rel.account, rel.region, rel.function, rel.alias), ()))

    def alias_at(self, rel: Released, t: float) -> tuple[str, dict[str, float]]:
        """(version, routing) of the alias at `t` (after every change at or before `t`)."""
        version, routing = "", {}
        for change in self.alias_history(rel):
            if change.at > t:
                break
            version, routing = change.version, dict(change.routing)
        return version, routing

    def revision(self, rel: Released, version: str) -> str:
        return self.world.revision_of(rel.account, rel.region, rel.function, version)

    def served(self, rel: Released, version: str, start: float, end: float) -> tuple[int, int]:
        """(requests, failed requests -- crashes and handled errors) `version` served through the alias in
        minutes starting in [start, end)."""
        requests = errors = 0
        for m in self._served_by_version().get((rel.account, rel.region, rel.function, version), ()):
            if start <= m.minute * 60 < end:
                requests += m.requests
                errors += m.errors + m.handled_errors
        return requests, errors

    def _served_by_version(self) -> dict[tuple[str, str, str, str], list[VersionMinute]]:
        """The world's served minutes by (account, region, function, version), indexed as they are appended (a
        scenario may read the truth while the world runs on)."""
        served = self.world.served
        for m in served[self._indexed:]:
            self._by_version.setdefault((m.account, m.region, m.function, m.version), []).append(m)
        self._indexed = len(served)
        return self._by_version

    # ------------------------------------------------------------------ pipeline and release executions

    def stage_runs(self, stage: str | None = None) -> list[Any]:
        return [r for r in self.world.codepipeline.stage_runs if r.pipeline == self.pipeline
                and (stage is None or r.stage == stage)]

    def stage_attempts(self) -> list[tuple[Any, StageAttempt]]:
        """(stage run, attempt) for every attempt of every stage run, in the order the attempts started: a stage
        that failed and was retried ("Retry stage", "Retry failed actions") has one attempt per try."""
        pairs = [(r, a) for r in self.stage_runs() for a in r.attempts()]
        return sorted(pairs, key=lambda pair: pair[1].started)

    def executions(self) -> list[Any]:
        return [e for e in self.world.codepipeline.executions if e.pipeline == self.pipeline]

    def execution(self, execution_id: str) -> Any:
        return next(e for e in self.executions() if e.id == execution_id)

    def action(self, run: Any, name: str) -> Any | None:
        """The last run of action `name` in stage run `run`."""
        return run.actions.get(name)

    def state_machine_execution(self, arn: str) -> Any | None:
        return next((e for e in self.world.sfn.executions if e.arn == arn), None)

    def sfn_of(self, action_run: Any) -> Any | None:
        """The Step Functions execution a pipeline action run started (None when it started none)."""
        return self.state_machine_execution(action_run.external_id) if action_run.external_id else None

    # ------------------------------------------------------------------ alarms

    def alarm_in_alarm(self, account: str, region: str, name: str, start: float, end: float) -> float | None:
        """The first moment in [start, end] the alarm was in ALARM, or None."""
        state = None
        for t in self.world.cloudwatch.transitions(account, region, name):
            if t.at <= start:
                state = t.new
                continue
            if state == "ALARM":
                return start
            if t.at > end:
                return None
            state = t.new
            if state == "ALARM":
                return t.at
        return start if state == "ALARM" else None

    def alarm_names(self, names: Iterable[str]) -> list[str]:
        return sorted(set(names))

    def previous_revision(self) -> str:
        return PREVIOUS
