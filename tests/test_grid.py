"""The grid loader: shipped grids, structure, validation messages, search."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from coopscore.errors import GridError
from coopscore.grid import available_grids, filter_items, load_grid, parse_grid

from .conftest import FILES

BROKEN = FILES / "broken_grids"
EXPECTED_PROBLEMS = yaml.safe_load((BROKEN / "expected.yaml").read_text(encoding="utf-8"))


def test_shipped_grids_are_listed_and_load():
    assert available_grids() == ["cooperation", "dialogue"]
    for grid_id in available_grids():
        assert load_grid(grid_id).id == grid_id


def test_cooperation_has_sixteen_stages_in_source_order(cooperation):
    assert [s.id for s in cooperation.sections] == [f"S{n:02d}" for n in range(1, 17)]
    assert [s.number for s in cooperation.sections] == list(range(1, 17))
    assert cooperation.sections[0].title == (
        "Identifier un besoin, un problème, une attente, l'expliciter")
    assert cooperation.sections[15].title == "Anticiper les contrôles"


def test_every_stage_but_s12_has_points_of_vigilance(cooperation):
    without = [s.id for s in cooperation.sections if not s.criteria]
    assert without == ["S12"]
    assert all(s.methods for s in cooperation.sections)


def test_stage_seven_keeps_its_three_headings(cooperation):
    assert cooperation.section("S07").headings == (
        "Rechercher des complémentarités",
        "Faire connaître son besoin",
        "Identifier des partenaires « extérieurs »",
    )


def test_item_ids_are_unique_and_stable(cooperation, dialogue):
    for grid, golden in ((cooperation, "cooperation_ids.txt"), (dialogue, "dialogue_ids.txt")):
        ids = [i.id for i in grid.items()]
        assert len(ids) == len(set(ids))
        extra = [s.id for s in grid.situations] + [s.id for s in grid.sections] if grid.situations else []
        assert extra + ids == (FILES / golden).read_text().split()


def test_item_ids_follow_the_documented_pattern(cooperation):
    assert cooperation.item("S03.V02").text.startswith("avoir un partenariat regroupant")
    assert cooperation.item("S10.M02.4").text.startswith("faire la check-list des compétences")
    assert cooperation.item("S10.M02.4").parent_id == "S10.M02"
    assert cooperation.item("S10.M02.4").section_id == "S10"


def test_stage_nine_links_to_stage_six(cooperation):
    (link,) = cooperation.section("S09").links
    assert link.to == "S06"
    assert link.text == "cf. étape « construire / organiser la synergie des acteurs locaux »"


def test_european_cooperation_items_are_flagged(cooperation):
    cte = {i.id for i in cooperation.items() if i.cte}
    assert cte == {"S02.V07", "S04.M04", "S07.M02.1", "S07.M03.1", "S07.M03.2",
                   "S08.M03", "S08.M04", "S08.M05", "S08.M06"}
    assert cooperation.item("S08.M04").text == "communiquer via les bourses aux projets de l'UE"
    assert cooperation.item("S02.V07").footnotes == ("1",)
    assert [f.text for f in cooperation.footnotes] == ["CTE = Coopération Territoriale Européenne"]


def test_critical_points_carry_a_reason(cooperation):
    critical = [i for i in cooperation.criteria() if i.is_critical]
    assert {i.id for i in critical} >= {"S01.V04", "S02.V05", "S13.V04"}
    assert all(len(i.critical) > 20 for i in critical)


def test_phases_cover_every_stage_once(cooperation):
    covered = [s for phase in cooperation.phases for s in phase.sections]
    assert covered == [s.id for s in cooperation.sections]
    assert cooperation.phase_of("S12").id == "projet_commun"


def test_dialogue_has_four_axes_and_its_situations(dialogue):
    assert [s.title for s in dialogue.sections] == [
        "Quelques préalables", "Animer les liens, les relations", "Agir auprès des élus",
        "(re)penser les outils, les méthodes, les organisations"]
    assert [len(s.criteria) for s in dialogue.sections] == [6, 11, 6, 10]
    assert len(dialogue.situations) == 4
    assert [c.text for c in dialogue.item("A4.L09").children] == [
        "faire évoluer les représentations / changer les regards",
        "innover dans le fonctionnement des organisations"]
    assert dialogue.methods() == []


def test_grid_objects_are_immutable(cooperation):
    with pytest.raises(dataclasses.FrozenInstanceError):
        cooperation.sections[0].title = "autre"  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(EXPECTED_PROBLEMS))
def test_broken_grid_files_name_each_problem(name):
    with pytest.raises(GridError) as caught:
        load_grid(BROKEN / name)
    message = str(caught.value)
    assert message.startswith(f"La grille « {name} » n'est pas valide :")
    for fragment in EXPECTED_PROBLEMS[name]:
        assert fragment in message
    assert len(caught.value.problems) >= len(EXPECTED_PROBLEMS[name])


def test_every_broken_file_has_an_expectation():
    assert sorted(p.name for p in BROKEN.glob("*.yaml") if p.name != "expected.yaml") == sorted(
        EXPECTED_PROBLEMS)


def test_all_problems_are_collected_before_raising():
    with pytest.raises(GridError) as caught:
        load_grid(BROKEN / "several_problems.yaml")
    assert len(caught.value.problems) == 4


def test_unknown_grid_id_names_the_available_ones():
    with pytest.raises(GridError, match="Grille « nope » inconnue .*cooperation, dialogue"):
        load_grid("nope")


def test_missing_grid_file_is_a_grid_error(tmp_path):
    with pytest.raises(GridError, match="introuvable"):
        load_grid(tmp_path / "absent.yaml")


def test_non_utf8_grid_file_is_refused(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("id: x\ntitle: Étape\n".encode("latin-1"))
    with pytest.raises(GridError, match="UTF-8"):
        load_grid(path)


def test_a_users_grid_file_goes_through_the_same_checks(tiny_grid, tmp_path):
    assert [s.id for s in tiny_grid.sections] == ["S01", "S02", "S03"]
    assert tiny_grid.item("S01.V02").weight == 2.0
    with pytest.raises(GridError, match="ligne 2 : clé « colour » inconnue"):
        parse_grid("id: x\ncolour: red\ntitle: t\nversion: '1'\nsections: [{id: A, title: a}]\n")


def test_unknown_item_lookup_is_a_grid_error(cooperation):
    with pytest.raises(GridError, match="« S99.V01 » inconnu"):
        cooperation.item("S99.V01")
    assert not cooperation.has_item("S99.V01")


def test_items_table_has_one_row_per_item_in_grid_order(cooperation):
    table = cooperation.items_table()
    assert list(table["id"]) == [i.id for i in cooperation.items()]
    assert table.loc[table["id"] == "S10.M02.4", "level"].item() == 1
    assert table.loc[table["id"] == "S01.V04", "phase_id"].item() == "emergence"


def test_search_ignores_case_and_accents(cooperation):
    assert filter_items(cooperation, "ELUS") == filter_items(cooperation, "élus")
    assert "S10.V04" in filter_items(cooperation, "élus")


def test_search_keeps_parents_of_matching_sub_items(cooperation):
    kept = filter_items(cooperation, "prestataire")
    assert kept == {"S01.V01", "S01.V01.1"}


def test_search_keeps_sub_items_of_a_matching_item(cooperation):
    kept = filter_items(cooperation, "favoriser la co-connaissance")
    assert kept == {"S06.M02"} | {f"S06.M02.{n}" for n in range(1, 6)}


def test_hiding_european_items_removes_them_and_their_children(cooperation):
    everything = filter_items(cooperation)
    without = filter_items(cooperation, include_cte=False)
    assert everything - without == {i.id for i in cooperation.items() if i.cte}
    assert filter_items(cooperation, "Bruxelles", include_cte=False) == set()


def test_a_search_matching_nothing_keeps_nothing(cooperation):
    assert filter_items(cooperation, "zzzz introuvable") == set()


def test_a_grid_file_over_the_size_limit_is_refused_before_parsing(tmp_path, monkeypatch):
    from coopscore import grid as grid_module

    path = tmp_path / "huge.yaml"
    path.write_text("id: x\n" + "# remplissage\n" * 200, encoding="utf-8")
    monkeypatch.setattr(grid_module, "MAX_GRID_BYTES", 1000)
    with pytest.raises(GridError, match="trop gros pour une grille"):
        load_grid(path)


def test_item_count_is_bounded(monkeypatch):
    from coopscore import grid as grid_module

    monkeypatch.setattr(grid_module, "MAX_ITEMS", 3)
    items = "\n".join(f"      - {{id: S01.V{n:02d}, text: point {n}}}" for n in range(1, 6))
    text = f'id: g\ntitle: G\nversion: "1"\nsections:\n  - id: S01\n    title: T\n    criteria:\n{items}\n'
    with pytest.raises(GridError, match=r"ligne 11 : trop d'éléments \(au plus 3"):
        parse_grid(text, "g.yaml")


def test_anchors_without_alias_and_boolean_flags_still_load():
    text = ('id: g\ntitle: G\nversion: "1"\nsections:\n  - id: S01\n    title: &t Titre\n'
            '    criteria:\n      - {id: S01.V01, text: un, cte: true, weight: 2.5}\n')
    grid = parse_grid(text, "g.yaml")
    item = grid.item("S01.V01")
    assert (item.cte, item.weight, grid.sections[0].title) == (True, 2.5, "Titre")
