"""English: every French text has its translation, and reading a grid in English changes no score."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace

import pandas as pd
import pytest

from coopscore import i18n
from coopscore.i18n import t
from coopscore.cli import main
from coopscore.grid import (Grid, available_grids, grid_translation, load_grid, translated,
                            translation_ids, translation_languages)
from coopscore.scoring import score

# A {placeholder} of str.format, with its conversion and format spec ({seconds:.1f}, {id:<6}).
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?)\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# --- message catalogues -------------------------------------------------------------------


def test_every_french_key_has_an_english_text():
    missing = i18n.missing_keys("en")
    assert not missing, f"{len(missing)} French key(s) without English text: {missing}"


def test_english_has_no_key_that_french_lacks():
    extra = sorted(set(i18n.catalogue("en")) - set(i18n.catalogue("fr")))
    assert not extra, f"English keys that French does not have (renamed or removed?): {extra}"


def test_english_texts_keep_the_french_placeholders():
    french, english = i18n.catalogue("fr"), i18n.catalogue("en")
    wrong = {key: (placeholders(text), placeholders(english[key]))
             for key, text in french.items()
             if key in english and placeholders(text) != placeholders(english[key])}
    assert not wrong, f"placeholders differ (French, English): {wrong}"


def test_english_texts_are_not_empty():
    assert [key for key, text in i18n.catalogue("en").items() if not text.strip()] == []


def test_placeholder_check_sees_a_missing_or_renamed_placeholder():
    assert placeholders("{n} réponses de {people:>3}") == ["n", "people:>3"]
    assert placeholders("{n} answers") != placeholders("{n} réponses de {people}")
    assert placeholders("écart : %{x:.0f} points") == ["x:.0f"]


def test_english_is_offered_and_translates():
    assert i18n.languages() == ("fr", "en")
    assert i18n.t("team.results_title", language="en") == "Results"
    assert i18n.t("app.assess_progress", language="en", done=3, total=10) == "3 answers out of 10"


# --- grid translations --------------------------------------------------------------------


def _grid_ids(grid: Grid) -> dict[str, set[str]]:
    return {
        "sections": {s.id for s in grid.sections},
        "items": {item.id for item in grid.items()},
        "critical": {item.id for item in grid.items() if item.is_critical},
        "phases": {p.id for p in grid.phases},
        "situations": {s.id for s in grid.situations},
        "footnotes": {f.id for f in grid.footnotes},
    }


@pytest.mark.parametrize("grid_id", available_grids())
def test_every_grid_id_has_an_english_text_and_no_other(grid_id):
    grid = load_grid(grid_id)
    assert "en" in translation_languages(grid_id)
    data = grid_translation(grid_id, "en")
    assert data["grid"] == grid_id
    assert str(data["version"]) == grid.version, "translate the new version of the grid"
    expected, found = _grid_ids(grid), translation_ids(data)
    for kind in expected:
        assert found[kind] == expected[kind], (
            f"{kind}: missing {sorted(expected[kind] - found[kind])}, "
            f"unknown {sorted(found[kind] - expected[kind])}")
    for section in grid.sections:
        texts = data["sections"][section.id]
        assert str(texts.get("title", "")).strip()
        assert len(texts.get("headings") or []) == len(section.headings)
        assert set(texts.get("links") or {}) == {link.to for link in section.links}
    assert data["title"] and data["short_title"]
    assert set(data.get("labels") or {}) == set(grid.labels)
    assert bool(data.get("situations_intro")) == bool(grid.situations_intro)
    texts = [*data["items"].values(), *data["critical"].values()] if data.get("critical") \
        else list(data["items"].values())
    assert all(str(text).strip() for text in texts)


@pytest.mark.parametrize("grid_id", available_grids())
def test_translated_grid_reads_english_and_keeps_everything_else(grid_id):
    french = load_grid(grid_id)
    english = translated(french, "en")
    assert english.language == "en" and french.language == "fr"
    assert english.title != french.title
    data = grid_translation(grid_id, "en")
    assert english.title == data["title"]
    assert [s.title for s in english.sections] == [data["sections"][s.id]["title"]
                                                   for s in french.sections]
    assert english.label("section") == data["labels"]["section"]

    def shape(grid: Grid) -> list[tuple]:
        return [(item.id, item.kind, item.section_id, item.parent_id, item.cte, item.is_critical,
                 item.weight, item.footnotes) for item in grid.items()]

    assert shape(english) == shape(french)
    assert [(s.id, s.number, [link.to for link in s.links]) for s in english.sections] == \
        [(s.id, s.number, [link.to for link in s.links]) for s in french.sections]
    assert [(p.id, p.sections) for p in english.phases] == [(p.id, p.sections) for p in french.phases]
    changed = [a.id for a, b in zip(french.items(), english.items()) if a.text != b.text]
    assert len(changed) == len(list(french.items())), "every item reads in English"
    for a, b in zip(french.items(), english.items()):
        if a.is_critical:
            assert b.critical == data["critical"][a.id]
    # the French grid is left as it was
    assert french == load_grid(grid_id)
    assert load_grid(grid_id, language="en") == english


def test_translated_leaves_a_grid_without_matching_translation_alone(cooperation, tiny_grid):
    assert translated(cooperation, "fr") is cooperation
    assert translated(cooperation, None) is cooperation
    assert translated(cooperation, "de") is cooperation
    assert translated(tiny_grid, "en") is tiny_grid
    other_version = replace(cooperation, version="9.9")
    assert translated(other_version, "en") is other_version


def _answers(grid: Grid, seed: int) -> pd.DataFrame:
    """A seeded team of five answering every top-level item, with every kind of answer."""
    rng = random.Random(seed)
    roles = ["elu", "technicien", "partenaire", "financeur", "acteur_socio_economique"]
    rows = []
    for assessment in ("a1", "a2"):
        for person, role in enumerate(roles):
            for item in grid.items(top_level=True):
                values = (["0", "1", "2", "3", "3", "2", "na", "not_yet", "unknown", ""]
                          if item.kind == "criterion" else ["in_place", "planned", "no", "na", ""])
                rows.append({"assessment": assessment, "respondent": f"p{person}", "role": role,
                             "item": item.id, "value": rng.choice(values)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("grid_id", available_grids())
def test_scores_do_not_depend_on_the_language_of_the_grid(grid_id):
    french = load_grid(grid_id)
    english = translated(french, "en")
    answers = _answers(french, seed=11)
    phase = french.phases[2].id if french.phases else None
    assessments = pd.DataFrame({"assessment": ["a1", "a2"], "phase": [phase, None],
                                "profile": [None, None], "cte": [True, False]})
    in_french = score(answers, french, assessments=assessments)
    in_english = score(answers, english, assessments=assessments)
    for table in ("criteria_by_role", "stages", "phases", "overall", "respondent_stages",
                  "methods", "context"):
        pd.testing.assert_frame_equal(getattr(in_french, table), getattr(in_english, table),
                                      obj=table)
    # the criteria table carries the critical reason, a text: only its language differs
    criteria_fr, criteria_en = in_french.criteria, in_english.criteria
    pd.testing.assert_frame_equal(criteria_fr.drop(columns="critical"),
                                  criteria_en.drop(columns="critical"))
    assert list(criteria_fr["critical"].notna()) == list(criteria_en["critical"].notna())
    assert len(in_french.overall) == 2 and in_french.overall["score"].notna().all()
    flags_fr, flags_en = in_french.flags, in_english.flags
    pd.testing.assert_frame_equal(flags_fr.drop(columns="reason"), flags_en.drop(columns="reason"))
    if grid_id == "cooperation":
        assert len(flags_fr) > 0, "the demo answers raise at least one flag"
        data = grid_translation(grid_id, "en")
        assert list(flags_en["reason"]) == [data["critical"][item] for item in flags_en["item"]]


# --- the command line -----------------------------------------------------------------------


def test_grid_export_in_english_gives_english_titles_and_the_same_ids(capsys):
    assert main(["grid", "export", "cooperation", "--format", "json"]) == 0
    french = json.loads(capsys.readouterr().out)
    assert main(["grid", "export", "cooperation", "--lang", "en", "--format", "json"]) == 0
    english = json.loads(capsys.readouterr().out)
    assert english["language"] == "en"
    assert english["title"].startswith("Running cooperation initiatives or projects")
    assert english["labels"]["criteria"] == "Points of attention"
    assert english["sections"][0]["title"] == \
        "Identify a need, a problem or an expectation, and spell it out"
    assert english["phases"][0]["sections"] == french["phases"][0]["sections"]

    def ids(node):
        if isinstance(node, dict):
            return [node.get("id"), *(i for v in node.values() for i in ids(v))]
        if isinstance(node, list):
            return [i for v in node for i in ids(v)]
        return []

    assert ids(english) == ids(french)
    assert english["sections"][0]["criteria"][3]["critical"].startswith("Without real")


def test_grid_export_csv_in_english(capsys):
    assert main(["grid", "export", "dialogue", "--lang", "en", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("A1.L01,A1,A few prerequisites,")


def test_grid_export_in_an_unknown_language_is_a_french_error(capsys):
    assert main(["grid", "export", "dialogue", "--lang", "de"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Langue « de » indisponible pour la grille « dialogue » (langues : fr, en)" in captured.err
    assert "Traceback" not in captured.err


# --- the scale's texts (data/scale.yaml, translated in data/i18n/en/scale.yaml) ------------


def test_every_scale_text_has_an_english_translation_and_no_other():
    from coopscore.scale import load_scale, scale_translation

    scale = load_scale()
    data = scale_translation("en")
    assert set(data["questions"]) == {"criterion", "method"}
    expected = {
        "levels": [a.value for a in scale.levels],
        "non_levels": [a.value for a in scale.non_levels],
        "method_answers": [a.value for a in scale.method_answers],
        "bands": [b.id for b in scale.bands],
        "roles": [r.id for r in scale.roles],
    }
    for group, ids in expected.items():
        assert sorted(map(str, data[group])) == sorted(ids), group
        for key in ids:
            assert str(data[group][key]["label"]).strip()
            if group != "roles":
                assert str(data[group][key]["description"]).strip()


def test_scale_labels_follow_the_session_language_and_both_spellings_are_read():
    from coopscore.scale import fold_key, load_scale

    scale = load_scale()
    try:
        assert i18n.use_language("fr") == "fr"
        french = (scale.levels[2].label, scale.bands[0].label, scale.role_label("elu"),
                  scale.method_answers[0].description, scale.question)
        assert french[0] == "En partie traité"
        assert i18n.use_language("en") == "en"
        assert (scale.levels[2].label, scale.bands[0].label, scale.role_label("elu"),
                scale.method_answers[0].description, scale.question) == (
            "Partly addressed", "Strength", "elected representative",
            "The method is used in the project.",
            "To what extent is this point taken into account in the project?")
        spellings = scale.spellings("criterion")
        assert spellings[fold_key("Partly addressed")] == spellings[fold_key("En partie traité")] == "2"
        assert scale.role_spellings()[fold_key("technical officer")] == "technicien"
    finally:
        i18n.use_language(None)


def test_programme_and_action_status_labels_come_from_the_catalogue():
    from coopscore.store import action_statuses, programmes

    try:
        i18n.use_language("fr")
        assert programmes()["region"] == "Programme régional"
        assert list(action_statuses()) == ["todo", "in_progress", "done", "dropped"]
        assert action_statuses()["todo"] == "À faire"
        i18n.use_language("en")
        assert programmes()["region"] == "Regional programme"
        assert action_statuses()["dropped"] == "Dropped"
    finally:
        i18n.use_language(None)


# --- the app in English ---------------------------------------------------------------------


def _english(page: str | None = None, **session: object):
    """The app opened with ?lang=en (a partner's link), optionally on a page."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    for key, value in session.items():
        at.session_state[key] = value
    if session:
        at.session_state["_selection_restored"] = True
    at.run()
    assert not at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, page
    return at


def test_choosing_english_in_the_sidebar_translates_the_home_page():
    at = _english()
    headings = [m.value for m in at.markdown] + [h.value for h in at.title] + \
        [h.value for h in at.header] + [h.value for h in at.subheader]
    text = "\n".join(headings)
    assert "where does your cooperation project stand?" in text
    assert "Les grilles de référence" not in text
    i18n.use_language(None)


def test_reference_page_in_english_shows_the_english_grid():
    at = _english("views/reference.py")
    shown = "\n".join(e.value for e in [*at.markdown, *at.header, *at.subheader, *at.expander]
                      if isinstance(getattr(e, "value", None), str))
    shown += "\n".join(str(getattr(e, "label", "")) for e in at.expander)
    assert "Identify a need, a problem or an expectation, and spell it out" in shown
    assert "Identifier un besoin" not in shown
    i18n.use_language(None)


@pytest.mark.parametrize("page", ["views/assess.py", "views/results.py", "views/gaps.py",
                                  "views/plan.py", "views/crossview.py", "views/compare.py",
                                  "views/timeline.py", "views/portfolio.py", "views/data.py",
                                  "views/followup.py"])
def test_team_and_funder_pages_render_in_english(demo_db, page):
    at = _english(page, project_id=1, assessment_id=1)
    assert at.session_state["language"] == "en"
    i18n.use_language(None)


def test_streamlit_words_get_rules_in_french_and_none_in_english():
    import re

    from coopscore.i18n import replacement_rules

    assert replacement_rules("streamlit", "en") == []
    rules = replacement_rules("streamlit", "fr")

    def rewrite(text: str) -> str:
        for pattern, replacement in rules:
            if re.match(pattern, text):
                return re.sub(pattern, replacement.replace("$1", r"\1"), text)
        return text

    assert rewrite("Skip to main content") == "Aller au contenu principal"
    assert rewrite("Help for Phase actuelle") == "Aide : Phase actuelle"
    assert rewrite("20MB per file") == "20 Mo par fichier"
    assert rewrite("Upload or drag and drop a file (CSV, XLSX)") == \
        "Choisir ou déposer un fichier (CSV, XLSX)"
    # only whole texts: a sentence that merely contains Streamlit's words stays as typed
    assert rewrite("Open the file") == "Open the file"


def test_the_sidebar_offers_each_language_in_its_own_words():
    """The choice itself reloads the page (tests/test_browser.py): AppTest 1.67 drops what the
    router draws on a rerun started by a widget (the sidebar included), whatever the widget."""
    from tests.conftest import app_test

    at = app_test()
    box = at.sidebar.selectbox(key="_language_choice")
    assert box.label == "Langue · Language"
    assert box.options == ["Français", "English"] and box.value == "fr"
    english = _english()
    assert english.sidebar.selectbox(key="_language_choice").value == "en"
    assert english.sidebar.selectbox(key="_language_choice").options == ["Français", "English"]
    i18n.use_language(None)


def test_a_personal_link_has_no_language_choice(demo_db):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lien"] = "pas-un-vrai-lien"
    at.run()
    assert not at.sidebar.selectbox
    i18n.use_language(None)


# --- whole numbers given to a sentence ---------------------------------------------------------

@pytest.mark.parametrize(("language", "written"), [("fr", "1\u202f500 personnes"),
                                                    ("en", "1,500 people")])
def test_a_count_is_written_with_the_readers_thousands_mark(language, written):
    text = t("campaign.added_list", language=language, count=1500, assessment=7)
    assert text.startswith(written)


def test_an_identifier_keeps_its_digits_alone():
    text = t("campaign.added_list", language="fr", count=2, assessment=1234)
    assert "n° 1234" in text and "1\u202f234" not in text
    assert t("answers.at_line", language="fr", line=1500) == "ligne 1500 : "


def test_a_number_given_as_text_or_a_flag_is_left_as_given():
    assert t("campaign.added_list", language="fr", count="1500", assessment=1).startswith("1500 ")
    assert t("campaign.added_list", language="fr", count=True, assessment=1).startswith("True ")


def test_numpy_counts_are_counts_too():
    import numpy as np

    assert t("campaign.added_list", language="en", count=np.int64(2000),
             assessment=1).startswith("2,000 ")


# --- words that agree with a number --------------------------------------------------------

@pytest.mark.parametrize(("language", "count", "written"), [
    ("fr", 0, "0 personne ajoutée"), ("fr", 1, "1 personne ajoutée"),
    ("fr", 2, "2 personnes ajoutées"), ("fr", 1500, "1\u202f500 personnes ajoutées"),
    ("en", 0, "0 people added"), ("en", 1, "1 person added"), ("en", 2, "2 people added")])
def test_the_words_agree_with_the_count_french_singular_for_zero_and_one(language, count,
                                                                          written):
    assert t("followup.added_list", language=language, count=count).startswith(written)


def test_each_count_of_a_sentence_chooses_its_own_words():
    text = t("exchange.imported", language="fr", answers=1, respondents=3, assessment=2,
             label="Diagnostic", created=0)
    assert text == ("1 réponse de 3 répondant·es importée dans l'évaluation n° 2 « Diagnostic » "
                    "(0 personne ajoutée).")


def test_no_message_writes_a_plural_by_hand_and_every_agreement_is_well_formed():
    hand = re.compile(r"\w\((s|x|es|e)\)")
    for language in ("fr", "en"):
        for key, text in i18n.catalogue(language).items():
            assert not hand.search(text), f"{language} {key}: « {text} » (use {{n|one|other}})"
            rest = i18n._PLURAL.sub("", text)
            assert not re.search(r"\{[^{}]*\|", rest), f"{language} {key}: badly formed « {text} »"
