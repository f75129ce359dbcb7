"""Portefeuille: every project with its latest assessment, for a funder — which projects are
mature, which are at risk, and on which critical points; filters, distribution, export."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from coopscore import charts
from coopscore import format as fmt
from coopscore import report
from coopscore.grid import Grid
from coopscore.i18n import t
from coopscore.labels import table_row_height
from coopscore.portfolio import (
    NOT_ASSESSED, at_risk, band_ranges, filter_portfolio, flag_threshold, grid_results,
    phase_titles, portfolio_figures, portfolio_table, risk_order,
)
from coopscore.scale import Scale, load_profiles
from coopscore.store import programmes
from ui import (
    can_open, chart_ui, dataframe, flash, grid_choice_ui, load_scale, md, page_link,
    portfolio_results, print_landscape_ui, print_only_ui, printable_table_ui, select,
    setting, show_flashes, store,
)

ASSESS_PAGE = "views/assess.py"
RESULTS_PAGE = "views/results.py"
TABLE_KEY = "portfolio_table"
NAME_PX, RISK_PX = 280, 310  # widths of the columns whose texts wrap whole
# shares of the printed table's width: the name and the reading get the room, each heading
# and value of the other columns fits its longest word
PRINT_WIDTHS = {"name": 16, "territory": 10, "programme_label": 7.5, "phase_label": 8,
                "date": 6, "score": 5, "band_label": 6.5, "completeness": 7, "n_flags": 5.5,
                "mean_gap": 5, "profile_label": 8, "risk_short": 17}


def filters_ui(table: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Programme, phase, band and « critical only » filters; return the matching rows."""
    programme_labels = {p: label for p, label in programmes().items()
                        if p in set(table["programme"])}
    phase_labels = {p: label for p, label in phase_titles().items() if p in set(table["phase"])}
    band_labels = {band.id: band.label for band in scale.bands}
    band_labels[NOT_ASSESSED] = t("portfolio.not_assessed")
    with st.container(border=True, key="screen_only_portfolio_filters"):
        st.markdown(f"**{t('portfolio.filters')}**")
        programme, phase, band = st.columns(3)
        chosen_programmes = programme.multiselect(
            t("portfolio.filter_programme"), list(programme_labels),
            format_func=programme_labels.get, placeholder=t("portfolio.filter_all"),
            key="portfolio_programmes")
        chosen_phases = phase.multiselect(
            t("portfolio.filter_phase"), list(phase_labels), format_func=phase_labels.get,
            placeholder=t("portfolio.filter_all"), key="portfolio_phases")
        chosen_bands = band.multiselect(
            t("portfolio.filter_band"), list(band_labels), format_func=band_labels.get,
            placeholder=t("portfolio.filter_all"), key="portfolio_bands",
            help=t("portfolio.col_band_help", bands=band_ranges(scale)))
        critical_only = st.toggle(t("portfolio.filter_critical"), key="portfolio_critical")
    said = filters_said()  # on paper, the filters in words in place of their controls
    print_only_ui(t("portfolio.print_filters", filters=" · ".join(said)) if said
                  else t("portfolio.print_no_filter"))
    return filter_portfolio(table, programmes=chosen_programmes, phases=chosen_phases,
                            bands=chosen_bands, critical_only=critical_only)


def metrics_ui(shown: pd.DataFrame, scale: Scale) -> None:
    figures = portfolio_figures(shown)
    projects, median, flagged = st.columns(3)
    projects.metric(t("portfolio.metric_projects"), fmt.integer(figures.projects),
                    help=t("portfolio.metric_projects_help", assessed=figures.assessed))
    median.metric(t("portfolio.metric_median"),
                  t("portfolio.metric_median_none") if figures.median_score is None
                  else fmt.number(figures.median_score),
                  help=t("portfolio.metric_median_help"))
    flagged.metric(t("portfolio.metric_flags"), fmt.integer(figures.with_flags),
                   help=t("portfolio.metric_flags_help", **flag_threshold(scale)))


