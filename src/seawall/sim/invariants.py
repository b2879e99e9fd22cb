"""The safety contract's invariants I1-I12, judged from the simulation's ground truth.

Each checker reads :class:`~seawall.sim.truth.Truth` (alias histories, the
requests each version served, deployments, stage and release executions,
alarm transitions) -- never Seawall's own outputs or logs -- and returns a
:class:`~seawall.model.rehearsal.Verdict`: whether the invariant held, how many
cases it was evaluated on (``exercised``; the detail says what a case is), and
the evidence of each violation (moment, target, what).

Only what happened after the change was pushed (:attr:`Facts.push_at`) is
judged; the world's setup (the previous revision's rollout) is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..model.limits import GATE_FRESHNESS, REVERT_BOUND
from ..model.naming import ONE_BOX_ROLLBACK_SUFFIX
from ..model.rehearsal import INVARIANTS, Verdict
from ..model.window import TimeWindow
from .truth import Step, Truth
from .world import PREVIOUS, Released

#: Slack for what one poll of the pipeline or a release machine can add (seconds).
POLL = 60.0
_ACTIVE = frozenset({"Created", "Queued", "InProgress", "Baking", "Ready"})
_CHILD = re.compile(r'(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*"?([^")]+?)"?\s*\)')


@dataclass
class Facts:
    """What the scenario did, which some invariants depend on."""

    push_at: float
    new_revision: str = "r1"
    first_deploy: bool = False
    #: No fault, no bad version, no operator action, no second revision: I11 applies.
    healthy: bool = False
    #: The run's horizon (clock seconds): nothing is judged for moments after it.
    end: float = 0.0
    #: Predicted end of each (stage, target) from the plan (clock seconds), when the scenario is healthy.
    predicted: Mapping[tuple[str, str], float] = field(default_factory=dict)


def _at(truth: Truth, t: float) -> str:
    """A moment as whole seconds since the scenario's start."""
    return f"+{int(t - truth.origin)}s"


class _Judge:
    """Collects cases and violations for one invariant.

    ``examined`` counts what the invariant's condition was evaluated on (every stage execution, alias change or
    step it looked at); ``cases`` the ones its condition applied to.  The verdict's ``exercised`` is the number
    examined, and its detail says how many applied, so an invariant that nothing triggered says so.
    """

    def __init__(self, what: str, examined: str = "") -> None:
        self.what, self.examined_what = what, examined
        self.cases = self.examined = 0
        self.violations: list[str] = []

    def case(self) -> None:
        self.cases += 1
        self.examined += 1

    def look(self) -> None:
        """One more thing examined that the invariant's condition did not apply to."""
        self.examined += 1

    def fail(self, message: str) -> None:
        self.violations.append(message)

    def verdict(self) -> Verdict:
        if self.violations:
            shown = "; ".join(self.violations[:5]) + (f"; and {len(self.violations) - 5} more"
                                                       if len(self.violations) > 5 else "")
            return Verdict(False, self.examined, shown)
        seen = f" (of {self.examined} {self.examined_what} examined)" if self.examined_what else ""
        return Verdict(True, self.examined, f"{self.cases} {self.what}{seen}")


def _standard_runs(truth: Truth, facts: Facts) -> list[Any]:
    return [r for r in truth.stage_runs() if r.started >= facts.push_at
            and truth.execution(r.execution_id).type == "STANDARD"]


def _succeeded_steps(truth: Truth, facts: Facts) -> Iterator[tuple[Any, str, Step, dict[str, Any]]]:
    """(stage run, its execution's revision, step, the step's actions) of every succeeded standard stage run."""
    for run in _standard_runs(truth, facts):
        if run.status != "Succeeded":
            continue
        revision = truth.execution(run.execution_id).revision
        for step in _steps_of(truth, run):
            yield run, revision, step, _actions(run, step)


def _actions(run: Any, step: Step) -> dict[str, Any]:
    return {kind: run.actions[name] for kind, name in step.state_machines.items() if name in run.actions}


