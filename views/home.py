"""Accueil: what coopscore is, for whom, and where to start."""

import streamlit as st

from coopscore.i18n import t
from ui import available_grids, load_grid, page_link

st.title(t("app.home_heading"))
st.markdown(t("app.home_intro"))

STARTS = {  # where each audience begins
    "teams": ("views/assess.py", ":material/edit_note:"),
    "facilitators": ("views/crossview.py", ":material/diversity_3:"),
    "funders": ("views/portfolio.py", ":material/account_balance:"),
}
audiences = st.columns(3)
for column, (audience, (page, icon)) in zip(audiences, STARTS.items(), strict=True):
    with column.container(border=True, height="stretch"):
        st.subheader(t(f"app.home_{audience}_title"))
        st.markdown(t(f"app.home_{audience}_text"))
        page_link(page, label=t(f"app.home_{audience}_start"), icon=icon)

st.subheader(t("app.home_grids_heading"))
for grid_id in available_grids():
    grid = load_grid(grid_id)
    st.markdown(t("app.home_grid_line", title=grid.title, organisation=grid.source.organisation,
                  sections=len(grid.sections), criteria=len(grid.criteria()),
                  methods=len(grid.methods()), version=grid.version))
page_link("views/reference.py", label=t("app.home_reference_link"), icon=":material/menu_book:")
st.caption(t("app.home_credits"))
