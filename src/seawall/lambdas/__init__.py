"""Runtime code shipped as Lambda assets; never imports ``aws_cdk``.

Nothing here is public API: the assets are deployed by :mod:`seawall.constructs`.
"""

__all__: list[str] = []