def _first_run(truth: Truth, run: Any, action: str) -> Any:
    """The first run of `action` in stage run `run` (a retry runs an action again in the same stage execution)."""
    return next(a for a in truth.world.codepipeline.action_runs if a.pipeline == run.pipeline
                and a.execution_id == run.execution_id and a.stage == run.stage and a.action == action
                and a.started >= run.started)


def _steps_of(truth: Truth, run: Any) -> list[Step]:
    return [s for s in truth.steps if s.stage == run.stage]


def _watched(truth: Truth, step: Step, rel: Released) -> list[str]:
    """The step's watched alarms for `rel`: its one-box rollback composite, the service's alarms, the team's."""
    names: list[str] = []
    manifest = truth.manifest(step)
    if manifest is not None:
        names += list(manifest.service_alarm_names)
        for f in manifest.functions:
            if f.function_name == rel.function and f.one_box_alarm:
                names.append(f.one_box_alarm)
    settings = truth.team_settings(step.account, step.region)
    if settings is not None:
        names += list(settings.alarm_names(step.region))
    return sorted(set(names))


def _first_alarm(truth: Truth, step: Step, names: list[str], start: float, end: float) -> tuple[float, str] | None:
    found = [(t, n) for n in names if (t := truth.alarm_in_alarm(step.account, step.region, n, start, end))
             is not None]
    return min(found) if found else None


# ---------------------------------------------------------------------------------------------- I1


def i1(truth: Truth, facts: Facts) -> Verdict:
    judge = _Judge("(step, function) pairs of succeeded standard steps checked")
    for run, revision, step, acts in _succeeded_steps(truth, facts):
        bake = acts.get("bake")
        if bake is None:
            continue
        for rel in truth.released_in(step):
            judge.case()
            version, routing = truth.alias_at(rel, run.ended)
            where = f"{_at(truth, run.ended)} {step.target} {rel.function}:{rel.alias}"
            if routing or truth.revision(rel, version) != revision:
                judge.fail(f"{where}: the step succeeded with the alias on {version} "
                           f"({truth.revision(rel, version)}) routing {routing}, not on {revision} alone")
                continue
            watched_for = (bake.ended or run.ended) - bake.started
            floor = step.override_seconds if _override(truth, run) else step.bake_seconds
            if watched_for + 1 < floor:
                judge.fail(f"{where}: baked {watched_for:.0f}s, less than the {floor}s in force")
            alarm = _first_alarm(truth, step, _watched(truth, step, rel), bake.started, bake.ended or run.ended)
            if alarm is not None:
                judge.fail(f"{where}: watched alarm {alarm[1]} was in ALARM at {_at(truth, alarm[0])} during "
                           f"the bake")
            served, _ = truth.served(rel, version, bake.started, bake.ended or run.ended)
            if served < step.min_data_points:
                judge.fail(f"{where}: version {version} served {served} requests itself during the bake, "
                           f"fewer than the {step.min_data_points} data points")
    return judge.verdict()


def _override(truth: Truth, run: Any) -> bool:
    value = str(truth.execution(run.execution_id).variables.get("SeawallEmergencyOverride", ""))
    return value.strip().lower().startswith("true")


# ---------------------------------------------------------------------------------------------- I2


def i2(truth: Truth, facts: Facts) -> Verdict:
    judge = _Judge("(step, watched alarm) pairs watched from shift start to bake end")
    for run in _standard_runs(truth, facts):
        for step in _steps_of(truth, run):
            acts = _actions(run, step)
            if acts.get("shift") is None:
                continue
            # the previous version is what the alias served when the step's shift FIRST started in this pipeline
            # execution: a retried stage re-runs the shift, which must not make the new version "previous"
            shift = _first_run(truth, run, step.state_machines["shift"])
            end = (acts["bake"].ended if "bake" in acts and acts["bake"].ended else run.ended) or facts.end
            for rel in truth.released_in(step):
                names = _watched(truth, step, rel)
                judge.cases += len(names)
                judge.examined += len(names)
                alarm = _first_alarm(truth, step, names, shift.started, end)
                if alarm is None:
                    continue
                t_alarm, name = alarm
                where = f"{step.target} {rel.function}:{rel.alias}"
                if run.status == "Succeeded":
                    judge.fail(f"{_at(truth, t_alarm)} {where}: {name} in ALARM during the step, yet the step "
                               f"succeeded")
                before, _ = truth.alias_at(rel, shift.started)
                if not before or truth.revision(rel, before) == truth.execution(run.execution_id).revision:
                    continue  # a first deploy: nothing to go back to; the failed step stops the rollout
                bound = t_alarm + REVERT_BOUND.total_seconds()
                if bound > facts.end:
                    continue
                version, routing = truth.alias_at(rel, bound)
                # back on the code it served before: a rollback execution re-publishes that code as a new version
                if truth.revision(rel, version) != truth.revision(rel, before) or routing:
                    judge.fail(f"{_at(truth, bound)} {where}: {REVERT_BOUND} after {name} entered ALARM the alias "
                               f"is on {version} ({truth.revision(rel, version)}) routing {routing}, not back on "
                               f"{before} ({truth.revision(rel, before)}) alone")
    return judge.verdict()


