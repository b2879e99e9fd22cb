"""Generated scenarios (``gen:<seed>``): the generator's draws, and 200+ of them rehearsed on the fixture app.

The main tests rehearse :data:`MAIN_COUNT` seeds of ``seeds(MAIN_SEED, avoid_findings=True)``
(:func:`main_seeds`: the first ones, then :data:`MAIN_BAD` more that draw a bad version): the seeds
``seawall rehearse --generate N --seed 10`` would run, keeping only those whose draw contains no trigger
of a known finding of issue 10 (``Draw.triggers()`` is empty: no retried stage, no function below
``QUIET`` requests a minute, no bad version below ``BUSY``, no fault on a call the shift makes, no stop and
abandon, no pipeline update, no manual rollback, no second revision, no fault or operator action at all since
a failed production step rolls back (finding 8) and a gate may wait behind an alarm (finding 6), no
``stop_seconds`` other than 0 with an unhealthy version).  Every one of them must hold every invariant and
meet its expectations; a failure lists each violation with its replay command.

With triggers allowed, :func:`test_every_failure_with_triggers_allowed_is_a_known_finding` counts how many
seeds hit each finding, and fails on a violation no drawn trigger explains; the strict xfails below name one
seed per finding that fails today.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.sim.fixture.synth import fixture_assembly
from tests.sim.generated_support import MAIN_BAD, MAIN_COUNT, MAIN_SEED, main_seeds, run_part, violations

from seawall.sim import invariants
from seawall.sim.botocore_bridge import FAULT_KINDS
from seawall.sim.generated import (
    ACTIONS,
    CLEARLY_BAD,
    FAULT_TARGETS,
    HEALTH_KINDS,
    LATEST_MOMENT,
    LOAD_PROFILES,
    MAX_LOAD,
    MAX_SEED,
    MIN_LOAD,
    QUIET,
    draw,
    findings_hit,
    scenario_for,
    seed_of,
    seeds,
)
from seawall.sim.invariants import Facts
from seawall.sim.rehearse import rehearse
from seawall.sim.scenarios import UNKNOWN_PARAMETERS
from seawall.sim.traffic import Health

#: With triggers allowed: this many seeds from ``--seed 1`` are counted per finding.
COUNT_SEED, COUNT_COUNT = 1, 16

seed_values = st.integers(min_value=0, max_value=MAX_SEED)


@pytest.fixture(scope="module")
def assembly() -> Path:
    return fixture_assembly()


# ------------------------------------------------------------------------------------------------ the draws


@settings(max_examples=200, deadline=None)
@given(seed_values)
def test_a_seed_draws_the_same_scenario_every_time(seed):
    first, again = draw(seed), draw(seed)
    assert first == again
    assert json.dumps(first.to_json(), sort_keys=True) == json.dumps(again.to_json(), sort_keys=True)
    a, b = scenario_for(seed), scenario_for(seed)
    assert (a.name, a.description, dict(a.parameters)) == (b.name, b.description, dict(b.parameters))
    assert a.name == f"gen:{seed}" and seed_of(a.name) == seed
    assert all(len(values) == 1 for values in a.parameters.values())  # one variant: the drawn values


@settings(max_examples=300, deadline=None)
@given(seed_values)
def test_every_drawn_value_is_within_its_documented_range(seed):
    d = draw(seed)
    assert d.seed == seed
    assert dict(d.unknowns).keys() == UNKNOWN_PARAMETERS.keys()
    assert all(v in UNKNOWN_PARAMETERS[k] for k, v in d.unknowns)
    assert d.profile in LOAD_PROFILES
    assert MIN_LOAD <= d.base_load <= MAX_LOAD and MIN_LOAD <= d.quiet_load <= QUIET
    assert 0 <= d.quiet_index < 1 and 0 <= d.diurnal <= 0.8
    assert all(1 / 30 - 1e-4 <= m <= 3 for m in d.multipliers)  # drawn values are rounded to 4 decimals
    pairs = [(f"t{i}", f"f{j}") for i in range(3) for j in range(2)]
    assert all(MIN_LOAD <= v <= MAX_LOAD for v in d.loads_for(pairs).values())
    assert d.lowest_load() <= min(d.loads_for(pairs).values()) + 1e-9
    assert d.health_kind in HEALTH_KINDS
    health = d.new_health()  # Health validates its own ranges
    assert isinstance(health, Health)
    if d.health_kind in ("crashes", "handled-errors", "slow-burn"):
        assert CLEARLY_BAD <= max(health.error_rate, health.handled_error_rate) <= 1
    if d.health_kind == "healthy":
        assert health == Health() and not d.clearly_bad()
    for f in d.faults:
        assert f.kind in FAULT_KINDS and (f.service, f.operation) in FAULT_TARGETS
        assert 0 <= f.start < LATEST_MOMENT < f.end + LATEST_MOMENT and f.end > f.start
        assert f.times >= 1 and f.skip >= 0 and (not f.applied or f.kind == "timeout")
        f.fault()  # a valid Fault
    assert [a.at for a in d.actions] == sorted(a.at for a in d.actions)
    assert all(a.kind in ACTIONS and 60 <= a.at < LATEST_MOMENT for a in d.actions)
    assert bool(d.next_health) <= any(a.kind == "push-r2" for a in d.actions)
    assert d.triggers() == tuple(sorted(set(d.triggers()), key=int))


def test_the_generator_draws_everything_it_documents():
    drawn = [draw(s) for s in seeds(0, 600)]
    assert {d.profile for d in drawn} == set(LOAD_PROFILES)
    assert {d.health_kind for d in drawn} == set(HEALTH_KINDS)
    assert {a.kind for d in drawn for a in d.actions} == set(ACTIONS)
    assert {f.kind for d in drawn for f in d.faults} == set(FAULT_KINDS)
    assert {(f.service, f.operation) for d in drawn for f in d.faults} == set(FAULT_TARGETS)
    assert {True, False} <= {f.applied for d in drawn for f in d.faults if f.kind == "timeout"}
    assert {(k, v) for d in drawn for k, v in d.unknowns} == {(k, v) for k, vs in UNKNOWN_PARAMETERS.items()
                                                               for v in vs}
    loads = [d.base_load for d in drawn]
    assert min(loads) < 1 / 30 and max(loads) > 1000  # from about one an hour to thousands a minute
    main = [draw(s) for s in main_seeds()]
    assert len(main) == len({d.seed for d in main}) == MAIN_COUNT and not any(d.triggers() for d in main)
    bad = [d for d in main if not d.healthy()]
    assert len(bad) >= MAIN_BAD  # the main tests rehearse bad versions: crashing and failing by handled errors
    assert {d.health_kind for d in bad} >= {"crashes", "handled-errors"}
    assert {dict(d.unknowns).get("rollback_variables") for d in bad} >= {"own", "target"}
    assert any(d.faults for d in main) and any(d.actions for d in main)


def test_generate_seeds_are_derived_from_the_seed_and_avoid_findings_on_request():
    assert list(seeds(7, 20)) == list(seeds(7, 20))
    assert list(seeds(7, 5)) == list(seeds(7, 20))[:5]
    assert list(seeds(7, 20)) != list(seeds(8, 20))
    assert len(set(seeds(7, 200))) == 200
    assert all(0 <= s <= MAX_SEED for s in seeds(7, 200))
    kept = list(seeds(7, 50, avoid_findings=True))
    assert len(kept) == 50 and not any(draw(s).triggers() for s in kept)
    assert set(kept) <= set(seeds(7, 5000))


def test_draws_are_identical_in_another_process_with_another_hash_seed():
    code = ("import json; from seawall.sim.generated import draw, seeds; "
            "print(json.dumps([[draw(s).to_json(), draw(s).describe()] for s in seeds(3, 40)], sort_keys=True))")
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": h}).stdout for h in ("1", "2")]
    assert outs[0] == outs[1]
    here = json.dumps([[draw(s).to_json(), draw(s).describe()] for s in seeds(3, 40)], sort_keys=True)
    assert outs[0].strip() == here


@pytest.mark.parametrize(("value", "error"), [(True, TypeError), ("1", TypeError), (1.0, TypeError),
                                              (-1, ValueError), (MAX_SEED + 1, ValueError)])
def test_a_bad_seed_is_refused_naming_it(value, error):
    with pytest.raises(error, match="seed="):
        draw(value)


def test_generated_scenario_names_parse_or_are_refused():
    assert seed_of("healthy") is None
    assert seed_of("gen:42") == 42
    for bad in ("gen:", "gen:-1", "gen:x", f"gen:{MAX_SEED + 1}"):
        with pytest.raises(ValueError, match="gen:SEED"):
            seed_of(bad)


# ------------------------------------------------------------------------------------------------ I2's checker


def test_i2_counts_the_previous_code_republished_by_a_rollback_as_back(monkeypatch):
    """A rollback execution re-publishes the previous code under a new version number: the alias on that version is
    back on the previous code (I2 compares code, not version numbers); on the new code it is not."""
    class Rel:
        account, region, function, alias, target = "1", "r", "fn", "live", "t"

    class Action:
        started, ended = 100.0, 900.0

    class StageRun:
        execution_id, status, ended = "e", "Failed", 900.0

    class Step:
        target, state_machines = "t", {"shift": "Shift"}

    class FakeTruth:
        origin = 0.0

        def __init__(self, after: str) -> None:
            self.after = after

        def released_in(self, step):
            return [Rel()]

        def execution(self, execution_id):
            return type("E", (), {"revision": "r1"})()

        def alias_at(self, rel, t):
            return ("1", {}) if t < 500 else (self.after, {})

        def revision(self, rel, version):
            return {"1": "r0", "2": "r1", "3": "r0"}[version]

    monkeypatch.setattr(invariants, "_standard_runs", lambda truth, facts: [StageRun()])
    monkeypatch.setattr(invariants, "_steps_of", lambda truth, run: [Step()])
    monkeypatch.setattr(invariants, "_actions", lambda run, step: {"shift": Action(), "bake": Action()})
    monkeypatch.setattr(invariants, "_first_run", lambda truth, run, name: Action(), raising=False)
    monkeypatch.setattr(invariants, "_watched", lambda truth, step, rel: ["alarm"])
    monkeypatch.setattr(invariants, "_first_alarm", lambda truth, step, names, start, end: (200.0, "alarm"))
    facts = Facts(push_at=0.0, end=10_000.0)
    assert invariants.i2(FakeTruth("3"), facts).held  # type: ignore[arg-type]
    verdict = invariants.i2(FakeTruth("2"), facts)  # type: ignore[arg-type]
    assert not verdict.held and "not back on 1 (r0)" in verdict.detail


# ------------------------------------------------------------------------------------------------ rehearsed


def test_a_generated_scenario_replays_identically(assembly):
    seed = next(seeds(MAIN_SEED, 1, avoid_findings=True))
    first, again = rehearse(assembly, scenario=f"gen:{seed}"), rehearse(assembly, scenario=f"gen:{seed}", seed=99)
    assert json.dumps(first.to_json()) == json.dumps(again.to_json())
    assert first.seed == seed and first.ok
    assert "no-split-left" in first.expectations


def test_generated_part_1(assembly):
    """Seeds 0, 4, 8, ... of the main selection (see the module's docstring)."""
    run_part(assembly, 0)


def test_generated_part_2(assembly):
    """Seeds 1, 5, 9, ... of the main selection."""
    run_part(assembly, 1)


def test_every_failure_with_triggers_allowed_is_a_known_finding(assembly):
    """Triggers allowed: count the seeds hitting each finding; a violation no drawn trigger explains fails."""
    hits: Counter[str] = Counter()
    unexplained: list[str] = []
    for seed in seeds(COUNT_SEED, COUNT_COUNT):
        result = rehearse(assembly, scenario=f"gen:{seed}")
        found = findings_hit(result)
        hits.update(sorted(found))
        if "unexplained" in found:
            unexplained += violations(assembly, result)
    print(f"findings hit by {COUNT_COUNT} generated scenarios with triggers allowed: {dict(sorted(hits.items()))}")
    assert not unexplained, "violations no known finding's trigger explains:\n" + "\n".join(unexplained)
    assert sum(hits.values()) >= 1, "no generated scenario reached a known finding: the triggers are not drawn"