def distribution_ui(shown: pd.DataFrame, scale: Scale) -> None:
    with st.container(key="print_together_portfolio_distribution"):
        _distribution(shown, scale)


def _distribution(shown: pd.DataFrame, scale: Scale) -> None:
    st.subheader(t("portfolio.distribution_heading"))
    scored = shown[shown["score"].notna()].sort_values("score", ascending=False)
    if scored.empty:
        st.info(t("portfolio.distribution_none"))
        return
    st.caption(t("portfolio.distribution_caption"))
    chart_ui(charts.distribution(
        scored["score"].tolist(), bands=scored["band"].tolist(),
        band_labels={band.id: band.label for band in scale.bands}), key="portfolio_distribution",
        category=t("charts.overall_axis"))


def table_ui(shown: pd.DataFrame, scale: Scale) -> None:
    """The projects, one per row; selecting a row opens that project's results."""
    st.subheader(t("portfolio.table_heading"))
    opens = can_open(RESULTS_PAGE) and can_open(ASSESS_PAGE)  # not for a funder
    st.caption(t("portfolio.table_caption" if opens else "portfolio.table_caption_read_only",
                 not_assessed=t("portfolio.not_assessed")))
    st.caption(t("targets.risk_order_caption"))
    # names and readings wrap whole in their cells (the full sentences are below the table)
    row = table_row_height([(shown["name"], NAME_PX), (shown["risk_short"], RISK_PX)])
    event = dataframe(
        shown.assign(completeness=shown["completeness"] * 100), hide_index=True, width="stretch",
        key=TABLE_KEY, on_select="rerun" if opens else "ignore", placeholder="—",
        row_height=row, height=min(row * len(shown) + 38, 4000),  # every row, no scrolling
        selection_mode="single-row",
        column_order=["name", "score", "band_label", "n_flags", "risk_short", "mean_gap",
                      "profile_label", "completeness", "programme_label", "phase_label", "date",
                      "territory"],
        column_config={
            "name": st.column_config.TextColumn(t("portfolio.col_project"), pinned=True,
                                                width=NAME_PX),
            "territory": st.column_config.TextColumn(t("portfolio.col_territory"),
                                                     width="medium"),
            "programme_label": st.column_config.TextColumn(t("portfolio.col_programme"),
                                                           width=150),
            "phase_label": st.column_config.TextColumn(t("portfolio.col_phase"), width=150),
            # a progress bar leaves a missing score blank (a number column prints « None »)
            "score": st.column_config.ProgressColumn(
                t("portfolio.col_score"), help=t("portfolio.col_score_help"),
                format=fmt.table_number(), min_value=0, max_value=100,
                color=charts.SERIES_COLOURS[0], width=110),
            "band_label": st.column_config.TextColumn(
                t("portfolio.col_band"), help=t("portfolio.col_band_help",
                                                bands=band_ranges(scale)), width=100),
            "completeness": st.column_config.ProgressColumn(
                t("portfolio.col_completeness"), help=t("portfolio.col_completeness_help"),
                format=fmt.table_percent(), min_value=0, max_value=100, color=charts.TARGET_COLOUR,
                width=120),
            "n_flags": st.column_config.NumberColumn(
                t("portfolio.col_n_flags"), help=t("portfolio.col_n_flags_help",
                                                   **flag_threshold(scale)), width=105),
            "risk_short": st.column_config.TextColumn(
                t("targets.col_risk"), help=t("targets.col_risk_short_help"), width=RISK_PX),
            "mean_gap": st.column_config.NumberColumn(t("targets.col_mean_gap"),
                                                      format=fmt.table_number(),
                                                      width=110),
            "profile_label": st.column_config.TextColumn(t("targets.col_profile"), width=180),
            "date": st.column_config.DateColumn(t("portfolio.col_date"), format=fmt.date_pattern()),
        },
    )
    # on paper: every row and column at once, landscape, each reading as its cell says it
    # (the sentences naming the critical points follow the table, as on screen)
    print_landscape_ui()
    printable_table_ui(shown.assign(
        score=shown["score"].map(fmt.number), completeness=shown["completeness"].map(fmt.percent),
        date=shown["date"].map(fmt.date), n_flags=shown["n_flags"].map(fmt.integer),
        mean_gap=shown["mean_gap"].map(fmt.number)),
        {"name": t("portfolio.col_project"), "territory": t("portfolio.col_territory"),
         "programme_label": t("portfolio.col_programme"), "phase_label": t("portfolio.col_phase"),
         "date": t("portfolio.col_date"), "score": t("portfolio.col_score"),
         "band_label": t("portfolio.col_band"), "completeness": t("portfolio.col_completeness"),
         "n_flags": t("portfolio.col_n_flags"), "mean_gap": t("targets.col_mean_gap"),
         "profile_label": t("targets.col_profile"), "risk_short": t("targets.col_risk")},
        widths=PRINT_WIDTHS)
    if opens and event.selection.rows:
        open_project(shown.iloc[event.selection.rows[0]])