# ---------------------------------------------------------------------------------------------- I3


def _judged_with(truth: Truth, deployment: Any, execution_arn: str, over: float) -> bool:
    """Whether I3 judges `deployment` with the release execution `execution_arn`, which (or whose action) ended at
    `over`: a deployment created by then, or later by that execution or by CodeDeploy rolling back one of its
    deployments -- not one a later release execution created in the same group (that one is judged there)."""
    if deployment.created_at <= over:
        return True
    return truth.world.actor_execution(f"codedeploy:{deployment.id}") in ("", execution_arn)


def i3(truth: Truth, facts: Facts) -> Verdict:
    """After a shift or bake execution ends, or its pipeline action does (whichever is first; "over"):

    * one poll later no deployment it created is still shifting unless a stop was requested by then (a
      deployment left running "runs on its own to 100 %"), and by the revert bound none of its step's groups
      has an active deployment (a ``Pending`` stop may take that long);
    * by the revert bound every alias of the step has no routing and is as I1, I2 or I4 require: after a
      standard step that did not succeed, on the code it served when the step's shift started; after a
      rollback execution's shift succeeded, on the rollback's revision.  An alias a later standard execution
      moved in the meantime is judged there.
    """
    judge = _Judge("release executions checked after they or their action ended")
    deployments = truth.world.codedeploy.deployments
    runs_of = _runs_of_executions(truth)
    for run in [r for r in truth.stage_runs() if r.started >= facts.push_at]:
        rollback = truth.execution(run.execution_id).type == "ROLLBACK"
        for step in _steps_of(truth, run):
            acts = _actions(run, step)
            for kind, action in acts.items():
                if kind not in ("shift", "bake"):
                    continue
                execution = truth.sfn_of(action)
                if execution is None:
                    continue
                ended = execution.transitions[-1][0] if execution.status != "RUNNING" else None
                candidates = [t for t in (ended, action.ended) if t is not None]
                if not candidates:
                    continue
                over = min(candidates)
                polled = over + POLL
                check = polled + REVERT_BOUND.total_seconds()
                if check > facts.end:
                    continue
                judge.case()
                groups = {(rel.account, rel.region, f.deployment_group)
                          for rel in truth.released_in(step) for f in truth.releases(step).values()
                          if f.function_name == rel.function}
                what = f"{kind} execution {execution.name} ended ({execution.status}) or its action did " \
                       f"({action.status}) at {_at(truth, over)}"
                for d in deployments:
                    if (d.account, d.region, d.group) not in groups or d.created_at > check \
                            or not _judged_with(truth, d, execution.arn, over):
                        continue
                    done = d.completed_at is not None and d.completed_at <= check
                    if not done:
                        judge.fail(f"{_at(truth, check)} {step.target}: CodeDeploy deployment {d.id} ({d.function}) "
                                   f"still {d.status} after {what}")
                    elif truth.world.deployment_by.get(d.id) == execution.arn and d.created_at <= over \
                            and d.completed_at is not None and d.completed_at > polled \
                            and not any(stop.cause == "request" and stop.at <= polled for stop in d.stops):
                        judge.fail(f"{_at(truth, polled)} {step.target}: CodeDeploy deployment {d.id} ({d.function}) "
                                   f"it created was still shifting a poll after {what}, and nobody had stopped "
                                   f"it: it ran on to {d.status} at {_at(truth, d.completed_at)}")
                shift = acts.get("shift")
                succeeded = action.status == "Succeeded" and execution.status == "SUCCEEDED"
                for rel in truth.released_in(step):
                    version, routing = truth.alias_at(rel, check)
                    where = f"{_at(truth, check)} {step.target} {rel.function}:{rel.alias}"
                    if _moved_by_later_standard(truth, rel, runs_of, run, over, check):
                        continue  # a later standard execution's shift moved it: judged with that execution
                    if routing:
                        judge.fail(f"{where}: routing {routing} left after {what}")
                        continue
                    if rollback and kind == "shift" and succeeded:
                        want = truth.execution(run.execution_id).revision
                    elif not rollback and not succeeded and shift is not None:
                        before, _ = truth.alias_at(rel, shift.started)
                        if not before:
                            continue  # a first deploy: nothing to go back to
                        want = truth.revision(rel, before)
                    else:
                        continue
                    if truth.revision(rel, version) != want:
                        judge.fail(f"{where}: on {version} ({truth.revision(rel, version)}) after {what}, not on "
                                   f"{want} (the {'rollback' if rollback else 'previous'} revision)")
    return judge.verdict()


