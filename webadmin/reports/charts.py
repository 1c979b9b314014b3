"""A report table drawn as an SVG chart by pygal, on the server.

The SVG goes into the page as a `data:` image (`<img src="data:image/svg+xml;base64,...">`):
an image runs no script and its inline styles are its own, so the page keeps its strict
Content-Security-Policy (`img-src 'self' data:`), the chart needs no JavaScript, and the
figures in the chart are the figures of the table beside it (one query for both). pygal's
interactive tooltips need its script and are left out."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pygal
from pygal.style import Style

from core.reports.table import ChartHint, ChartKind, Table

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2937",
    foreground_strong="#111827",
    foreground_subtle="#6b7280",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=12,
    colors=("#2563eb", "#16a34a", "#f59e0b", "#9333ea", "#dc2626", "#0891b2"),
)
MAX_LABELS = 16
"""A time axis with more points shows only about this many labels."""
CHARTS: dict[ChartKind, type[Any]] = {ChartKind.LINE: pygal.Line, ChartKind.BAR: pygal.Bar, ChartKind.HORIZONTAL_BAR: pygal.HorizontalBar}


def _label(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%d %b")
    return str(value)


def _integer_ticks(values: list[Any]) -> list[int] | None:
    """0..max in at most about ten whole steps, for counts (pygal would step by 0.2)."""
    if not values or not all(isinstance(value, int) for value in values):
        return None
    top = max(max(values), 1)
    step = max(1, -(-top // 10))
    return list(range(0, top + step, step))


def render_svg(table: Table, hint: ChartHint, *, width: int = 720, height: int = 360) -> str:
    horizontal = hint.kind is ChartKind.HORIZONTAL_BAR
    rows = table.rows[::-1] if horizontal else table.rows  # pygal draws the first bar at the bottom
    labels = [_label(row[hint.labels]) for row in rows]
    chart = CHARTS[hint.kind](
        style=STYLE, width=width, height=max(height, 60 + 28 * len(rows)) if horizontal else height,
        js=[], disable_xml_declaration=True, legend_at_bottom=True, legend_at_bottom_columns=len(hint.series),
        show_minor_x_labels=horizontal, x_labels_major_every=max(1, -(-len(labels) // MAX_LABELS)),
        x_label_rotation=0 if horizontal else 30, truncate_label=-1,
        print_values=False, dots_size=2, show_dots=len(rows) <= 31, include_x_axis=True, no_data_text="No data in this range",
        explicit_size=True,
    )  # fmt: skip
    chart.x_labels = labels
    ticks = _integer_ticks([row[column] for row in rows for column in hint.series if row[column] is not None])
    if ticks is not None:
        chart.y_labels = ticks
    for column in hint.series:
        chart.add(table.columns[column], [row[column] for row in rows])
    svg: str = chart.render(is_unicode=True)
    return svg


def chart_src(table: Table) -> str | None:
    """The table's chart as a `data:` URL for an `<img>`; None for a table without one."""
    if table.chart is None or not table.rows:
        return None
    encoded = base64.b64encode(render_svg(table, table.chart).encode()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
