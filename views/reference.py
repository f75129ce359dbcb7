"""Référentiel: browse a grid stage by stage, methods and vigilance side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coopscore.exchange import csv_bytes
from coopscore.grid import Grid, Item, filter_items
from coopscore.i18n import t
from ui import grid_choice_ui


def item_lines(items: tuple[Item, ...], keep: set[str], depth: int = 0) -> list[str]:
    """Markdown bullet lines for the kept items, sub-items indented under their parent."""
    lines = []
    for item in items:
        if item.id not in keep:
            continue
        badges = ""
        if item.cte:
            badges += " :blue-badge[" + t("app.badge_cte") + "]"
        if item.critical:
            badges += " :orange-badge[" + t("app.badge_critical") + "]"
        lines.append("  " * depth + f"- {item.text}{badges}")
        lines.extend(item_lines(item.children, keep, depth + 1))
    return lines


def filters_ui(grid: Grid) -> tuple[str, bool]:
    left, right = st.columns([5, 2], vertical_alignment="bottom")
    query = left.text_input(t("app.reference_search"), key="reference_search",
                            placeholder=t("app.reference_search_placeholder"))
    include_cte = right.toggle(t("app.reference_show_cte"), value=True, key="reference_cte",
                               help=t("app.reference_show_cte_help"))
    return query, include_cte


def section_ui(grid: Grid, section, keep: set[str]) -> None:
    phase = grid.phase_of(section.id)
    heading = f"{grid.label('section')} {section.number} — {section.title}"
    st.subheader(heading, anchor=section.id.lower())
    if phase:
        st.caption(t("app.reference_phase", phase=phase.title))
    columns = st.columns(2) if grid.methods() else [st.container()]
    groups = [(grid.label("criteria"), section.criteria)]
    if grid.methods():
        groups.insert(0, (grid.label("methods"), section.methods))
    for column, (label, items) in zip(columns, groups, strict=True):
        with column:
            st.markdown(f"**{label}**")
            lines = item_lines(items, keep)
            if lines:
                st.markdown("\n".join(lines))
            elif not items:
                st.caption(t("app.reference_none_in_source"))
            else:
                st.caption(t("app.reference_none_matching"))
            if column is columns[0]:
                for link in section.links:
                    target = grid.section(link.to)
                    st.markdown(t("app.reference_link", text=link.text, number=target.number,
                                  label=grid.label("section").lower(), anchor=target.id.lower()))
    st.divider()


st.title(t("app.reference_heading"))
grid = grid_choice_ui(key="reference_grid")
st.caption(t("app.reference_source", document=grid.source.document,
             organisation=grid.source.organisation, version=grid.version))
if grid.situations:
    with st.expander(grid.situations_intro or t("app.reference_situations")):
        st.markdown("\n".join(f"- {s.text}" for s in grid.situations))

query, include_cte = filters_ui(grid)
keep = filter_items(grid, query, include_cte=include_cte)
shown = [s for s in grid.sections
         if any(i.id in keep for i in (*s.criteria, *s.methods)) or (not query and include_cte)]

rows = [row for row in grid.rows() if row["id"] in keep]
counts = st.container(horizontal=True, vertical_alignment="center")  # the button never cut
counts.markdown(t("app.reference_count", items=len(rows), sections=len(shown),
                  label=grid.label("sections").lower()))
counts.download_button(
    t("app.reference_download"), csv_bytes(pd.DataFrame(rows)),
    file_name=f"coopscore-{grid.id}-v{grid.version}.csv", mime="text/csv",
    icon=":material/download:", disabled=not rows,
)

if not shown:
    st.info(t("app.reference_no_result", query=query))
for section in shown:
    section_ui(grid, section, keep)
for footnote in grid.footnotes:
    st.caption(f"{footnote.id}. {footnote.text}")