def _runs_of_executions(truth: Truth) -> dict[str, Any]:
    """The stage run whose action started each release execution (by execution ARN)."""
    out: dict[str, Any] = {}
    for run in truth.stage_runs():
        for action in run.actions.values():
            if action.external_id:
                out[action.external_id] = run
    return out


def _moved_by_later_standard(truth: Truth, rel: Released, runs_of: Mapping[str, Any], run: Any, start: float,
                             end: float) -> bool:
    """Whether a release execution of another, later standard stage run changed the alias in (start, end]."""
    for change in truth.alias_history(rel):
        if not start < change.at <= end:
            continue
        other = runs_of.get(truth.world.actor_execution(change.by))
        if other is not None and other is not run and other.started > run.started \
                and truth.execution(other.execution_id).type == "STANDARD":
            return True
    return False


# ---------------------------------------------------------------------------------------------- I4


def i4(truth: Truth, facts: Facts) -> Verdict:
    judge = _Judge("stage-rollback executions and their alias moves checked", "stage executions")
    for run in truth.stage_runs():
        if run.started < facts.push_at:
            continue
        if truth.execution(run.execution_id).type != "ROLLBACK":
            judge.look()
            continue
        judge.case()
        for step in _steps_of(truth, run):
            acts = _actions(run, step)
            gate = acts.get("gate")
            if gate is not None and gate.ended is not None and gate.ended - gate.started > 3 * POLL:
                judge.fail(f"{_at(truth, gate.started)} {step.target}: the rollback's gate waited "
                           f"{gate.ended - gate.started:.0f}s (a rollback never waits on the window or alarms)")
            end = run.ended or facts.end
            shift = truth.sfn_of(acts["shift"]) if "shift" in acts else None
            made = [d for d in truth.world.codedeploy.deployments
                    if shift is not None and truth.world.deployment_by.get(d.id) == shift.arn]
            for d in made:
                for stop in d.stops:
                    if stop.cause.startswith("alarm"):
                        judge.fail(f"{_at(truth, stop.at)} {step.target}: CodeDeploy stopped the rollback's "
                                   f"deployment {d.id} ({d.function}) on the group's alarms ({stop.cause}): the "
                                   f"rollback waited on alarm state")
            for rel in truth.released_in(step):
                for change in truth.alias_history(rel):
                    if not run.started <= change.at <= end:
                        continue
                    judge.case()
                    if change.routing:
                        judge.fail(f"{_at(truth, change.at)} {step.target} {rel.function}: the rollback left "
                                   f"routing {change.routing}")
    return judge.verdict()


# ---------------------------------------------------------------------------------------------- I5


def _order(revision: str) -> int:
    """Revisions in the order they were pushed (``r0``, ``r1``, ``r2``...); an unknown code (``?``) first."""
    return int(revision[1:]) if revision[:1] == "r" and revision[1:].isdigit() else -1


