"""Shared fixtures: the shipped grids, a tiny grid, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopscore.grid import Grid, load_grid, parse_grid

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "files"

TINY_GRID_YAML = """
id: tiny
title: Petite grille de test
version: "0.1"
phases:
  - {id: debut, title: Début, sections: [S01]}
  - {id: suite, title: Suite, sections: [S02, S03]}
sections:
  - id: S01
    title: Première étape
    criteria:
      - {id: S01.V01, text: premier point, critical: "parce que c'est critique"}
      - {id: S01.V02, text: second point, weight: 2}
    methods:
      - {id: S01.M01, text: une méthode}
      - {id: S01.M02, text: une méthode européenne, cte: true}
  - id: S02
    title: Deuxième étape
    criteria:
      - id: S02.V01
        text: un point avec sous-points
        children:
          - {id: S02.V01.1, text: un sous-point}
    methods:
      - {id: S02.M01, text: une autre méthode}
  - id: S03
    title: Étape sans point de vigilance
    methods:
      - {id: S03.M01, text: outil partagé}
      - {id: S03.M02, text: autre outil partagé}
"""


@pytest.fixture(scope="session")
def cooperation() -> Grid:
    return load_grid("cooperation")


@pytest.fixture(scope="session")
def dialogue() -> Grid:
    return load_grid("dialogue")


@pytest.fixture(scope="session")
def tiny_grid() -> Grid:
    return parse_grid(TINY_GRID_YAML, filename="tiny.yaml")
