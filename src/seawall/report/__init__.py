"""Renderings of a planned rollout: a text table, an SVG timeline, a self-contained HTML page.

Rendering lives here, never in :mod:`seawall.model`: the model computes, these
modules only draw what it computed.
"""

from .bootstrap import render_bootstrap
from .html import render_html
from .table import render_table
from .timeline import render_svg

__all__ = ["render_bootstrap", "render_html", "render_svg", "render_table"]