def _baked(truth: Truth, facts: Facts) -> Callable[[Released, str, float], bool]:
    """Whether a revision is baked on a function's target at a moment: the previous revision always (it was live
    and baked when the change was pushed), any other once a standard step of an execution of it that shifted it
    there succeeded."""
    succeeded: dict[tuple[str, str, str, str], float] = {}
    for run, revision, step, _ in _succeeded_steps(truth, facts):
        for rel in truth.released_in(step):
            succeeded.setdefault((rel.account, rel.region, rel.function, revision), run.ended)

    def baked(rel: Released, revision: str, at: float) -> bool:
        if revision == PREVIOUS and not facts.first_deploy:
            return True
        done = succeeded.get((rel.account, rel.region, rel.function, revision))
        return done is not None and done <= at

    return baked


def i5(truth: Truth, facts: Facts) -> Verdict:
    """Every move of an alias back to older code (a revert or a rollback: its version's revision is older than the
    newest revision the alias served, alone or in its routing, just before) goes to a baked revision."""
    judge = _Judge("alias moves back to older code checked for a baked target", "alias changes")
    baked = _baked(truth, facts)
    # the pipeline execution behind each release execution: a move to code older than that execution's own
    # revision is a revert, and any move by a rollback execution a rollback, whatever the alias served just before
    behind = {a.external_id: truth.execution(a.execution_id) for a in truth.world.codepipeline.action_runs
              if a.external_id and a.pipeline == truth.pipeline}
    for _, rel in sorted(truth.world.released.items()):
        newest = -1
        for change in truth.alias_history(rel):
            revision = truth.revision(rel, change.version) if change.version else "?"
            execution = behind.get(truth.world.actor_execution(change.by))
            # (a canary's first step keeps the old version primary, with the execution's own in the routing)
            by_older = execution is not None and not any(truth.revision(rel, v) == execution.revision
                                                         for v in change.routing) \
                and (execution.type == "ROLLBACK" or _order(revision) < _order(execution.revision))
            went_back = revision != "?" and (_order(revision) < newest or by_older)
            newest = max((_order(truth.revision(rel, v)) for v in [change.version, *change.routing] if v),
                         default=-1)
            if change.at < facts.push_at:
                continue
            if not went_back:
                judge.look()  # not a revert or rollback: a move forward, or to the same code
                continue
            judge.case()
            if not baked(rel, revision, change.at):
                judge.fail(f"{_at(truth, change.at)} {rel.target} {rel.function}:{rel.alias}: moved to version "
                           f"{change.version} ({revision}), which is not baked there (by {change.by or '?'})")
    return judge.verdict()


# ---------------------------------------------------------------------------------------------- I6


def i6(truth: Truth, facts: Facts) -> Verdict:
    """Every "go" (a gate, shift or bake that succeeded) agrees with the ground truth at that moment."""
    judge = _Judge("go verdicts (succeeded gates, shifts and bakes) checked against the ground truth")
    for run in [r for r in truth.stage_runs() if r.started >= facts.push_at]:
        for step in _steps_of(truth, run):
            for kind, action in _actions(run, step).items():
                execution = truth.sfn_of(action)
                if execution is None or execution.status != "SUCCEEDED":
                    continue
                judge.case()
                ended = execution.transitions[-1][0]
                if kind == "shift":
                    for rel in truth.released_in(step):
                        version, routing = truth.alias_at(rel, ended)
                        if routing:
                            judge.fail(f"{_at(truth, ended)} {step.target} {rel.function}: the shift succeeded "
                                       f"with routing {routing} on the alias")
                elif kind == "gate" and truth.execution(run.execution_id).type == "STANDARD" \
                        and not _override(truth, run):
                    settings = truth.team_settings(step.account, step.region)
                    if settings is None:
                        judge.fail(f"{_at(truth, ended)} {step.target}: the gate opened without team settings")
                        continue
                    window = TimeWindow.from_dict(settings.window)
                    if not window.is_open(truth.world.clock.at(ended)):
                        judge.fail(f"{_at(truth, ended)} {step.target}: the gate opened outside the window")
    return judge.verdict()


