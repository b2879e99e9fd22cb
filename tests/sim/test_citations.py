"""Every behaviour a fake models names the AWS documentation it rests on."""

from __future__ import annotations

import inspect

import pytest

from seawall.sim import CITATIONS, Citation, FakeCloudFormation, FakeLambda, cites


@pytest.mark.parametrize("fake", [FakeLambda, FakeCloudFormation])
def test_every_operation_and_engine_rule_is_cited(fake):
    rules = [name for name, _ in inspect.getmembers(fake, inspect.isfunction)
             if name.startswith("_op_") or name in {"_apply", "_create_version", "_create_custom", "_delete",
                                                     "_custom_replaced", "_publish", "delete_function"}]
    assert rules
    uncited = [n for n in rules if f"{fake.__module__}.{fake.__name__}.{n}" not in CITATIONS]
    assert uncited == [], f"{fake.__name__} models {uncited} without a citation"


def test_a_citation_needs_an_https_url_and_the_sentence():
    with pytest.raises(ValueError, match="https"):
        Citation("docs.aws.amazon.com/x", "A sentence that is long enough to quote.")
    with pytest.raises(ValueError, match="quote"):
        Citation("https://docs.aws.amazon.com/x", "short")
    with pytest.raises(ValueError, match="at least one"):
        cites()
