"""The rehearsal's text and HTML renderings (``seawall.report.rehearsal``), from hand-built rehearsals."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.rehearsal_fakes import healthy, held, violated

from seawall.model.rehearsal import EVENT_KINDS, AliasState, Event, Expectation, StageResult, Variant, Verdict
from seawall.report.html import PAGE_STYLE
from seawall.report.rehearsal import (
    KIND_COLOURS,
    clock_offset,
    render_rehearsal_html,
    render_rehearsal_svg,
    render_rehearsal_text,
    render_scenarios,
    routing_text,
    verdict_summary,
)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "+00:00:00"), (59, "+00:00:59"), (3600, "+01:00:00"), (90_061, "+25:01:01"), (360_000, "+100:00:00"),
])
def test_clock_offset(seconds: int, text: str) -> None:
    assert clock_offset(seconds) == text


@given(st.integers(min_value=0, max_value=10**7))
def test_clock_offset_reads_back_as_the_seconds(seconds: int) -> None:
    h, m, s = clock_offset(seconds)[1:].split(":")
    assert int(h) * 3600 + int(m) * 60 + int(s) == seconds and len(m) == len(s) == 2 and int(m) < 60 and int(s) < 60


@pytest.mark.parametrize(("routing", "text"), [
    ({}, "no routing"),
    ({"8": 0.1}, "version 8 at 10%"),
    ({"9": 0.005, "10": 0.25}, "version 10 at 25%, version 9 at 0.5%"),
])
def test_routing_reads_like_additional_version_weights(routing: dict[str, float], text: str) -> None:
    assert routing_text(routing) == text


def test_every_event_kind_has_a_colour() -> None:
    assert set(KIND_COLOURS) == EVENT_KINDS


def test_the_timeline_is_in_time_order_keeping_the_recorded_order_of_ties() -> None:
    r = replace(healthy(), events=[Event(60, "bake", "t", "second at 60"), Event(5, "pipeline", "", "first"),
                                   Event(60, "alarm", "t", "third at 60")])
    lines = [line.strip() for line in render_rehearsal_text(r).splitlines() if line.startswith("  +")]
    assert lines == ["+00:00:05  pipeline  -  first", "+00:01:00  bake      t  second at 60",
                     "+00:01:00  alarm     t  third at 60"]


def test_the_same_rehearsal_gives_the_same_bytes_whatever_the_order_of_its_mappings() -> None:
    r = healthy()
    shuffled = replace(r, targets={t: dict(reversed(list(r.targets[t].items()))) for t in reversed(list(r.targets))},
                       variants=[replace(r.variants[0],
                                         invariants=dict(reversed(list(r.variants[0].invariants.items()))))])
    assert render_rehearsal_text(r) == render_rehearsal_text(shuffled)
    assert render_rehearsal_html(r) == render_rehearsal_html(shuffled)


def test_an_invariant_no_variant_checked_is_said_so_and_not_counted_as_held() -> None:
    partial = {n: v for n, v in held().items() if n != "I7"}
    r = replace(healthy(), variants=[Variant(parameters={}, invariants=partial, expectations={})])
    text = render_rehearsal_text(r)
    assert any(line.split()[:3] == ["I7", "not", "checked"] for line in text.splitlines())
    assert text.splitlines()[-1] == "Verdict: passed: 11 invariants held and 0 expectations met in 1 variant"


def test_a_rehearsal_without_variants_fails() -> None:
    assert verdict_summary(replace(healthy(), variants=[])) == "Verdict: FAILED: the rehearsal ran no variant"


def test_several_failures_are_all_named() -> None:
    bad = held() | {"I2": Verdict(False, 1, "late revert"), "I9": Verdict(False, 1, "two writers")}
    r = replace(healthy(), variants=[Variant({}, bad, {"a": Expectation(False, "x"), "b": Expectation(False, "y")})])
    assert verdict_summary(r) == "Verdict: FAILED: I2, I9 violated; expectations 'a', 'b' unmet (1 of 1 variant failed)"


def test_scenarios_list_keeps_each_on_one_line() -> None:
    from seawall.model.rehearsal import ScenarioInfo

    text = render_scenarios([ScenarioInfo("b", "two\nlines\tand a tab"), ScenarioInfo("a", "one")])
    assert text == "a\tone\nb\ttwo lines and a tab\n"


# --------------------------------------------------------------------------- HTML

def test_the_svg_has_a_lane_per_target_and_a_mark_per_event() -> None:
    r = violated()
    root = ET.fromstring(render_rehearsal_svg(r))
    marks = [e for e in root.iter(f"{SVG}rect") if "event" in e.get("class", "").split()]
    assert sorted((int(m.get("data-at", "")), m.get("data-kind")) for m in marks) == \
        sorted((e.at, e.kind) for e in r.events)
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "lane-label"]
    assert labels == ["eu-west-1-cell-1"]
    assert [t.text for t in ET.fromstring(render_rehearsal_svg(healthy())).iter(f"{SVG}text")
            if t.get("class") == "lane-label"] == ["pipeline-wide", "eu-west-1-cell-1", "us-east-1-cell-1"]


def test_the_page_uses_the_rollout_pages_style_and_ends_with_the_verdict() -> None:
    page = render_rehearsal_html(violated())
    assert page.startswith("<!DOCTYPE html>") and PAGE_STYLE in page
    assert "<title>Rehearsal: shift-fails-closed</title>" in page
    assert "Verdict: FAILED: I3 violated; expectation 'deployment-stopped' unmet (1 of 2 variants failed)" in page
    assert "trigger=sfn-timeout" in page and "version 8 at 10%" in page


def test_the_page_escapes_what_the_simulation_recorded() -> None:
    r = replace(healthy(), targets={"<t>": {"f&g": AliasState("1", "r1")}},
                events=[Event(1, "alarm", "<t>", 'alarm "x" <ALARM>')])
    page = render_rehearsal_html(r)
    assert "&lt;t&gt;" in page and "f&amp;g" in page and "<ALARM>" not in page and "<t>" not in page


def test_each_attempt_of_a_retried_stage_is_a_row_with_its_number() -> None:
    r = replace(healthy(), stages=[StageResult("gamma", "e-4", "STANDARD", "Failed"),
                                   StageResult("gamma", "e-4", "STANDARD", "Succeeded", 2)])
    text = render_rehearsal_text(r).splitlines()
    start = text.index("Stages")
    assert [line.split() for line in text[start + 1:start + 4]] == [
        ["stage", "execution", "type", "attempt", "result"], ["gamma", "e-4", "STANDARD", "1", "Failed"],
        ["gamma", "e-4", "STANDARD", "2", "Succeeded"]]
    page = render_rehearsal_html(r)
    assert "<tr><td>gamma</td><td>e-4</td><td>STANDARD</td><td>2</td><td>Succeeded</td></tr>" in page
