"""Chart data from a shown table, and the ReportLab drawing of it (bar or line).

Charts show only published figures: a hidden figure (``<5``, ``x``) is a gap, never a bar drawn
at a guessed height, so a chart cannot reveal more than its table.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors

from fieldapp.reports.suppression import Shown

PALETTE = ("#1f5f8b", "#e07b39", "#5a9e4b", "#8e5ea2", "#c9b037", "#7f7f7f", "#b5485d")
_LABEL_CHARS = 16


@dataclass(frozen=True)
class ChartData:
    kind: str                                   # "bar" or "line"
    categories: tuple[str, ...]
    series_names: tuple[str, ...]
    series: tuple[tuple[int | None, ...], ...]  # one value per category; None where hidden

    @property
    def has_values(self) -> bool:
        return any(v for values in self.series for v in values if v)


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def chart_data(shown: Shown) -> ChartData | None:
    """What to draw for a table: each column as a series, or (for a table with row totals) the
    row totals as one series. None for a table without a chart, or withheld."""
    table = shown.table
    if not table.chart or shown.withheld:
        return None
    if table.row_totals:
        series = (tuple(_number(text) for text in shown.row_totals),)
        names: tuple[str, ...] = (table.title,)
    else:
        series = tuple(tuple(_number(row[col]) for row in shown.cells) for col in range(len(table.col_labels)))
        names = table.col_labels
    return ChartData(table.chart, table.row_labels, names, series)


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[:_LABEL_CHARS - 1] + "…"


def drawing(data: ChartData, font: str, width: float = 460, height: float = 170) -> Drawing:
    """A ReportLab drawing of the chart, with a legend when there is more than one series."""
    chart = VerticalBarChart() if data.kind == "bar" else HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 45, width - 60, height - 70
    chart.data = [[v if v is not None else (0 if data.kind == "bar" else None) for v in s] for s in data.series]
    chart.categoryAxis.categoryNames = [_short(c) for c in data.categories]
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName, axis.fontSize = font, 6
    chart.categoryAxis.labels.angle = 30 if len(data.categories) > 4 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(data.categories) > 4 else "n"
    top = max([v for values in data.series for v in values if v] or [1])
    step = max(1, -(-top // 5))
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, step * 5, step
    style = chart.bars if data.kind == "bar" else chart.lines
    for index in range(len(data.series)):
        style[index].fillColor = colors.HexColor(PALETTE[index % len(PALETTE)])
        style[index].strokeColor = colors.HexColor(PALETTE[index % len(PALETTE)])
        if data.kind == "line":
            style[index].strokeWidth = 1.5
    result = Drawing(width, height)
    result.add(chart)
    if len(data.series) > 1:
        result.add(_legend(data, font, width, height))
    return result


def _legend(data: ChartData, font: str, width: float, height: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = 40, height - 4
    legend.alignment = "right"
    legend.boxAnchor = "nw"
    legend.fontName, legend.fontSize = font, 6
    legend.columnMaximum = 1
    legend.deltax = 150
    legend.dx = legend.dy = 6
    legend.colorNamePairs = [(colors.HexColor(PALETTE[i % len(PALETTE)]), _short(name) if len(name) > 30 else name)
                             for i, name in enumerate(data.series_names)]
    return legend
