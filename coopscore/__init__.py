"""coopscore: self-assessment of cooperation projects between territories (Cap Rural grids).

A pure library: it never imports streamlit. The app in app.py and pages/ wraps it.
"""

from .errors import AnswersError, CoopscoreError, GridError, NotFoundError, StoreError
from .grid import Grid, Item, Phase, Section, available_grids, load_grid
from .i18n import t

__all__ = [
    "AnswersError", "CoopscoreError", "Grid", "GridError", "Item", "NotFoundError", "Phase",
    "Section", "StoreError", "available_grids", "load_grid", "t",
]