def reasons_ui(shown: pd.DataFrame) -> None:
    """Why each project at risk is, in full sentences naming its critical points (the table
    cell says how many, not which)."""
    risky = at_risk(shown)
    if risky.empty:
        return
    st.subheader(fmt.plural(len(risky), "targets.reasons_heading"))
    st.markdown("\n".join(md("targets.reason_line", name=row.name, reason=row.risk)
                           for row in risky.itertuples()))


def open_project(row: pd.Series) -> None:
    """Make the row's project the shared selection and show its results (or its assessment)."""
    project_id = int(row["project"])
    if not can_open(RESULTS_PAGE) or not can_open(ASSESS_PAGE):  # a funder stays here
        return
    if pd.isna(row["score"]):
        assessment_id = None if pd.isna(row["assessment"]) else int(row["assessment"])
        select(project_id, assessment_id)
        flash(md("portfolio.opened_unassessed", name=row["name"]), "info")
        st.switch_page(ASSESS_PAGE)
    select(project_id, int(row["assessment"]))
    st.switch_page(RESULTS_PAGE)


def programme_profile_ui(grid_id: str, shown_programmes: set[str]) -> None:
    """The target profile in force for each programme of the portfolio, and, for those who may
    set it (a funder of the programme: its call's profile; admin), the choice of it."""
    profiles = {pid: p.title for pid, p in load_profiles().items() if p.grid == grid_id}
    if not profiles:
        return
    db = store()
    names = programmes()
    current = db.programme_profiles()
    for programme in (p for p in names if p in shown_programmes and current.get(p) in profiles):
        st.caption(t("targets.programme_profile_in_force", programme=names[programme],
                     title=profiles[current[programme]]))
    labels = {p: label for p, label in names.items() if db.may("programme.profile", "programme", p)}
    if not labels:
        return
    with st.expander(t("targets.programme_profile_heading")):
        if len(labels) > 1:
            programme = st.selectbox(t("targets.programme_label"), list(labels),
                                     format_func=labels.get, key="portfolio_profile_programme")
        else:  # a funder of one programme: nothing to choose
            (programme,) = labels
        options = [None, *profiles]
        chosen = current.get(programme)
        chosen = chosen if chosen in options else None
        key = f"portfolio_profile_{programme}"
        setting("programme_profile", key, chosen, programme, labels[programme], profiles)
        st.selectbox(
            t("targets.programme_profile", programme=labels[programme]), options,
            index=options.index(chosen),
            format_func=lambda p: t("targets.profile_none") if p is None else profiles[p],
            help=t("targets.programme_profile_help"), key=key)


def filters_said() -> list[str]:
    """The page's filters in words, for the report's « Projets » line."""
    said = []
    chosen = st.session_state.get("portfolio_programmes") or []
    if chosen:
        said.append(t("report.filter_programmes", values=", ".join(
            programmes().get(p, p) for p in chosen)))
    phases = st.session_state.get("portfolio_phases") or []
    if phases:
        said.append(t("report.filter_phases", values=", ".join(
            phase_titles().get(p, p) for p in phases)))
    bands = st.session_state.get("portfolio_bands") or []
    if bands:
        labels = {band.id: band.label for band in load_scale().bands}
        labels[NOT_ASSESSED] = t("portfolio.not_assessed")
        said.append(t("report.filter_bands", values=", ".join(labels.get(b, b) for b in bands)))
    if st.session_state.get("portfolio_critical"):
        said.append(t("report.filter_critical"))
    return said