# ---------------------------------------------------------------------------------------------- I7


def i7(truth: Truth, facts: Facts) -> Verdict:
    judge = _Judge("steps run under the emergency override checked for a shortened, never removed, bake",
                   "standard stage executions")
    for run in _standard_runs(truth, facts):
        if not _override(truth, run):
            judge.look()
            continue
        for step in _steps_of(truth, run):
            bake = _actions(run, step).get("bake")
            judge.case()
            if run.status == "Succeeded" and (bake is None or (bake.ended or 0) - bake.started + 1
                                              < step.override_seconds):
                judge.fail(f"{_at(truth, run.ended)} {step.target}: succeeded under the override without baking "
                           f"the override floor of {step.override_seconds}s")
    return judge.verdict()


# ---------------------------------------------------------------------------------------------- I8


def i8(truth: Truth, facts: Facts) -> Verdict:
    judge = _Judge("production deploys checked for an open window and quiet blocking alarms before them")
    fresh = GATE_FRESHNESS.total_seconds()
    for run in _standard_runs(truth, facts):
        if _override(truth, run):
            continue
        for step in _steps_of(truth, run):
            if not step.production:
                continue
            deploy = next((a for a in run.actions.values() if a.provider == "CloudFormation"
                           and a.resolved.get("StackName") in step.stacks), None)
            if deploy is None:
                continue
            judge.case()
            settings = truth.team_settings(step.account, step.region)
            at = deploy.started
            if settings is None:
                judge.fail(f"{_at(truth, at)} {step.target}: deployed with no team settings in the region")
                continue
            window = TimeWindow.from_dict(settings.window)
            if not window.is_open(truth.world.clock.at(at)):
                judge.fail(f"{_at(truth, at)} {step.target}: the deploy started outside the window "
                           f"({window.describe_hours()})")
            manifest = truth.manifest(step)
            blocking = list(settings.alarm_names(step.region)) + (list(manifest.service_alarm_names) if manifest
                                                                  else [])
            alarm = _first_alarm(truth, step, sorted(set(blocking)), at - fresh, at)
            if alarm is not None:
                judge.fail(f"{_at(truth, at)} {step.target}: the deploy started while blocking alarm {alarm[1]} had "
                           f"been in ALARM at {_at(truth, alarm[0])}, within {timedelta(seconds=fresh)} before")
    return judge.verdict()


# ---------------------------------------------------------------------------------------------- I9


def i9(truth: Truth, facts: Facts) -> Verdict:
    judge = _Judge("alias changes by release executions checked for one changer at a time")
    actions_of: dict[str, Any] = {}
    for run in truth.stage_runs():
        for action in run.actions.values():
            if action.external_id:
                actions_of[action.external_id] = action
    for _, rel in sorted(truth.world.released.items()):
        spans: dict[str, list[float]] = {}
        for change in truth.alias_history(rel):
            execution = truth.world.actor_execution(change.by)
            if change.at < facts.push_at or not execution:
                continue
            judge.case()
            spans.setdefault(execution, []).append(change.at)
            action = actions_of.get(execution)
            if action is not None and action.ended is not None and change.at > action.ended and change.routing:
                judge.fail(f"{_at(truth, change.at)} {rel.target} {rel.function}: execution {execution.split(':')[-1]} "
                           f"changed the alias (routing {change.routing}) after its pipeline action ended")
        ordered = sorted((min(v), max(v), k) for k, v in spans.items())
        for (a0, a1, a), (b0, _, b) in zip(ordered, ordered[1:], strict=False):
            if b0 < a1:
                judge.fail(f"{_at(truth, b0)} {rel.target} {rel.function}: executions {a.split(':')[-1]} and "
                           f"{b.split(':')[-1]} both changed the alias between {_at(truth, a0)} and {_at(truth, a1)}")
    return judge.verdict()


# ---------------------------------------------------------------------------------------------- I10


