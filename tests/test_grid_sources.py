"""The grid files hold every item of the two Cap Rural sources, verbatim and in place.

tests/source_text.py reads the sources on its own (HTML table, wrapped paragraphs); these
tests compare its reading with data/grids/*.yaml.
"""

from __future__ import annotations

import json

from coopscore.cli import main

from .source_text import read_cooperation, read_dialogue


def _exported(grid_id, capsys):
    assert main(["grid", "export", grid_id, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _strip_marker(text):
    return text[:-2] if text.endswith(" *") else text


def _tree(items):
    return [(_strip_marker(i.text), _tree(i.children)) for i in items]


def _json_tree(items):
    return [(i["text"], _json_tree(i["children"])) for i in items]


def test_every_stage_item_is_exported_verbatim_in_its_place(capsys):
    stages, footnotes = read_cooperation()
    exported = _exported("cooperation", capsys)
    assert len(stages) == len(exported["sections"]) == 16
    for source, section in zip(stages, exported["sections"], strict=True):
        assert _json_tree(section["methods"]) == _tree(source.methods), section["id"]
        assert _json_tree(section["criteria"]) == _tree(source.vigilance), section["id"]
        assert " ".join(source.headings) in (section["title"], " ".join(section["headings"]))
    assert footnotes == ["1 Coopération Territoriale Européenne"]


def test_italic_items_of_the_source_are_flagged_cte(cooperation):
    stages, _ = read_cooperation()
    for number, source in enumerate(stages, 1):
        section = cooperation.section(f"S{number:02d}")
        for source_items, items in ((source.methods, section.methods),
                                    (source.vigilance, section.criteria)):
            for source_item, item in zip(source_items, items, strict=True):
                if source_item.italic or source_item.text.endswith(" *"):
                    assert item.cte, item.id


def test_every_lever_is_exported_verbatim_under_its_axis(capsys):
    situations, axes = read_dialogue()
    exported = _exported("dialogue", capsys)
    assert [s["text"] for s in exported["situations"]] == situations
    assert [(a.number, a.title) for a in axes] == [
        (n, s["title"]) for n, s in enumerate(exported["sections"], 1)]
    for axis, section in zip(axes, exported["sections"], strict=True):
        assert _json_tree(section["criteria"]) == _tree(axis.levers), section["id"]


def test_source_reading_sees_the_whole_documents():
    stages, _ = read_cooperation()
    assert sum(len(s.vigilance) for s in stages) == 54
    assert sum(len(s.methods) for s in stages) == 68
    _, axes = read_dialogue()
    assert sum(len(a.levers) for a in axes) == 33