def downloads_ui(shown: pd.DataFrame, grid: Grid) -> None:
    name = t("portfolio.export_file")
    db = store()  # the files are made (and audited) when their button is clicked
    buttons = st.container(horizontal=True)  # each button as wide as its label, never cut
    buttons.download_button(t("portfolio.download_csv"),
                            data=functools.partial(db.portfolio_export, shown, "csv"),
                            file_name=f"{name}.csv", mime="text/csv", on_click="ignore",
                            icon=":material/download:")
    buttons.download_button(
        t("portfolio.download_xlsx"),
        data=functools.partial(db.portfolio_export, shown, "xlsx"), file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore", icon=":material/table_view:")
    buttons.download_button(
        t("report.download_portfolio"),
        # built by the scoped store: each row cut again to what this reader may see
        data=functools.partial(db.portfolio_pdf, shown, grid,
                               scope=report.portfolio_scope(filters=filters_said())),
        file_name=t("report.portfolio_file") + ".pdf", mime="application/pdf",
        on_click="ignore", icon=":material/picture_as_pdf:",
        help=t("report.download_portfolio_help"), key="portfolio_report_download")


def fiche_ui(shown: pd.DataFrame) -> None:
    """The « fiche de maturité » of one project shown, as this reader may read it (a funder:
    only what the project shares with its funders); a choice and a button, not printed."""
    with st.container(key="screen_only_portfolio_fiche"):
        _fiche(shown)


def _fiche(shown: pd.DataFrame) -> None:
    scored = shown[shown["score"].notna()]
    if scored.empty:
        return
    names = dict(zip(scored["project"].astype(int), scored["name"], strict=True))
    assessments = dict(zip(scored["project"].astype(int), scored["assessment"].astype(int),
                           strict=True))
    st.subheader(t("report.fiche_of_project_heading"))
    row = st.container(horizontal=True, vertical_alignment="bottom")  # the button never cut
    project = row.selectbox(t("report.fiche_of_project"), list(names),
                            format_func=names.get, help=t("report.fiche_of_project_help"),
                            key="portfolio_fiche_project")
    assessment = assessments[project]
    db = store()
    row.download_button(
        t("report.download_fiche"), data=functools.partial(db.fiche_pdf, assessment),
        file_name=t("report.fiche_file", project=project, assessment=assessment) + ".pdf",
        mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:",
        help=t("report.download_fiche_help"), key="portfolio_fiche_download")
    if not db.sees_full_results(assessment):
        st.caption(t("report.fiche_of_project_level", level=t(
            f"access_page.consent_short_{db.consent(project)}")))


# --- page -------------------------------------------------------------------------------

st.title(t("portfolio.portfolio_title"))
st.caption(t("portfolio.portfolio_intro"))
show_flashes()
db = store()
projects = db.portfolio_projects()
if projects.empty:
    st.info(t("portfolio.empty_database"))
    page_link(ASSESS_PAGE, label=t("portfolio.go_assess"), icon=":material/edit_note:")
    st.stop()

scale = load_scale()
grid = grid_choice_ui(key="portfolio_grid")
programme_profile_ui(grid.id, set(projects["programme"].dropna()))
table = risk_order(db.shared_portfolio(portfolio_table(
    projects, grid_results(portfolio_results(projects), grid.id), phases=phase_titles())))
shown = filters_ui(table, scale)
metrics_ui(shown, scale)
if shown.empty:
    st.info(t("portfolio.no_match"))
    st.stop()
distribution_ui(shown, scale)
table_ui(shown, scale)
downloads_ui(shown, grid)
reasons_ui(shown)
fiche_ui(shown)
