"""Runtime of the release state machines (gate, shift, bake).

Shipped as a Lambda asset together with ``seawall.model``; imports nothing
from ``aws_cdk``, ``constructs``, ``seawall.constructs`` or ``seawall.stacks``.
"""

__all__: list[str] = []
