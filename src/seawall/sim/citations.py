"""Machine-readable citations: every behaviour a fake models names the AWS documentation it rests on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Citation:
    """Where AWS documents a behaviour (``url``) and the sentence that says it (``quote``)."""

    url: str
    quote: str

    def __post_init__(self) -> None:
        if not self.url.startswith("https://"):
            raise ValueError(f"Citation.url={self.url!r} must be an https URL")
        if len(self.quote.strip()) < 20:
            raise ValueError(f"Citation.quote={self.quote!r} must quote the sentence the behaviour rests on")


#: Every cited behaviour, by the qualified name of the function that models it.
CITATIONS: dict[str, tuple[Citation, ...]] = {}


def cites(*citations: Citation) -> Callable[[F], F]:
    """Record the documentation a fake's behaviour rests on (at least one citation)."""
    if not citations:
        raise ValueError("cites() needs at least one Citation")

    def mark(fn: F) -> F:
        CITATIONS[f"{fn.__module__}.{fn.__qualname__}"] = tuple(citations)
        fn.__citations__ = tuple(citations)  # type: ignore[attr-defined]
        return fn

    return mark
