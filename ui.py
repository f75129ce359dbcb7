"""Shared helpers of the Streamlit pages: cached library calls and small widgets.

The library stays free of streamlit; caching lives here, in the UI layer.
"""

from __future__ import annotations

import streamlit as st

from coopscore import grid as grid_module
from coopscore.i18n import t

load_grid = st.cache_data(show_spinner=False)(grid_module.load_grid)
available_grids = st.cache_data(show_spinner=False)(grid_module.available_grids)


def grid_choice_ui(key: str = "grid") -> grid_module.Grid:
    """Let the user pick one of the shipped grids; return it loaded."""
    grid_ids = available_grids()
    titles = {grid_id: load_grid(grid_id).short_title for grid_id in grid_ids}
    chosen = st.segmented_control(
        t("app.grid_choice"), grid_ids, format_func=titles.get, key=key,
        default=grid_ids[0], selection_mode="single",
    )
    return load_grid(chosen or grid_ids[0])
