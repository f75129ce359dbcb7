"""The scale, bands, roles and target profiles read from data/scale.yaml and data/profiles.yaml."""

from __future__ import annotations

import copy

import pytest
import yaml

from coopscore.errors import ScaleError
from coopscore.scale import (
    SCALE_PATH,
    fold_key,
    get_profile,
    load_profiles,
    load_scale,
    parse_profiles,
    parse_scale,
    roles,
)

RAW_SCALE = yaml.safe_load(SCALE_PATH.read_text(encoding="utf-8"))


def test_the_criterion_scale_has_four_levels_and_three_non_levels():
    scale = load_scale()
    assert scale.criterion_values() == ("0", "1", "2", "3", "na", "not_yet", "unknown")
    assert [level.label for level in scale.levels] == [
        "Pas pris en compte", "Identifié", "En partie traité", "Maîtrisé"]
    assert all(level.description for level in scale.levels)
    assert scale.question == "Dans quelle mesure ce point est-il pris en compte dans le projet ?"
    assert [a.label for a in scale.non_levels] == [
        "Non concerné", "Étape pas encore abordée", "Je ne sais pas"]
    assert scale.max_level == 3


def test_methods_have_their_own_answers_mapped_onto_levels():
    scale = load_scale()
    assert scale.method_values() == ("in_place", "planned", "no", "na")
    assert scale.slot_of("method") == {"in_place": 3, "planned": 1, "no": 0, "na": 4}
    assert scale.adopted_method_values() == ("in_place",)
    assert scale.not_applicable_values() == ("na",)


@pytest.mark.parametrize("score, band", [
    (100.0, "point_appui"), (75.0, "point_appui"), (74.99, "a_consolider"), (50.0, "a_consolider"),
    (49.9, "point_fragilite"), (0.0, "point_fragilite"), (None, None), (float("nan"), None)])
def test_bands_read_a_score(score, band):
    found = load_scale().band_of(score)
    assert (found.id if found else None) == band


def test_band_labels_follow_the_issue():
    assert [b.label for b in load_scale().bands] == [
        "Point d'appui", "À consolider", "Point de fragilité"]


def test_roles_have_ids_and_inclusive_french_labels():
    found = roles()
    assert [r.id for r in found] == [
        "elu", "technicien", "partenaire", "acteur_socio_economique", "financeur", "autre"]
    assert found[0].label == "élu·e"
    assert found[1].label == "technicien·ne"


def test_role_spellings_ignore_case_accents_and_punctuation():
    spellings = load_scale().role_spellings()
    for written in ("élu·e", "Élue", "ELU", "élus", "elu"):
        assert spellings[fold_key(written)] == "elu"
    assert spellings[fold_key("Acteur socio-économique")] == "acteur_socio_economique"


def test_default_targets_come_from_data():
    targets = load_scale().targets
    assert (targets.passed, targets.current, targets.later) == (75.0, 50.0, None)
    assert targets.unknown_phase == 75.0  # « point_appui » in scale.yaml: that band's threshold
    assert targets.without_phases == 50.0


def test_an_invalid_scale_lists_every_problem():
    raw = copy.deepcopy(RAW_SCALE)
    raw["criterion"]["levels"][2]["value"] = 5
    raw["bands"][1]["min"] = 80
    raw["method"]["answers"][1]["level"] = 3
    raw["roles"][1]["id"] = "elu"
    with pytest.raises(ScaleError) as caught:
        parse_scale(raw, filename="ma-grille.yaml")
    assert caught.value.problems == [
        "ma-grille.yaml : criterion.levels[2] : le niveau « 5 » devrait valoir 2 "
        "(niveaux entiers consécutifs depuis 0).",
        "ma-grille.yaml : deux réponses de méthode comptent pour le même niveau.",
        "ma-grille.yaml : les seuils des bandes (75, 80, 0) doivent être distincts et décroissants.",
        "ma-grille.yaml : « elu » apparaît deux fois dans roles.",
    ]


def test_profiles_give_targets_by_section_then_phase_then_default(cooperation):
    profile = get_profile("appel_cooperation")
    targets = profile.section_targets(cooperation)
    assert [targets[f"S{k:02d}"] for k in range(1, 10)] == [75.0] * 9
    assert [targets[s] for s in ("S10", "S11", "S12")] == [50.0] * 3
    assert [targets[s] for s in ("S13", "S14", "S15")] == [None] * 3
    assert targets["S16"] == 50.0
    assert set(get_profile("bilan_fin_de_projet").section_targets(cooperation).values()) == {75.0}


def test_a_profile_for_another_grid_is_refused(dialogue):
    with pytest.raises(ScaleError, match="écrit pour la grille « cooperation », pas pour « dialogue »"):
        get_profile("appel_cooperation").section_targets(dialogue)


def test_a_profile_naming_unknown_sections_is_refused(cooperation):
    profile = parse_profiles({"profiles": [{"id": "p", "title": "P", "grid": "cooperation",
                                            "sections": {"S99": 50}, "phases": {"fin": 75}}]})["p"]
    with pytest.raises(ScaleError) as caught:
        profile.section_targets(cooperation)
    assert [p.split(" (")[0] for p in caught.value.problems] == [
        "le profil « p » cite la section « S99 », qui n'existe pas",
        "le profil « p » cite la phase « fin », qui n'existe pas"]


def test_an_unknown_profile_names_the_available_ones():
    with pytest.raises(ScaleError) as caught:
        get_profile("nope")
    assert str(caught.value) == ("Profil de cibles « nope » inconnu (profils disponibles : "
                                 "appel_cooperation, bilan_fin_de_projet, dialogue_socle).")


def test_shipped_profiles_fit_their_grids(cooperation, dialogue):
    grids = {"cooperation": cooperation, "dialogue": dialogue}
    for profile in load_profiles().values():
        targets = profile.section_targets(grids[profile.grid])
        assert all(t is None or 0 <= t <= 100 for t in targets.values())