def i10(truth: Truth, facts: Facts) -> Verdict:
    """No composite other than a function's own one-box rollback composite names a one-box alarm."""
    judge = _Judge("one-box alarms checked against every composite of their account and region")
    composites: dict[tuple[str, str], list[tuple[str, set[str]]]] = {}
    one_box: list[tuple[str, str, str]] = []
    for (account, region), cfn in sorted(truth.world._cfn.items()):
        for stack in cfn.stacks.values():
            for resource in stack.resources.values():
                name = resource.physical_id
                if resource.type == "AWS::CloudWatch::CompositeAlarm":
                    rule = str(resource.properties.get("AlarmRule", ""))
                    composites.setdefault((account, region), []).append((name, set(_CHILD.findall(rule))))
                elif resource.type == "AWS::CloudWatch::Alarm" and "-one-box-" in name:
                    one_box.append((account, region, name))
    for account, region, name in sorted(one_box):
        judge.case()
        owner = name.rsplit("-one-box-", 1)[0] + ONE_BOX_ROLLBACK_SUFFIX
        for composite, children in composites.get((account, region), []):
            if name in children and composite != owner:
                judge.fail(f"{region}: one-box alarm {name} is named by {composite}, not only by {owner}")
    return judge.verdict()


# ---------------------------------------------------------------------------------------------- I11


def i11(truth: Truth, facts: Facts) -> Verdict:
    judge = _Judge("steps of a healthy run compared with the plan's prediction")
    if not facts.healthy or not facts.predicted:
        return Verdict(True, 0, "not a healthy run (faults, a bad version or an operator acted): I11 does not apply")
    runs = {(r.stage, s.target): r for r in _standard_runs(truth, facts) for s in _steps_of(truth, r)}
    for key in sorted(facts.predicted):
        judge.case()
        run = runs.get(key)
        expected = facts.predicted[key]
        if run is None or run.ended is None:
            judge.fail(f"{key[0]} {key[1]}: predicted to end at {_at(truth, expected)}, never ended")
            continue
        if abs(run.ended - expected) > 4 * POLL:
            judge.fail(f"{key[0]} {key[1]}: ended at {_at(truth, run.ended)}, the plan said {_at(truth, expected)}")
    return judge.verdict()


# ---------------------------------------------------------------------------------------------- I12


def _fault_threshold(truth: Truth, rel: Released) -> float | None:
    cfn = truth.world.cfn(rel.account, rel.region)
    stack = cfn.stacks.get(rel.stack)
    if stack is None:
        return None
    found = []
    for resource in stack.resources.values():
        if resource.type == "AWS::CloudWatch::Alarm" and resource.physical_id.endswith("-one-box-fault-rate") and \
                rel.function in str(resource.properties.get("Metrics", "")):
            found.append(float(resource.properties.get("Threshold", 0)))
    return min(found) if found else None


def i12(truth: Truth, facts: Facts) -> Verdict:
    judge = _Judge("(succeeded step, function) pairs checked for a clearly bad new version")
    for run, revision, step, acts in _succeeded_steps(truth, facts):
        shift = acts.get("shift")
        if shift is None:
            continue
        for rel in truth.released_in(step):
            version, _ = truth.alias_at(rel, run.ended)
            if truth.revision(rel, version) != revision:
                continue
            served, errors = truth.served(rel, version, shift.started, run.ended)
            threshold = _fault_threshold(truth, rel)
            if served < max(1, step.min_data_points) or threshold is None:
                continue
            judge.case()
            rate = errors / served
            if rate >= 2 * threshold:
                judge.fail(f"{_at(truth, run.ended)} {step.target} {rel.function}: version {version} failed "
                           f"{rate:.1%} of {served} requests (twice the threshold is {2 * threshold:.1%}) and "
                           f"the step succeeded")
    return judge.verdict()


CHECKS: dict[str, Callable[[Truth, Facts], Verdict]] = {
    "I1": i1, "I2": i2, "I3": i3, "I4": i4, "I5": i5, "I6": i6, "I7": i7, "I8": i8, "I9": i9, "I10": i10,
    "I11": i11, "I12": i12,
}
assert tuple(CHECKS) == INVARIANTS


def check_all(truth: Truth, facts: Facts) -> dict[str, Verdict]:
    """Every invariant's verdict, in order."""
    return {name: CHECKS[name](truth, facts) for name in INVARIANTS}
