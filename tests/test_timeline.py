"""The rollout timeline SVG and HTML page, checked structurally (parsed, not snapshotted)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from seawall.model import MON_THU, Rollout, TimeWindow, WavePlan, commercial_regions, plan_rollout
from seawall.report import render_html, render_svg, render_table

NY = ZoneInfo("America/New_York")
SVG = "{http://www.w3.org/2000/svg}"
WINDOW = TimeWindow(time_zone="America/New_York", days=MON_THU, start=time(9), end=time(16), holidays=("US",))


@pytest.fixture(scope="module")
def rollout() -> Rollout:
    return plan_rollout(WavePlan.standard(commercial_regions()[:8], cells=2), WINDOW,
                        datetime(2026, 11, 30, 9, tzinfo=NY))


def steps_of(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [g for g in root.iter(f"{SVG}g") if "step" in g.get("class", "").split()]


def classes(el: ET.Element) -> set[str]:
    return set(el.get("class", "").split())


def test_one_bar_per_step(rollout: Rollout) -> None:
    groups = steps_of(render_svg(rollout))
    assert [g.get("data-step") for g in groups] == [s.step.name for s in rollout.steps]


def test_shift_and_bake_are_distinct_elements(rollout: Rollout) -> None:
    for g, s in zip(steps_of(render_svg(rollout)), rollout.steps, strict=True):
        rects = [r for r in g.iter(f"{SVG}rect")]
        shifts = [r for r in rects if "shift" in classes(r)]
        bakes = [r for r in rects if "bake" in classes(r)]
        assert len(shifts) == 1
        assert len(bakes) == (1 if s.bake_end > s.bake_start else 0)
        if bakes:
            assert float(bakes[0].get("x", 0)) >= float(shifts[0].get("x", 0)), "the bake follows the shift"
            assert int(bakes[0].get("data-start", 0)) == int(shifts[0].get("data-end", 0))
        assert ("pre" in classes(g)) == (not s.step.production)


def test_bars_are_ordered_and_sequential_steps_do_not_overlap(rollout: Rollout) -> None:
    groups = steps_of(render_svg(rollout))
    spans = [(int(g.get("data-start", 0)), int(g.get("data-end", 0))) for g in groups]
    assert spans == sorted(spans)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start, "the plan runs steps in sequence: a step starts after the previous bake"
    xs = []
    for g in groups:
        rect = next(r for r in g.iter(f"{SVG}rect") if "shift" in classes(r))
        xs.append(float(rect.get("x", 0)))
    assert xs == sorted(xs)


def test_closed_windows_are_shaded_and_waits_drawn(rollout: Rollout) -> None:
    root = ET.fromstring(render_svg(rollout))
    closed = [r for r in root.findall(f"{SVG}rect") if "closed" in classes(r)]
    assert len(closed) >= 4, "nights between Monday and Thursday are closed"
    waits = [line for g in steps_of(render_svg(rollout)) for line in g.iter(f"{SVG}line") if "wait" in classes(line)]
    assert len(waits) == sum(1 for s in rollout.steps if s.waited)
    day_labels = [t.text for t in root.iter(f"{SVG}text") if "axis-day" in classes(t)]
    assert day_labels[:4] == ["Mon 30 Nov", "Tue 01 Dec", "Wed 02 Dec", "Thu 03 Dec"]


def test_holidays_are_labelled_on_the_axis() -> None:
    r = plan_rollout(WavePlan.standard(["us-east-1", "eu-west-1"]), WINDOW, datetime(2026, 11, 25, 9, tzinfo=NY))
    root = ET.fromstring(render_svg(r))
    assert "Thanksgiving Day" in [t.text for t in root.iter(f"{SVG}text") if "holiday" in classes(t)]
    assert WINDOW.holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"


def test_html_page_is_self_contained(rollout: Rollout) -> None:
    page = render_html(rollout, title="orders: rollout plan")
    assert page.startswith("<!DOCTYPE html>")
    for external in ("<link", "<script", "src=", "url(http", "@import"):
        assert external not in page
    assert page.count("<svg") == 1 and "orders: rollout plan" in page
    assert "Thu 2026-12-03 12:00 EST" in page


def test_table_lists_every_step_and_the_time_until_everywhere(rollout: Rollout) -> None:
    text = render_table(rollout)
    for s in rollout.steps:
        assert s.step.name in text
    assert "Everywhere: Thu 2026-12-03 12:00 EST -- 3 d 3 h after the start, 4 business days" in text
    assert "Mon 30 Nov 09:00" in render_table(rollout)
    assert "Mon 30 Nov 14:00" in render_table(rollout, "UTC")
