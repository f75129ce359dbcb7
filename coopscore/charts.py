"""Plotly figures as pure functions of tidy tables: the pages show them, reports can reuse them.

Nothing here reads the database or scores anything: each function takes the numbers it
draws, already computed, and returns a `plotly.graph_objects.Figure`. Scores are on the
0–100 scale; a missing score (None/NaN) is drawn as a gap, never as zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .i18n import t
from .markup import escape_plotly

# Colours that stay readable on a projector and for colour-blind readers (Okabe–Ito).
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
TARGET_COLOUR = "#7F7F7F"
PREVIOUS_COLOUR = "#E69F00"
BAND_COLOURS = {"point_appui": "#009E73", "a_consolider": "#E69F00", "point_fragilite": "#D55E00"}
SCORE_SCALE = [[0.0, "#D55E00"], [0.5, "#F0E442"], [0.75, "#8FD19E"], [1.0, "#009E73"]]
FONT = dict(family="Source Sans Pro, DejaVu Sans, sans-serif", size=13)


@dataclass(frozen=True)
class Series:
    """One line of a radar or a timeline: a name, one value per axis, a look."""

    name: str
    values: Sequence[float | None]
    kind: str = "team"  # team | target | previous | other
    colour: str | None = None


def _clean(values: Sequence[float | None]) -> list[float | None]:
    out: list[float | None] = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
        else:
            out.append(float(value))
    return out


def _layout(figure: go.Figure, title: str | None, height: int) -> go.Figure:
    figure.update_layout(
        title=dict(text=title, x=0, xanchor="left") if title else None,
        height=height, font=FONT, margin=dict(l=40, r=40, t=60 if title else 30, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=-0.25, xanchor="center", x=0.5),
        paper_bgcolor="white", plot_bgcolor="white",
    )
    return figure


def _polar_trace(axes: Sequence[str], series: Series, index: int, show_legend: bool = True,
                 hover: Sequence[str] | None = None) -> go.Scatterpolar:
    values = _clean(series.values)
    # close the polygon: repeat the first point at the end
    r = [*values, values[0]] if values else []
    theta = [*axes, axes[0]] if axes else []
    hover_text = [*(hover or axes), (hover or axes)[0]] if axes else []
    colour = series.colour or {
        "target": TARGET_COLOUR, "previous": PREVIOUS_COLOUR,
    }.get(series.kind, SERIES_COLOURS[index % len(SERIES_COLOURS)])
    style = dict(
        team=dict(line=dict(color=colour, width=3), fill="toself", opacity=0.85),
        target=dict(line=dict(color=colour, width=2, dash="dash")),
        previous=dict(line=dict(color=colour, width=2, dash="dot")),
        other=dict(line=dict(color=colour, width=2)),
    )[series.kind if series.kind in ("team", "target", "previous") else "other"]
    return go.Scatterpolar(
        r=r, theta=theta, name=escape_plotly(series.name), mode="lines+markers",
        connectgaps=False, marker=dict(size=6, color=colour), showlegend=show_legend,
        # The name is not pasted into the template: « %{…} » typed in a name stays text.
        text=hover_text, hovertemplate="%{text}<br>%{r:.0f} / 100<extra>%{fullData.name}</extra>",
        **style,
    )


def radar(axes: Sequence[str], series: Sequence[Series], *, title: str | None = None,
          hover: Sequence[str] | None = None, height: int = 520) -> go.Figure:
    """A radar (Scatterpolar) of 0–100 scores, one trace per series, on a fixed 0–100 scale.

    Args:
        axes: one short label per axis (stage, axis of levers), in grid order.
        series: the team's profile, a target, a previous campaign, roles...
        hover: optional longer label per axis, shown on hover.
    """
    figure = go.Figure([_polar_trace(axes, s, i, hover=hover) for i, s in enumerate(series)])
    figure.update_layout(polar=dict(
        radialaxis=dict(range=[0, 100], tickvals=[25, 50, 75, 100], angle=90, tickfont=dict(size=10)),
        angularaxis=dict(direction="clockwise", rotation=90),
    ))
    return _layout(figure, title, height)


def small_multiple_radars(axes: Sequence[str], profiles: Mapping[str, Sequence[float | None]],
                          *, reference: Series | None = None, columns: int = 3,
                          title: str | None = None,
                          hover: Sequence[str] | None = None) -> go.Figure:
    """One small radar per project, all on the same 0–100 scale, with an optional reference.

    `hover`: optional longer label per axis, shown on hover (e.g. the stage's full title).
    """
    names = list(profiles)
    rows = max(1, math.ceil(len(names) / columns))
    cols = min(columns, max(1, len(names)))
    figure = make_subplots(rows=rows, cols=cols, specs=[[{"type": "polar"}] * cols] * rows,
                           subplot_titles=names, horizontal_spacing=0.08, vertical_spacing=0.12)
    for index, name in enumerate(names):
        row, col = index // cols + 1, index % cols + 1
        figure.add_trace(_polar_trace(axes, Series(name, profiles[name]), 0, show_legend=False,
                                      hover=hover), row=row, col=col)
        if reference is not None:
            figure.add_trace(_polar_trace(axes, reference, 0, show_legend=index == 0, hover=hover),
                             row=row, col=col)
    figure.update_polars(radialaxis=dict(range=[0, 100], tickvals=[50, 100], showticklabels=False),
                         angularaxis=dict(direction="clockwise", rotation=90, type="category",
                                          tickfont=dict(size=10)))
    figure.update_annotations(font=dict(size=13), yshift=14)
    figure = _layout(figure, title, height=330 * rows + 60)
    # room above the first row for its subplot titles, however many lines they take
    title_lines = max((str(name).count("<br>") + 1 for name in names), default=1)
    figure.update_layout(margin=dict(t=figure.layout.margin.t + 20 * title_lines))
    return figure


def gap_bars(labels: Sequence[str], gaps: Sequence[float], *, bands: Sequence[str] | None = None,
             title: str | None = None) -> go.Figure:
    """Horizontal bars of the gaps to target (points out of 100), largest on top."""
    frame = pd.DataFrame({"label": list(labels), "gap": _clean(gaps),
                          "band": list(bands) if bands is not None else [None] * len(labels)})
    frame = frame.dropna(subset=["gap"]).sort_values("gap", kind="stable")
    colours = [BAND_COLOURS.get(b, SERIES_COLOURS[0]) for b in frame["band"]]
    figure = go.Figure(go.Bar(
        x=frame["gap"], y=frame["label"], orientation="h", marker_color=colours,
        text=[f"{g:.0f}" for g in frame["gap"]], textposition="outside",
        hovertemplate="%{y}<br>" + t("charts.gap_hover") + "<extra></extra>",
    ))
    figure.update_xaxes(title=t("charts.gap_axis"), range=[0, 100], gridcolor="#eee")
    figure.update_yaxes(automargin=True)
    return _layout(figure, title, height=max(260, 34 * len(frame) + 110))


def score_bars(labels: Sequence[str], scores: Sequence[float | None],
               targets: Sequence[float | None] | None = None, *, bands: Sequence[str] | None = None,
               title: str | None = None) -> go.Figure:
    """Vertical bars of scores (0–100) with their targets as markers: e.g. scores by phase."""
    values = _clean(scores)
    colours = [BAND_COLOURS.get(b, SERIES_COLOURS[0]) for b in (bands or [None] * len(values))]
    figure = go.Figure(go.Bar(
        x=list(labels), y=values, name=t("charts.score"), marker_color=colours,
        text=["" if v is None else f"{v:.0f}" for v in values], textposition="outside",
    ))
    if targets is not None:
        figure.add_trace(go.Scatter(
            x=list(labels), y=_clean(targets), name=t("charts.target"), mode="markers",
            marker=dict(symbol="line-ew-open", size=40, color=TARGET_COLOUR, line=dict(width=3)),
        ))
    figure.update_yaxes(range=[0, 110], title=t("charts.score_axis"), gridcolor="#eee")
    return _layout(figure, title, height=380)


def heatmap(matrix: pd.DataFrame, *, title: str | None = None, x_title: str = "",
            y_title: str = "", zmin: float = 0, zmax: float = 100, colour_scale=None,
            hover_label: str | None = None,
            column_hover: Sequence[str] | None = None,
            row_hover: Sequence[str] | None = None) -> go.Figure:
    """A heatmap of a rows × columns table of 0–100 scores; empty cells stay blank.

    `column_hover` / `row_hover`: optional longer label per column (e.g. a stage's full
    title) or row (e.g. a project's full name), shown on hover instead of the short label.
    """
    values = matrix.astype(float)
    text = values.map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    columns = [str(c) for c in values.columns]
    rows = [str(i) for i in values.index]
    hover_columns = [str(c) for c in column_hover] if column_hover is not None else columns
    if row_hover is None:  # the row's own label, and the column's hover label
        customdata: list = [hover_columns] * len(values.index)
        where = "%{y} · %{customdata}"
    else:
        customdata = [[[str(row), column] for column in hover_columns] for row in row_hover]
        where = "%{customdata[0]} · %{customdata[1]}"
    figure = go.Figure(go.Heatmap(
        z=values.to_numpy(), x=columns, y=rows,
        zmin=zmin, zmax=zmax, colorscale=colour_scale or SCORE_SCALE, text=text.to_numpy(),
        customdata=customdata,
        texttemplate="%{text}", hoverongaps=False,
        hovertemplate=where + "<br>" + (hover_label or t("charts.score"))
        + " : %{z:.0f}<extra></extra>",
        colorbar=dict(title=dict(text=hover_label or t("charts.score")), thickness=12),
    ))
    # Labels are names, even when they look like numbers (stage « 1 », « 2 »...).
    figure.update_xaxes(title=x_title, side="top", tickangle=0, type="category")
    figure.update_yaxes(title=y_title, autorange="reversed", automargin=True, type="category")
    return _layout(figure, title, height=max(300, 30 * len(values.index) + 140))


def answer_spread(counts: pd.DataFrame, *, levels: Sequence[str], level_labels: Mapping[str, str],
                  title: str | None = None) -> go.Figure:
    """Stacked bars: for each criterion (rows of `counts`), how many answers at each level.

    Args:
        counts: index = criterion labels, columns = level codes, values = counts.
        levels: the level codes in scale order (e.g. "0", "1", "2", "3", "unknown").
    """
    palette = ["#D55E00", "#E69F00", "#56B4E9", "#009E73", "#BBBBBB", "#DDDDDD", "#EEEEEE"]
    figure = go.Figure()
    for index, level in enumerate(levels):
        if level not in counts.columns:
            continue
        figure.add_trace(go.Bar(
            y=[str(i) for i in counts.index], x=counts[level], orientation="h",
            name=level_labels.get(level, level), marker_color=palette[index % len(palette)],
            hovertemplate="%{y}<br>" + level_labels.get(level, level) + " : %{x}<extra></extra>",
        ))
    figure.update_xaxes(title=t("charts.answers_axis"), dtick=1, gridcolor="#eee")
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure = _layout(figure, title, height=max(260, 32 * len(counts.index) + 180))
    # Long criterion labels take the left of the figure: the legend goes above the bars,
    # across the whole figure, in scale order (plotly reverses it for stacked bars).
    figure.update_layout(barmode="stack", margin=dict(t=90 if title else 70),
                         legend=dict(orientation="h", traceorder="normal", xref="container",
                                     x=0.01, xanchor="left", yref="container", y=0.99,
                                     yanchor="top"))
    return figure


def position_in_portfolio(labels: Sequence[str], project: Sequence[float | None],
                          q1: Sequence[float | None], median: Sequence[float | None],
                          q3: Sequence[float | None], *, project_name: str,
                          title: str | None = None) -> go.Figure:
    """Per stage: the portfolio's interquartile range (bar), its median (tick), one project (dot)."""
    low, mid, high = _clean(q1), _clean(median), _clean(q3)
    spans = [None if a is None or b is None else b - a for a, b in zip(low, high, strict=True)]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=list(labels), y=spans, base=low, name=t("charts.quartiles"),
                            marker_color="#DDE7F0", hovertemplate="%{x}<br>Q1–Q3<extra></extra>"))
    figure.add_trace(go.Scatter(x=list(labels), y=mid, name=t("charts.median"), mode="markers",
                                marker=dict(symbol="line-ew-open", size=26, color="#555",
                                            line=dict(width=3))))
    figure.add_trace(go.Scatter(x=list(labels), y=_clean(project), name=project_name,
                                mode="markers", marker=dict(size=12, color=SERIES_COLOURS[1])))
    figure.update_yaxes(range=[0, 105], title=t("charts.score_axis"), gridcolor="#eee")
    figure.update_xaxes(automargin=True)
    figure = _layout(figure, title, height=440)
    # legend above the plot: long stage labels below it are drawn at an angle
    figure.update_layout(legend=dict(y=1.02, yanchor="bottom", x=0, xanchor="left"),
                         margin=dict(t=figure.layout.margin.t + 30))
    return figure


