"""coopscore: self-assessment of cooperation projects between territories (Cap Rural grids).

A pure library: it never imports streamlit. The app in app.py and views/ wraps it.
"""

from .answers import read_answers_file, validate_answers
from .errors import AnswersError, CoopscoreError, GridError, NotFoundError, ScaleError, StoreError
from .grid import Grid, Item, Phase, Section, available_grids, load_grid
from .i18n import t
from .scale import Scale, load_profiles, load_scale
from .scoring import Scores, recommend, score, to_report

__all__ = [
    "AnswersError", "CoopscoreError", "Grid", "GridError", "Item", "NotFoundError", "Phase",
    "Scale", "ScaleError", "Scores", "Section", "StoreError", "available_grids", "load_grid",
    "load_profiles", "load_scale", "read_answers_file", "recommend", "score", "t", "to_report",
    "validate_answers",
]
