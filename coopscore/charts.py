"""Plotly figures as pure functions of tidy tables: the pages show them, reports can reuse them.

Nothing here reads the database or scores anything: each function takes the numbers it
draws, already computed, and returns a `plotly.graph_objects.Figure`. Scores are on the
0–100 scale; a missing score (None/NaN) is drawn as a gap, never as zero.

Every figure says in one sentence what it shows (`summary(figure)`) and gives its numbers
as a table (`data_table(figure)`), for people who do not see the chart (RGAA 1.3, 1.4).
Colours reach 3:1 against the white background (WCAG 1.4.11), text on coloured cells 4.5:1,
and bands are told by a pattern as well as a colour (`tests/test_charts.py` measures them).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import format as fmt
from .i18n import t
from .markup import escape_markdown, escape_plotly

BACKGROUND = "#FFFFFF"
TEXT_COLOUR = "#161616"  # the app's theme text colour
# Colours that stay readable on a projector and for colour-blind readers (Okabe–Ito, with
# the amber, sky blue and yellow darkened to 3:1 on white); lines also differ by symbol.
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#A36200", "#6A3D9A", "#000000"]
SERIES_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star"]
TARGET_COLOUR = "#767676"
PREVIOUS_COLOUR = "#A36200"
NEUTRAL_COLOUR = "#767676"
BAND_COLOURS = {"point_appui": "#009E73", "a_consolider": "#A36200", "point_fragilite": "#D55E00"}
# A band is told by its pattern too: solid for the strongest, hatched, then crossed.
BAND_PATTERNS = {"point_appui": "", "a_consolider": "/", "point_fragilite": "x"}
# Heatmap cells: every colour of the scale reaches 3:1 on white and 4.5:1 under black numbers.
SCORE_SCALE = [[0.0, "#E07020"], [0.5, "#AD8A1E"], [1.0, "#3C9E63"]]
CELL_TEXT_COLOUR = "#000000"
# The answers of one point, level by level: colour and pattern (0 · 1 · 2 · 3, then the rest).
LEVEL_COLOURS = ["#D55E00", "#A36200", "#0072B2", "#009E73", "#767676", "#5E5E5E", "#454545"]
LEVEL_PATTERNS = ["x", "/", ".", "", "-", "|", "+"]
QUARTILE_FILL, QUARTILE_LINE = "#DDE7F0", "#4A6A8A"  # the box is told by its 3:1 outline
FONT = dict(family="Source Sans Pro, DejaVu Sans, sans-serif", size=13, color=TEXT_COLOUR)
LEGEND_KEY = "legend-key"  # meta of a trace drawn only to explain a pattern in the legend


# --- contrast (WCAG 2.1) ---------------------------------------------------------------------


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of « #RRGGBB » (0 black … 1 white)."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(2 * c for c in hex_digits)
    channels = [int(hex_digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two colours, 1 to 21 (text needs 4.5, graphics 3)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def scale_colour(scale: Sequence[Sequence], fraction: float) -> str:
    """The colour a plotly colour scale gives at `fraction` (0–1), interpolated in RGB."""
    fraction = min(1.0, max(0.0, fraction))
    for (low, low_colour), (high, high_colour) in zip(scale, scale[1:], strict=False):
        if low <= fraction <= high:
            share = 0.0 if high == low else (fraction - low) / (high - low)
            a = [int(low_colour[i:i + 2], 16) for i in (1, 3, 5)]
            b = [int(high_colour[i:i + 2], 16) for i in (1, 3, 5)]
            return "#" + "".join(f"{round(x + (y - x) * share):02X}" for x, y in zip(a, b, strict=True))
    return scale[-1][1]


# --- what a figure says, in words and as a table --------------------------------------------


def _summarise(figure: go.Figure, summary: str) -> go.Figure:
    figure.update_layout(meta={**(figure.layout.meta or {}), "summary": summary})
    return figure


def summary(figure: go.Figure) -> str:
    """The one-line text alternative of a figure made here (« Score le plus haut : … »)."""
    return str((figure.layout.meta or {}).get("summary", ""))


def _plain(text: object) -> str:
    """A plotly label as text: line breaks become spaces, escaped signs read as themselves."""
    return html.unescape(str(text).replace("<br>", " "))


def _values_of(trace) -> pd.Series | pd.DataFrame | None:
    kind = trace.type
    if kind == "scatterpolar":
        theta, r = list(trace.theta or []), list(trace.r or [])
        if len(theta) > 1 and theta[0] == theta[-1]:  # the polygon is closed on its first point
            theta, r = theta[:-1], r[:-1]
        return pd.Series(r, index=[_plain(a) for a in theta], dtype=object)
    if kind == "heatmap":
        return pd.DataFrame(trace.z, index=[_plain(y) for y in trace.y],
                            columns=[_plain(x) for x in trace.x])
    if kind == "histogram":
        size = trace.xbins.size or 10
        start = trace.xbins.start or 0
        counts: dict[str, int] = {}
        for low in range(int(start), 100, int(size)):
            high = low + int(size)
            label = f"{fmt.number(low)}–{fmt.number(high)}"
            counts[label] = sum(1 for x in trace.x
                                if low <= x < high or (high >= 100 and x == high))
        return pd.Series(counts, dtype=object)
    horizontal = getattr(trace, "orientation", None) == "h"
    categories = list(trace.y if horizontal else trace.x)
    values = list(trace.x if horizontal else trace.y)
    base = getattr(trace, "base", None)
    index = [_plain(c) for c in categories]
    if base is not None:  # a range drawn from `base`: its two ends
        ends = [None if b is None or v is None else b + v for b, v in zip(base, values, strict=True)]
        return pd.DataFrame({t("charts.table_low"): list(base), t("charts.table_high"): ends},
                            index=index)
    return pd.Series(values, index=index, dtype=object)


def data_table(figure: go.Figure, category: str | None = None) -> pd.DataFrame:
    """The numbers a figure draws, one row per axis, bar or row, one column per series.

    Written for reading (« 57 », « — » for a gap, in the reader's language) and escaped for
    st.table's Markdown cells.

    Args:
        category: the first column's heading (default: « Libellé »).
    """
    columns: dict[str, pd.Series] = {}
    for trace in figure.data:
        if trace.meta == LEGEND_KEY:
            continue
        values = _values_of(trace)
        if values is None:
            continue
        if trace.type == "heatmap":  # the full labels shown on hover, not the short ones
            meta = figure.layout.meta or {}
            values = values.set_axis([_plain(r) for r in meta.get("rows", values.index)], axis=0)
            values = values.set_axis([_plain(c) for c in meta.get("columns", values.columns)],
                                     axis=1)
        name = _plain(trace.name) if trace.name else t("charts.score")
        if isinstance(values, pd.DataFrame):
            for column in values.columns:
                heading = column if len(figure.data) == 1 or trace.type == "heatmap" \
                    else f"{name} · {column}"
                columns.setdefault(str(heading), values[column])
        else:
            columns.setdefault(name, values)
    full = {_plain(short): _plain(long)
            for short, long in ((figure.layout.meta or {}).get("labels") or {}).items()}
    columns = {name: values.set_axis([full.get(label, label) for label in values.index])
               for name, values in columns.items()}
    order: list[str] = []
    for values in columns.values():
        order += [label for label in values.index if label not in order]
    drawn = [trace for trace in figure.data if trace.meta != LEGEND_KEY]
    if (drawn and getattr(drawn[0], "orientation", None) == "h"
            and figure.layout.yaxis.autorange != "reversed"):
        order.reverse()  # plotly draws the first horizontal bar at the bottom: read from the top
    table = pd.DataFrame({name: values.reindex(order) for name, values in columns.items()},
                         index=order)
    table = table.map(lambda v: fmt.number(v) if not isinstance(v, str) else v)
    table.insert(0, category or t("charts.table_category"), table.index)
    table.columns = [escape_markdown(c) for c in table.columns]
    return table.map(escape_markdown).reset_index(drop=True)


def _legend_keys(figure: go.Figure, bands: Sequence[str | None],
                 band_labels: Mapping[str, str] | None) -> None:
    """One legend entry per band shown, with its colour and pattern (the bars are one trace)."""
    for band in dict.fromkeys(b for b in bands if b in BAND_COLOURS):
        figure.add_trace(go.Bar(
            x=[None], y=[None], name=escape_plotly((band_labels or {}).get(band, band)),
            marker=dict(color=BAND_COLOURS[band], pattern=dict(shape=BAND_PATTERNS[band])),
            showlegend=True, meta=LEGEND_KEY, hoverinfo="skip"))


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
        separators=fmt.plotly_separators(),  # « 2,5 » in French hovers and ticks
    )
    return figure


def _extremes(labels: Sequence[str], values: Sequence[float | None]
              ) -> tuple[str, float, str, float] | None:
    """The label and value of the highest and of the lowest value (None when all are missing)."""
    known = [(v, _plain(label)) for label, v in zip(labels, _clean(values), strict=False)
             if v is not None]
    if not known:
        return None
    high = max(known, key=lambda pair: pair[0])
    low = min(known, key=lambda pair: pair[0])
    return high[1], high[0], low[1], low[0]


def _wrap(label: str, width: int = 14) -> str:
    """A label on lines of about `width` characters (« Mise en œuvre<br>et capitalisation »)."""
    lines: list[str] = []
    for word in str(label).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _sentence(*parts: str) -> str:
    return t("charts.separator").join(part for part in parts if part) + "."


def _high_low(labels: Sequence[str], values: Sequence[float | None], key: str = "charts.high_low",
              **extra: object) -> str:
    found = _extremes(labels, values)
    if found is None:
        return t("charts.nothing_to_show")
    high_label, high, low_label, low = found
    return t(key, high_label=high_label, high=fmt.number(high), low_label=low_label,
             low=fmt.number(low), **extra)


def _below(labels_values: Sequence[float | None], targets: Sequence[float | None],
           target_name: str) -> str:
    pairs = [(v, c) for v, c in zip(_clean(labels_values), _clean(targets), strict=False)
             if v is not None and c is not None]
    if not pairs:
        return ""
    below = sum(1 for v, c in pairs if fmt.rounded(v) < fmt.rounded(c))
    return t("charts.below_target", target=_plain(target_name), n=fmt.integer(below),
             total=fmt.integer(len(pairs)))


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
    symbol = {"team": "circle", "target": "square", "previous": "diamond"}.get(
        series.kind, SERIES_SYMBOLS[index % len(SERIES_SYMBOLS)])
    style = dict(
        team=dict(line=dict(color=colour, width=3), fill="toself", opacity=0.85),
        target=dict(line=dict(color=colour, width=2, dash="dash")),
        previous=dict(line=dict(color=colour, width=2, dash="dot")),
        other=dict(line=dict(color=colour, width=2)),
    )[series.kind if series.kind in ("team", "target", "previous") else "other"]
    return go.Scatterpolar(
        r=r, theta=theta, name=escape_plotly(series.name), mode="lines+markers",
        connectgaps=False, marker=dict(size=7, color=colour, symbol=symbol),
        showlegend=show_legend,
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
        # labels are names even when they look like numbers (stage « 1 », « 2 »… on a phone)
        angularaxis=dict(direction="clockwise", rotation=90, type="category"),
    ))
    if hover is not None:  # the summary and the table name each axis in full
        figure.update_layout(meta={"labels": dict(zip(axes, hover, strict=True))})
    parts = []
    if series:
        first = series[0]
        parts.append(_high_low(hover or axes, first.values, "charts.series_high_low",
                               series=_plain(first.name)))
        target = next((s for s in series if s.kind == "target"), None)
        if target is not None:
            parts.append(_below(first.values, target.values, target.name))
    _summarise(figure, _sentence(*parts))
    return _layout(figure, title, height)


def small_multiple_radars(axes: Sequence[str], profiles: Mapping[str, Sequence[float | None]],
                          *, reference: Series | None = None, columns: int = 3,
                          title: str | None = None,
                          hover: Sequence[str] | None = None,
                          full_names: Sequence[str] | None = None) -> go.Figure:
    """One small radar per project, all on the same 0–100 scale, with an optional reference.

    `hover`: optional longer label per axis, shown on hover (e.g. the stage's full title).
    `full_names`: each project's whole name, shown on hovering its (shortened) title.
    """
    names = list(profiles)
    rows = max(1, math.ceil(len(names) / columns))
    cols = min(columns, max(1, len(names)))
    height = 330 * rows + 60
    # about 120 px between rows for the next titles, whatever the number of rows (plotly's
    # spacing is a share of the height: a fixed share leaves a long chart mostly empty)
    spacing = min(0.12, 120 / height)
    figure = make_subplots(rows=rows, cols=cols, specs=[[{"type": "polar"}] * cols] * rows,
                           subplot_titles=names, horizontal_spacing=0.08,
                           vertical_spacing=spacing)
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
    figure.update_annotations(font=dict(size=13), yshift=22)  # clear of the axis « 1 »
    if full_names is not None:
        for annotation, whole in zip(figure.layout.annotations, full_names, strict=True):
            annotation.hovertext = whole
    figure = _layout(figure, title, height=height)
    figure.update_layout(legend=dict(y=-55 / height))  # under the last row, not far below
    # room above the first row for its subplot titles, however many lines they take
    title_lines = max((str(name).count("<br>") + 1 for name in names), default=1)
    figure.update_layout(margin=dict(t=figure.layout.margin.t + 20 * title_lines))
    if hover is not None:
        figure.update_layout(meta={"labels": dict(zip(axes, hover, strict=True))})
    means = []
    for name in names:
        known = [v for v in _clean(profiles[name]) if v is not None]
        means.append(sum(known) / len(known) if known else None)
    return _summarise(figure, _sentence(
        t("charts.profiles_count", n=fmt.integer(len(names))),
        _high_low(names, means, "charts.mean_high_low") if names else ""))


def gap_bars(labels: Sequence[str], gaps: Sequence[float], *, bands: Sequence[str] | None = None,
             band_labels: Mapping[str, str] | None = None,
             title: str | None = None) -> go.Figure:
    """Horizontal bars of the gaps to target (points out of 100), largest on top.

    A bar's band is told by its colour and its pattern, both explained in the legend.
    """
    frame = pd.DataFrame({"label": list(labels), "gap": _clean(gaps),
                          "band": list(bands) if bands is not None else [None] * len(labels)})
    frame = frame.dropna(subset=["gap"]).sort_values("gap", kind="stable")
    colours = [BAND_COLOURS.get(b, SERIES_COLOURS[0]) for b in frame["band"]]
    patterns = [BAND_PATTERNS.get(b, "") for b in frame["band"]]
    figure = go.Figure(go.Bar(
        x=frame["gap"], y=frame["label"], orientation="h", name=t("charts.gap"),
        marker=dict(color=colours, pattern=dict(shape=patterns)), showlegend=False,
        text=[fmt.number(g) for g in frame["gap"]], textposition="outside",
        hovertemplate="%{y}<br>" + t("charts.gap_hover") + "<extra></extra>",
    ))
    _legend_keys(figure, list(frame["band"])[::-1], band_labels)
    figure.update_xaxes(title=t("charts.gap_axis"), range=[0, 100], gridcolor="#eee")
    figure.update_yaxes(automargin=True, categoryorder="array", categoryarray=list(frame["label"]))
    largest = frame.iloc[-1] if not frame.empty else None
    _summarise(figure, t("charts.nothing_to_show") + "." if largest is None else _sentence(
        t("charts.gaps_largest", n=fmt.integer(len(frame)), label=_plain(largest["label"]),
          gap=fmt.number(largest["gap"]))))
    return _layout(figure, title, height=max(260, 34 * len(frame) + 110))


def score_bars(labels: Sequence[str], scores: Sequence[float | None],
               targets: Sequence[float | None] | None = None, *, bands: Sequence[str] | None = None,
               band_labels: Mapping[str, str] | None = None,
               title: str | None = None) -> go.Figure:
    """Vertical bars of scores (0–100) with their targets as markers: e.g. scores by phase.

    A bar's band is told by its colour and its pattern, both explained in the legend.
    """
    values = _clean(scores)
    bands = list(bands) if bands is not None else [None] * len(values)
    colours = [BAND_COLOURS.get(b, SERIES_COLOURS[0]) for b in bands]
    # labels wrapped and upright: a narrow screen neither tilts nor cuts them
    labels = [_wrap(escape_plotly(label)) for label in labels]
    figure = go.Figure(go.Bar(
        x=list(labels), y=values, name=t("charts.score"),
        marker=dict(color=colours, pattern=dict(shape=[BAND_PATTERNS.get(b, "") for b in bands])),
        text=["" if v is None else fmt.number(v) for v in values], textposition="outside",
        showlegend=False,
    ))
    if targets is not None:
        figure.add_trace(go.Scatter(
            x=list(labels), y=_clean(targets), name=t("charts.target"), mode="markers",
            marker=dict(symbol="line-ew-open", size=40, color=TARGET_COLOUR, line=dict(width=3)),
        ))
    _legend_keys(figure, bands, band_labels)
    figure.update_yaxes(range=[0, 110], title=t("charts.score_axis"), gridcolor="#eee")
    figure.update_xaxes(automargin=True, tickangle=0)
    _summarise(figure, _sentence(
        _high_low(labels, values),
        _below(values, targets, t("charts.target")) if targets is not None else ""))
    return _layout(figure, title, height=380)


def heatmap(matrix: pd.DataFrame, *, title: str | None = None, x_title: str = "",
            y_title: str = "", zmin: float = 0, zmax: float = 100, colour_scale=None,
            hover_label: str | None = None,
            column_hover: Sequence[str] | None = None,
            row_hover: Sequence[str] | None = None) -> go.Figure:
    """A heatmap of a rows × columns table of 0–100 scores; empty cells stay blank.

    Each cell writes its number in black (4.5:1 and more on every colour of SCORE_SCALE).
    `column_hover` / `row_hover`: optional longer label per column (e.g. a stage's full
    title) or row (e.g. a project's full name), shown on hover instead of the short label.
    """
    values = matrix.astype(float)
    text = values.map(lambda v: "" if pd.isna(v) else fmt.number(v))
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
        customdata=customdata, textfont=dict(color=CELL_TEXT_COLOUR),
        texttemplate="%{text}", hoverongaps=False, xgap=1, ygap=1,
        hovertemplate=where + "<br>" + (hover_label or t("charts.score"))
        + " : %{z:.0f}<extra></extra>",
        colorbar=dict(title=dict(text=hover_label or t("charts.score")), thickness=12),
    ))
    # Labels are names, even when they look like numbers (stage « 1 », « 2 »...).
    figure.update_xaxes(title=x_title, side="top", tickangle=0, type="category")
    figure.update_yaxes(title=y_title, autorange="reversed", automargin=True, type="category")
    figure.update_layout(meta={"rows": [str(r) for r in (row_hover or rows)],
                               "columns": hover_columns})
    cells = values.stack()
    if cells.empty:
        _summarise(figure, t("charts.nothing_to_show") + ".")
    else:
        full_rows = dict(zip(rows, [str(r) for r in (row_hover or rows)], strict=True))
        full_columns = dict(zip(columns, hover_columns, strict=True))
        where_of = [f"{_plain(full_rows[str(r)])} · {_plain(full_columns[str(c)])}"
                    for r, c in cells.index]
        _summarise(figure, _sentence(
            t("charts.cells_count", rows=fmt.integer(len(rows)), columns=fmt.integer(len(columns))),
            _high_low(where_of, list(cells), "charts.cell_high_low")))
    # a row label wrapped on k lines (« <br> ») needs k lines of height: labels never overlap
    lines = max((row.count("<br>") + 1 for row in rows), default=1)
    per_row = 30 if lines == 1 else 16 * lines + 10
    return _layout(figure, title, height=max(300, per_row * len(values.index) + 140))


def answer_spread(counts: pd.DataFrame, *, levels: Sequence[str], level_labels: Mapping[str, str],
                  title: str | None = None) -> go.Figure:
    """Stacked bars: for each criterion (rows of `counts`), how many answers at each level.

    Each level has its colour and its pattern, explained in the legend.

    Args:
        counts: index = criterion labels, columns = level codes, values = counts.
        levels: the level codes in scale order (e.g. "0", "1", "2", "3", "unknown").
    """
    figure = go.Figure()
    for index, level in enumerate(levels):
        if level not in counts.columns:
            continue
        figure.add_trace(go.Bar(
            y=[str(i) for i in counts.index], x=counts[level], orientation="h",
            name=level_labels.get(level, level),
            marker=dict(color=LEVEL_COLOURS[index % len(LEVEL_COLOURS)],
                        pattern=dict(shape=LEVEL_PATTERNS[index % len(LEVEL_PATTERNS)]),
                        line=dict(color=BACKGROUND, width=1)),
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
    shown = [level for level in levels if level in counts.columns]
    totals = counts[shown].sum() if shown else pd.Series(dtype=float)
    if totals.empty or totals.sum() == 0:
        return _summarise(figure, t("charts.nothing_to_show") + ".")
    most = str(totals.idxmax())
    return _summarise(figure, _sentence(t(
        "charts.spread_summary", answers=fmt.integer(totals.sum()),
        rows=fmt.integer(len(counts.index)), level=level_labels.get(most, most))))


def position_in_portfolio(labels: Sequence[str], project: Sequence[float | None],
                          q1: Sequence[float | None], median: Sequence[float | None],
                          q3: Sequence[float | None], *, project_name: str,
                          title: str | None = None) -> go.Figure:
    """Per stage: the portfolio's interquartile range (bar), its median (tick), one project (dot)."""
    low, mid, high = _clean(q1), _clean(median), _clean(q3)
    spans = [None if a is None or b is None else b - a for a, b in zip(low, high, strict=True)]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=list(labels), y=spans, base=low, name=t("charts.quartiles"),
                            marker=dict(color=QUARTILE_FILL,
                                        line=dict(color=QUARTILE_LINE, width=1.5)),
                            hovertemplate="%{x}<br>Q1–Q3<extra></extra>"))
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
    pairs = [(p, m) for p, m in zip(_clean(project), mid, strict=False)
             if p is not None and m is not None]
    above = sum(1 for p, m in pairs if fmt.rounded(p) > fmt.rounded(m))
    below = sum(1 for p, m in pairs if fmt.rounded(p) < fmt.rounded(m))
    return _summarise(figure, _sentence(t(
        "charts.position_summary", project=_plain(project_name), above=fmt.integer(above),
        below=fmt.integer(below), total=fmt.integer(len(pairs)))))


def timeline(dates: Sequence[str], series: Sequence[Series], *, title: str | None = None) -> go.Figure:
    """Scores over successive campaigns (x = campaign labels or dates), one line per series."""
    figure = go.Figure()
    for index, one in enumerate(series):
        figure.add_trace(go.Scatter(
            x=list(dates), y=_clean(one.values), name=one.name, mode="lines+markers",
            line=dict(color=one.colour or SERIES_COLOURS[index % len(SERIES_COLOURS)],
                      width=3 if one.kind == "team" else 2),
            marker=dict(size=8, symbol=SERIES_SYMBOLS[index % len(SERIES_SYMBOLS)]),
        ))
    figure.update_yaxes(range=[0, 105], title=t("charts.score_axis"), gridcolor="#eee")
    figure.update_xaxes(automargin=True)
    parts = []
    for one in series[:1]:
        known = [(d, v) for d, v in zip(dates, _clean(one.values), strict=False) if v is not None]
        if known:
            parts.append(t("charts.timeline_summary", series=_plain(one.name),
                           first_label=_plain(known[0][0]), first=fmt.number(known[0][1]),
                           last_label=_plain(known[-1][0]), last=fmt.number(known[-1][1])))
    _summarise(figure, _sentence(*parts) if parts else t("charts.nothing_to_show") + ".")
    return _layout(figure, title, height=380)


def change_bars(labels: Sequence[str], changes: Sequence[float | None], *,
                title: str | None = None) -> go.Figure:
    """Horizontal bars of the change per stage between two campaigns (points, ±).

    A rise is told by its sign (« +12 ») and its side of zero, not only by its colour.
    """
    values = _clean(changes)
    colours = [NEUTRAL_COLOUR if v is None else
               (BAND_COLOURS["point_appui"] if v > 0
                else BAND_COLOURS["point_fragilite"] if v < 0 else NEUTRAL_COLOUR)
               for v in values]
    figure = go.Figure(go.Bar(
        x=values, y=list(labels), orientation="h", marker_color=colours, name=t("charts.change"),
        text=["" if v is None else fmt.number(v, sign=True) for v in values], textposition="outside",
    ))
    figure.update_xaxes(title=t("charts.change_axis"), range=[-100, 100], zeroline=True,
                        zerolinecolor="#444", gridcolor="#eee")
    figure.update_yaxes(autorange="reversed", automargin=True)
    shown = [fmt.rounded(v) for v in values if v is not None]
    parts = [t("charts.changes_count", up=fmt.integer(sum(v > 0 for v in shown)),
               down=fmt.integer(sum(v < 0 for v in shown)),
               same=fmt.integer(sum(v == 0 for v in shown)))]
    found = _extremes(labels, values)
    if found is not None and found[1] > 0:
        parts.append(t("charts.largest_rise", label=found[0], value=fmt.number(found[1], sign=True)))
    if found is not None and found[3] < 0:
        parts.append(t("charts.largest_fall", label=found[2], value=fmt.number(found[3], sign=True)))
    _summarise(figure, _sentence(*parts))
    return _layout(figure, title, height=max(260, 30 * len(values) + 110))


def distribution(scores: Sequence[float | None], *, bands: Sequence[str] | None = None,
                 band_labels: Mapping[str, str] | None = None, title: str | None = None) -> go.Figure:
    """Histogram of overall scores (0–100, bins of 10), stacked by band when bands are given.

    Each band has its colour and its pattern, explained in the legend.
    """
    frame = pd.DataFrame({"score": _clean(scores),
                          "band": list(bands) if bands is not None else ["all"] * len(scores)})
    frame = frame.dropna(subset=["score"])
    figure = go.Figure()
    for band, group in frame.groupby("band", sort=False):
        figure.add_trace(go.Histogram(
            x=group["score"], xbins=dict(start=0, end=100.001, size=10),
            name=(band_labels or {}).get(band, band),
            marker=dict(color=BAND_COLOURS.get(band, SERIES_COLOURS[0]),
                        pattern=dict(shape=BAND_PATTERNS.get(band, "")),
                        line=dict(color=BACKGROUND, width=1)),
        ))
    figure.update_layout(barmode="stack", bargap=0.05)
    figure.update_xaxes(title=t("charts.overall_axis"), range=[0, 100], dtick=10)
    figure.update_yaxes(title=t("charts.projects_axis"), gridcolor="#eee")
    figure = _layout(figure, title, height=380)
    # legend above the plot, clear of the axis title
    figure.update_layout(legend=dict(y=1.02, yanchor="bottom", x=0, xanchor="left"),
                         margin=dict(t=figure.layout.margin.t + 20))
    if frame.empty:
        return _summarise(figure, t("charts.nothing_to_show") + ".")
    counts = frame["band"].value_counts(sort=False)
    return _summarise(figure, _sentence(
        fmt.plural(len(frame), "charts.distribution_summary",
                   median=fmt.number(frame["score"].median())),
        *(t("charts.band_count", label=(band_labels or {}).get(band, band), n=fmt.integer(n))
          for band, n in counts.items() if band != "all")))


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