def timeline(dates: Sequence[str], series: Sequence[Series], *, title: str | None = None) -> go.Figure:
    """Scores over successive campaigns (x = campaign labels or dates), one line per series."""
    figure = go.Figure()
    for index, one in enumerate(series):
        figure.add_trace(go.Scatter(
            x=list(dates), y=_clean(one.values), name=one.name, mode="lines+markers",
            line=dict(color=one.colour or SERIES_COLOURS[index % len(SERIES_COLOURS)],
                      width=3 if one.kind == "team" else 2),
        ))
    figure.update_yaxes(range=[0, 105], title=t("charts.score_axis"), gridcolor="#eee")
    return _layout(figure, title, height=380)


def change_bars(labels: Sequence[str], changes: Sequence[float | None], *,
                title: str | None = None) -> go.Figure:
    """Horizontal bars of the change per stage between two campaigns (points, ±)."""
    values = _clean(changes)
    colours = ["#BBBBBB" if v is None else ("#009E73" if v > 0 else "#D55E00" if v < 0 else "#999")
               for v in values]
    figure = go.Figure(go.Bar(
        x=values, y=list(labels), orientation="h", marker_color=colours,
        text=["" if v is None else f"{v:+.0f}" for v in values], textposition="outside",
    ))
    figure.update_xaxes(title=t("charts.change_axis"), range=[-100, 100], zeroline=True,
                        zerolinecolor="#444", gridcolor="#eee")
    figure.update_yaxes(autorange="reversed", automargin=True)
    return _layout(figure, title, height=max(260, 30 * len(values) + 110))


