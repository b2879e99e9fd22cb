"""Rehearsals run in forked children, several at once: results in order, failures re-raised, nothing left behind."""

from __future__ import annotations

import os
import time

import pytest

from seawall.sim.rehearse import in_children, jobs

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forking needs a POSIX platform")


def _slow(value: int, delay: float) -> int:
    time.sleep(delay)
    return value * value


def test_results_arrive_in_submission_order_whatever_order_children_finish_in() -> None:
    delays = [0.3, 0.0, 0.2, 0.0, 0.1]
    works = [lambda i=i, d=d: _slow(i, d) for i, d in enumerate(delays)]
    assert list(in_children(works, jobs=3)) == [0, 1, 4, 9, 16]


def test_children_run_at_once_up_to_jobs() -> None:
    parent = os.getpid()
    pids = list(in_children([os.getpid for _ in range(4)], jobs=2))
    assert parent not in pids and len(set(pids)) == 4


def test_a_child_sees_the_parent_as_it_was_and_changes_nothing_in_it() -> None:
    state = {"n": 1}

    def bump() -> int:
        state["n"] += 1
        return state["n"]

    assert list(in_children([bump, bump], jobs=2)) == [2, 2]
    assert state == {"n": 1}


def test_a_childs_exception_is_raised_in_the_parent_with_its_traceback() -> None:
    def boom() -> int:
        raise KeyError("no such stage")

    with pytest.raises(KeyError, match="no such stage") as caught:
        list(in_children([lambda: 1, boom], jobs=2))
    assert any("boom" in note for note in caught.value.__notes__)


def test_a_consumer_that_stops_early_leaves_no_child_running(tmp_path) -> None:
    def sleeper(name: str) -> int:
        (tmp_path / name).write_text(str(os.getpid()))
        time.sleep(30)
        return 0

    gen = in_children([lambda: _slow(1, 0.0), lambda: sleeper("a"), lambda: sleeper("b")], jobs=3)
    assert next(gen) == 1
    deadline = time.monotonic() + 10
    while not ((tmp_path / "a").exists() and (tmp_path / "b").exists()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = [int((tmp_path / n).read_text()) for n in ("a", "b")]
    started = time.monotonic()
    gen.close()  # the two sleeping children are killed and reaped, not waited for
    assert time.monotonic() - started < 5
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # already reaped: no such child any more


@pytest.mark.parametrize("bad", ["0", "-2", "two", ""])
def test_jobs_refuses_a_setting_that_is_not_a_positive_whole_number(monkeypatch: pytest.MonkeyPatch,
                                                                   bad: str) -> None:
    monkeypatch.setenv("SEAWALL_SIM_JOBS", bad)
    with pytest.raises(ValueError, match=f"SEAWALL_SIM_JOBS={bad!r}"):
        jobs()


def test_jobs_follows_the_setting_and_defaults_to_the_usable_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAWALL_SIM_JOBS", "3")
    assert jobs() == 3
    monkeypatch.delenv("SEAWALL_SIM_JOBS")
    assert jobs() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("SEAWALL_SIM_IN_PROCESS", "1")
    assert jobs() == 1


def test_in_children_refuses_zero_jobs() -> None:
    with pytest.raises(ValueError, match="jobs=0"):
        list(in_children([lambda: 1], jobs=0))


def test_a_world_runs_with_the_collector_tuned_and_the_process_gets_its_thresholds_back() -> None:
    import gc

    from seawall.sim.rehearse import _collecting_less

    before = gc.get_threshold()
    with pytest.raises(RuntimeError), _collecting_less():
        assert gc.get_threshold()[0] > before[0]
        raise RuntimeError("a world that fails")
    assert gc.get_threshold() == before
