"""One simulated clock and a discrete-event scheduler: single-threaded and deterministic.

Nothing in the simulation reads the wall clock.  Time is a count of seconds
since the scenario's start instant (:data:`START` unless the user gives
``--start``); every fake, every Wait state and every handler reads it from the
one :class:`Clock` of its world.

The :class:`Scheduler` runs events in order of their time, and events due at
the same moment in the order they were scheduled (a sequence number breaks
ties, never a hash or an object's address), so the same scenario gives the
same events in every process, whatever ``PYTHONHASHSEED`` is.

Work that takes time inside one event (a custom resource handler that waits
for a function to become ``Active``) may move the clock forward with
:meth:`Clock.advance`; events that fell due meanwhile then run at the new time,
late but still in order.  The clock never moves backwards.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

#: Where every scenario starts unless told otherwise: a Tuesday, 08:00 UTC, inside business hours in Europe and
#: before them in the Americas, and inside the holiday horizon of an assembly synthesized in 2026 or 2027
#: (:mod:`seawall.model.window` resolves holidays from January 1 of the synth year through the next year).
START = datetime(2027, 3, 2, 8, 0, tzinfo=UTC)


class Clock:
    """Simulated time: seconds since `start` (a time zone aware instant)."""

    def __init__(self, start: datetime = START) -> None:
        if not isinstance(start, datetime):
            raise TypeError(f"start={start!r} must be a datetime")
        if start.tzinfo is None:
            raise ValueError(f"start={start.isoformat()} must carry a time zone (e.g. 2027-03-02T08:00:00+00:00)")
        self.start = start.astimezone(UTC)
        self.seconds = 0.0

    def now(self) -> datetime:
        """The simulated instant, time zone aware (UTC)."""
        return self.start + timedelta(seconds=self.seconds)

    def advance(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass (work inside one event that takes time)."""
        if seconds < 0:
            raise ValueError(f"seconds={seconds} must not be negative: the clock never moves backwards")
        self.seconds += seconds

    def advance_to(self, seconds: float) -> None:
        """Move to `seconds` since the start, if that is later than now."""
        self.seconds = max(self.seconds, seconds)

    def at(self, seconds: float) -> datetime:
        """The instant `seconds` after the start."""
        return self.start + timedelta(seconds=seconds)

    def since_start(self, instant: datetime) -> float:
        """Seconds from the start to `instant` (time zone aware)."""
        return (instant - self.start).total_seconds()


@dataclass(order=True)
class Event:
    """One scheduled callback; :meth:`cancel` stops it from running."""

    at: float
    seq: int
    label: str = field(compare=False)
    callback: Callable[[], None] = field(compare=False, repr=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    """Discrete events on one :class:`Clock`, run in (time, order scheduled) order."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._queue: list[Event] = []
        self._seq = itertools.count()
        #: How many events have run.
        self.ran = 0

    def at(self, seconds: float, callback: Callable[[], None], label: str) -> Event:
        """Run `callback` at `seconds` since the start (now, if that has passed)."""
        event = Event(max(seconds, self.clock.seconds), next(self._seq), label, callback)
        heapq.heappush(self._queue, event)
        return event

    def after(self, delay: float, callback: Callable[[], None], label: str) -> Event:
        """Run `callback` `delay` seconds from now."""
        if delay < 0:
            raise ValueError(f"delay={delay} must not be negative")
        return self.at(self.clock.seconds + delay, callback, label)

    def every(self, interval: float, callback: Callable[[], None], label: str, *, first: float | None = None,
              until: float | None = None) -> None:
        """Run `callback` every `interval` seconds, from `first` (default: one interval from now) until `until`."""
        if interval <= 0:
            raise ValueError(f"interval={interval} must be positive")

        def tick() -> None:
            callback()
            nxt = self.clock.seconds + interval
            if until is None or nxt <= until:
                self.at(nxt, tick, label)

        self.at(self.clock.seconds + interval if first is None else first, tick, label)

    def pending(self) -> int:
        """Events scheduled and not cancelled."""
        return sum(1 for e in self._queue if not e.cancelled)

    def next_at(self) -> float | None:
        """When the next event is due, or None."""
        while self._queue and self._queue[0].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0].at if self._queue else None

    def run(self, *, until: float, stop: Callable[[], bool] | None = None, max_events: int = 10_000_000) -> None:
        """Run events due up to `until` seconds since the start (then set the clock to `until`).

        `stop`, checked after each event, ends the run early.  More than
        `max_events` events is a runaway scenario and raises.
        """
        while True:
            nxt = self.next_at()
            if nxt is None or nxt > until:
                break
            event = heapq.heappop(self._queue)
            self.clock.advance_to(event.at)
            event.callback()
            self.ran += 1
            if self.ran > max_events:
                raise RuntimeError(f"more than {max_events} simulated events: a runaway scenario "
                                   f"(last: {event.label} at {event.at:.0f} s)")
            if stop is not None and stop():
                return
        self.clock.advance_to(until)