def distribution(scores: Sequence[float | None], *, bands: Sequence[str] | None = None,
                 band_labels: Mapping[str, str] | None = None, title: str | None = None) -> go.Figure:
    """Histogram of overall scores (0–100, bins of 10), stacked by band when bands are given."""
    frame = pd.DataFrame({"score": _clean(scores),
                          "band": list(bands) if bands is not None else ["all"] * len(scores)})
    frame = frame.dropna(subset=["score"])
    figure = go.Figure()
    for band, group in frame.groupby("band", sort=False):
        figure.add_trace(go.Histogram(
            x=group["score"], xbins=dict(start=0, end=100.001, size=10),
            name=(band_labels or {}).get(band, band), marker_color=BAND_COLOURS.get(band, SERIES_COLOURS[0]),
        ))
    figure.update_layout(barmode="stack", bargap=0.05)
    figure.update_xaxes(title=t("charts.overall_axis"), range=[0, 100], dtick=10)
    figure.update_yaxes(title=t("charts.projects_axis"), gridcolor="#eee")
    figure = _layout(figure, title, height=380)
    # legend above the plot, clear of the axis title
    figure.update_layout(legend=dict(y=1.02, yanchor="bottom", x=0, xanchor="left"),
                         margin=dict(t=figure.layout.margin.t + 20))
    return figure


# --- static SVG for printed documents ------------------------------------------------------
# The PDF reports (coopscore/report.py) draw the same series, colours and line styles as the
# plotly figures above, as plain SVG: no browser is needed to make a document.

SVG_FONT = "Libertinus Serif"  # bundled with the Typst compiler that lays out the reports
_DASHES = {"target": "6 4", "previous": "2 3"}


def _svg_text(text: object) -> str:
    from xml.sax.saxutils import escape

    return escape(str(text), {'"': "&quot;"})


def _series_colour(series: Series, index: int) -> str:
    return series.colour or {"target": TARGET_COLOUR, "previous": PREVIOUS_COLOUR}.get(
        series.kind, SERIES_COLOURS[index % len(SERIES_COLOURS)])


def _wrap_words(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def radar_svg(axes: Sequence[str], series: Sequence[Series], *, size: int = 380,
              label_width: int = 16) -> str:
    """The radar of `radar` as an SVG document: 0–100 rings, one polygon per series, a legend.

    A missing value breaks the line (never drawn as zero), as in the plotly radar. Axis
    labels are wrapped on `label_width` characters.
    """
    count = max(1, len(axes))
    legend_rows = math.ceil(len(series) / 2)
    width, height = size + 240, size + 30 + 22 * legend_rows
    cx, cy, radius = width / 2, size / 2 + 10, size / 2 - 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{SVG_FONT}">',
             f'<rect width="{width}" height="{height}" fill="white"/>']

    def point(k: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * k / count
        r = radius * max(0.0, min(100.0, value)) / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for ring in (25, 50, 75, 100):
        ring_points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, ring) for k in range(count)))
        parts.append(f'<polygon points="{ring_points}" fill="none" stroke="#d0d0d0" '
                     f'stroke-width="{1.2 if ring == 100 else 0.7}"/>')
        # the ring's value just right of the first axis, clear of its label
        x, y = point(0, ring)
        parts.append(f'<text x="{x + 3:.1f}" y="{y + 10:.1f}" font-size="9" fill="#777">{ring}</text>')
    for k, label in enumerate(axes):
        x0, y0 = point(k, 0)
        x1, y1 = point(k, 100)
        parts.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
                     f'stroke="#e0e0e0" stroke-width="0.7"/>')
        lx, ly = point(k, 110)
        cos = math.cos(-math.pi / 2 + 2 * math.pi * k / count)
        sin = math.sin(-math.pi / 2 + 2 * math.pi * k / count)
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        lines = _wrap_words(label, label_width)
        if sin < -0.5:  # above the centre: the label grows upwards, away from the plot
            top = ly - 13 * (len(lines) - 1)
        elif sin > 0.5:  # below: downwards
            top = ly + 10
        else:
            top = ly - 6.5 * (len(lines) - 1) + 4
        for n, line in enumerate(lines):
            parts.append(f'<text x="{lx:.1f}" y="{top + 13 * n:.1f}" font-size="12" '
                         f'text-anchor="{anchor}" fill="#222">{_svg_text(line)}</text>')
    for index, one in enumerate(series):
        colour = _series_colour(one, index)
        values = _clean(one.values)
        points = [None if v is None else point(k, v) for k, v in enumerate(values)]
        dash = _DASHES.get(one.kind)
        stroke = (f'stroke="{colour}" stroke-width="{2.6 if one.kind == "team" else 1.8}" '
                  f'fill="none"' + (f' stroke-dasharray="{dash}"' if dash else ""))
        if points and all(p is not None for p in points):
            joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)  # type: ignore[misc]
            fill = f'fill="{colour}" fill-opacity="0.15"' if one.kind == "team" else 'fill="none"'
            parts.append(f'<polygon points="{joined}" {fill} stroke="none"/>')
            parts.append(f'<polygon points="{joined}" {stroke}/>')
        else:  # segments between neighbours that both have a value (the polygon closes)
            for k in range(len(points)):
                a, b = points[k], points[(k + 1) % len(points)]
                if a is not None and b is not None and len(points) > 1:
                    parts.append(f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" '
                                 f'y2="{b[1]:.1f}" {stroke}/>')
        for p in points:
            if p is not None:
                parts.append(f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="2.6" fill="{colour}"/>')
    for index, one in enumerate(series):
        row, column = divmod(index, 2)
        x, y = 30 + column * (width / 2), size + 22 + 22 * row
        colour = _series_colour(one, index)
        dash = _DASHES.get(one.kind)
        parts.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 28:.1f}" y2="{y:.1f}" '
                     f'stroke="{colour}" stroke-width="2.6"'
                     + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        parts.append(f'<text x="{x + 36:.1f}" y="{y + 4:.1f}" font-size="12" fill="#222">'
                     f'{_svg_text(one.name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def distribution_svg(scores: Sequence[float | None], *, bands: Sequence[str] | None = None,
                     band_labels: Mapping[str, str] | None = None, width: int = 640,
                     height: int = 300) -> str:
    """The histogram of `distribution` as SVG: overall indices in bins of 10, stacked by band."""
    values = _clean(scores)
    band_of = list(bands) if bands is not None else ["all"] * len(values)
    order = [b for b in BAND_COLOURS if b in set(band_of)] + \
        [b for b in dict.fromkeys(band_of) if b not in BAND_COLOURS]
    counts = {band: [0] * 10 for band in order}
    for value, band in zip(values, band_of):
        if value is not None:
            counts[band][min(9, int(value // 10))] += 1
    tallest = max([sum(c[k] for c in counts.values()) for k in range(10)] + [1])
    left, right, top, bottom = 50, 20, 40, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    step = max(1, math.ceil(tallest / 5))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{SVG_FONT}">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for tick in range(0, tallest + 1, step):
        y = top + plot_h - plot_h * tick / tallest
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                     f'stroke="#eee"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 3:.1f}" font-size="10" text-anchor="end">'
                     f'{tick}</text>')
    bar = plot_w / 10
    for k in range(10):
        base = 0
        for band in order:
            n = counts[band][k]
            if not n:
                continue
            y = top + plot_h - plot_h * (base + n) / tallest
            parts.append(f'<rect x="{left + k * bar + 2:.1f}" y="{y:.1f}" width="{bar - 4:.1f}" '
                         f'height="{plot_h * n / tallest:.1f}" '
                         f'fill="{BAND_COLOURS.get(band, SERIES_COLOURS[0])}"/>')
            base += n
        if base:
            y = top + plot_h - plot_h * base / tallest
            parts.append(f'<text x="{left + (k + 0.5) * bar:.1f}" y="{y - 4:.1f}" font-size="10" '
                         f'text-anchor="middle">{base}</text>')
    for k in range(11):
        x = left + k * bar
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" font-size="10" '
                     f'text-anchor="middle">{k * 10}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                 f'y2="{top + plot_h}" stroke="#444"/>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 12}" font-size="11" '
                 f'text-anchor="middle">{_svg_text(t("charts.overall_axis"))}</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2:.1f}" font-size="11" text-anchor="middle" '
                 f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">'
                 f'{_svg_text(t("charts.projects_axis"))}</text>')
    x = left
    for band in order:
        label = (band_labels or {}).get(band, band)
        parts.append(f'<rect x="{x}" y="12" width="12" height="12" '
                     f'fill="{BAND_COLOURS.get(band, SERIES_COLOURS[0])}"/>')
        parts.append(f'<text x="{x + 17}" y="22" font-size="11">{_svg_text(label)}</text>')
        x += 30 + 7 * len(str(label))
    parts.append("</svg>")
    return "\n".join(parts)
