"""The questionnaire of one respondent: stage navigation, items, saving, progress, feedback.

Shared by the Auto-évaluation page and the personal-link page. Every answer is written the
moment it is given, under the respondent whose questionnaire is drawn (the respondent id is
in each widget's key). Widget values change only in callbacks or before the widget is
created (see docs: Streamlit widget state).

Answers are not saved by on_change callbacks: Streamlit (1.67) runs the callbacks of all the
widgets changed since the last run one after the other, and a click arriving meanwhile stops
the next callback at its first `st.session_state` access, silently (it takes the click's
rerun for the callback's own `st.rerun()`); the widget's change is then taken as seen and
its callback never runs again. A quick person on a busy server lost most of a stage's
answers that way, with every radio shown checked. So `save_pending`, run by app.py at the
start of every run before any page reads the base, writes what the page shows and the base
has not got; a callback only records a person's intent in one session-state write, which
happens whole or not at all.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import streamlit as st

from coopscore import charts
from coopscore.answering import first_unfinished, minutes_left, stage_progress
from coopscore.errors import CoopscoreError
from coopscore import format as fmt
from coopscore.gaps import recommendation_table, stage_table, weak_points
from coopscore.grid import Grid, Item
from coopscore.i18n import t
from coopscore.markup import escape_markdown
from coopscore.scale import Scale
from coopscore.text import control_characters
from ui import chart_ui, load_scale, md, own_results, store

# the levels read as one ordered row; the answers that are not levels (na, not_yet, unknown)
# start a row of their own, set apart by a rule
_NON_LEVEL_STYLE = """<style>
[class*='st-key-crit_'] [class*='st-key-value_'], [class*='st-key-meth_'] [class*='st-key-value_'] {
  width: 100%; }
[class*='st-key-crit_'] [role='radiogroup'], [class*='st-key-meth_'] [role='radiogroup'] {
  display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 0.5rem 1rem;
  align-items: start; }
[class*='st-key-crit_'] [role='radiogroup'] > div:nth-child(n+5) {
  border-top: 1px dashed #929292; padding-top: 0.4rem; }
[class*='st-key-meth_'] [role='radiogroup'] > div:nth-child(4) {
  border-left: 1px dashed #929292; padding-left: 1rem; }
@media (max-width: 640px) {
  [class*='st-key-crit_'] [role='radiogroup'], [class*='st-key-meth_'] [role='radiogroup'] {
    grid-template-columns: repeat(2, minmax(0, 1fr)); } }
</style>"""


COMPACT_KEY = "questionnaire_compact"  # the layout chosen, kept for the session
CLEAR_KEY = "_questionnaire_clear"  # (assessment, respondent, item) whose answer may be cleared
DELETE_KEY = "_questionnaire_delete"  # (assessment, respondent, item): clearing confirmed
SEEN_KEY = "_questionnaire_seen"  # "<prefix><a>_<r>_<item>" → (value, comment) drawn or saved
WARNED_KEY = "_questionnaire_warned"  # same keys → the comment told it needs an answer first
_VALUE_KEY = re.compile(r"^(c?)value_(\d+)_(\d+)_(.+)$")  # a point's answer widget, either layout


def _stage_key(assessment_id: int, respondent_id: int) -> str:
    return f"stage_{assessment_id}_{respondent_id}"


def _resume_key(assessment_id: int, respondent_id: int) -> str:
    """The stage to come back to after the thank-you page (the stage widget is gone by then)."""
    return f"_questionnaire_resume_{assessment_id}_{respondent_id}"


def _finish(finish_key: str, stage_key: str, resume_key: str) -> None:
    """Button callback: the person stops here; the page shows its thank-you part instead."""
    st.session_state[finish_key] = True
    st.session_state[resume_key] = st.session_state.get(stage_key)


def finish_ui(left: int, finish_key: str, stage_key: str, resume_key: str) -> None:
    """« J'ai terminé » at the bottom of the questionnaire, saying what is left unanswered."""
    with st.container(border=True, key="questionnaire_finish"):
        if left:
            st.markdown(fmt.plural(left, "questionnaire.finish_left"))
        else:
            st.markdown(t("questionnaire.finish_complete"))
        st.button(t("questionnaire.finish"), key="questionnaire_finish_button",
                  icon=":material/done_all:", on_click=_finish,
                  args=(finish_key, stage_key, resume_key))


def _nav_keys(assessment_id: int, respondent_id: int) -> tuple[str, str]:
    """The keys of the « Étape précédente » and « Étape suivante » buttons."""
    return (f"previous_{assessment_id}_{respondent_id}", f"next_{assessment_id}_{respondent_id}")


def _go_to(stage_key: str, section_id: str) -> None:
    """Button callback: move to another stage (runs before the stage widget is created)."""
    st.session_state[stage_key] = section_id
    st.session_state["_questionnaire_scroll"] = True


def _remember(prefix: str, key: str, stored: tuple[str | None, str | None]) -> None:
    """Before a point's widgets are drawn: when they start from the base (they do not exist
    yet in this session), note what they start from; `save_pending` saves what differs."""
    if f"{prefix}value_{key}" not in st.session_state:
        st.session_state.setdefault(SEEN_KEY, {})[prefix + key] = (stored[0], stored[1] or "")


def _stored_value(assessment_id: int, respondent_id: int, item_id: str) -> str | None:
    answers = store().answers(assessment_id)
    mine = answers[(answers["respondent"] == respondent_id) & (answers["item"] == item_id)]
    return None if mine.empty else str(mine["value"].iloc[0])


def _delete_pending() -> None:
    """A clearing confirmed by « Oui, effacer »: withdraw the answer and its comment; both
    layouts show the point empty."""
    # Each step may be stopped by a click arriving; the request is dropped only at the end,
    # so a stopped run leaves the rest to the next one (deleting twice deletes nothing more).
    assessment_id, respondent_id, item_id = st.session_state[DELETE_KEY]
    try:
        store().delete_answer(assessment_id, respondent_id, item_id)
    except CoopscoreError as error:
        st.toast(str(error), icon=":material/error:")
    else:
        key = f"{assessment_id}_{respondent_id}_{item_id}"
        seen = st.session_state.setdefault(SEEN_KEY, {})
        for prefix in ("", "c"):  # the layouts drawn in this session show it empty
            for name, empty in ((f"{prefix}value_{key}", None), (f"{prefix}comment_{key}", "")):
                if name in st.session_state:  # not made up for a layout never drawn
                    st.session_state[name] = empty
            seen[prefix + key] = (None, "")
        st.toast(t("questionnaire.cleared", id=item_id), icon=":material/backspace:")
    st.session_state.pop(CLEAR_KEY, None)
    st.session_state.pop(DELETE_KEY, None)


def save_pending() -> None:
    """Write what this session's questionnaire shows and the base has not got yet.

    Run at the start of every run, before a page reads the base (and before any widget is
    drawn, so widget values may still be set). A point's widget whose value differs from
    what it was drawn with (or last saved) holds a change the person made in this browser,
    and only that change is written: an unchanged comment stays as stored, an unchanged
    answer beside a new comment is the stored one, so what another browser of the same
    person saved meanwhile is never overwritten by an old screen.
    """
    if st.session_state.get(DELETE_KEY):
        _delete_pending()
    seen = st.session_state.setdefault(SEEN_KEY, {})
    warned = st.session_state.setdefault(WARNED_KEY, {})  # comment text told it needs an answer
    for name in [k for k in st.session_state.keys() if isinstance(k, str)]:
        match = _VALUE_KEY.match(name)
        if not match:
            continue
        prefix, assessment, respondent, item_id = match.groups()
        assessment_id, respondent_id = int(assessment), int(respondent)
        key = f"{assessment_id}_{respondent_id}_{item_id}"
        value = st.session_state.get(name)
        comment = st.session_state.get(f"{prefix}comment_{key}")
        was_value, was_comment = seen.get(prefix + key, (None, ""))
        new_value = value is not None and value != was_value
        new_comment = comment is not None and comment != was_comment
        if not (new_value or new_comment):
            continue
        if value is None:  # a comment with no answer: kept on the page, saved with the answer
            if comment and warned.get(prefix + key) != comment:
                st.toast(t("app.assess_comment_needs_answer"), icon=":material/warning:")
                warned[prefix + key] = comment
            continue
        # Any st.* call may stop this run (a click arriving) before it sends anything: the
        # change is marked seen only once written and said, so a stopped run leaves it to the
        # next one (written twice at worst).
        hidden = control_characters(comment) if new_comment and comment else []
        if hidden:  # stored without them (coopscore.text): say so
            st.toast(t("questionnaire.control_removed", characters=", ".join(hidden)),
                     icon=":material/cleaning_services:")
        try:
            saved = value if new_value else _stored_value(assessment_id, respondent_id,
                                                          item_id) or value
            store().save_answer(assessment_id, respondent_id, item_id, saved,
                                comment if new_comment else None)
        except CoopscoreError as error:  # a French message, never Streamlit's box
            st.toast(str(error), icon=":material/error:")
        seen[prefix + key] = (value, comment if comment is not None else was_comment)


def _ask_clear(assessment_id: int, respondent_id: int, item_id: str) -> None:
    st.session_state[CLEAR_KEY] = (assessment_id, respondent_id, item_id)


def _cancel_clear() -> None:
    st.session_state.pop(CLEAR_KEY, None)


def _clear(assessment_id: int, respondent_id: int, item_id: str) -> None:
    """Confirmed: one write, done by `save_pending` at the start of the run."""
    st.session_state[DELETE_KEY] = (assessment_id, respondent_id, item_id)


def _clear_confirm_ui(item: Item, key: str, assessment_id: int, respondent_id: int,
                      stored: tuple[str | None, str | None], labels: dict[str, str]) -> None:
    """Under the item whose answer is to be cleared: what will be lost, yes or no."""
    if st.session_state.get(CLEAR_KEY) != (assessment_id, respondent_id, item.id):
        return
    value, comment = stored
    lost = t("questionnaire.clear_confirm", value=labels.get(value, value))
    if comment:
        lost += " " + t("questionnaire.clear_confirm_comment", comment=escape_markdown(comment))
    st.warning(lost, icon=":material/warning:")
    yes, no = st.columns(2)
    yes.button(t("questionnaire.clear_yes"), key=f"clear_yes_{key}", type="primary",
               on_click=_clear, args=(assessment_id, respondent_id, item.id))
    no.button(t("questionnaire.clear_no"), key=f"clear_no_{key}",
              on_click=_cancel_clear)


def _options(item: Item, scale: Scale) -> tuple[list, list[str], dict[str, str]]:
    """An item's answers in order (levels first, then the answers that are not levels)."""
    criterion = item.kind == "criterion"
    options = [*scale.levels, *scale.non_levels] if criterion else list(scale.method_answers)
    labels = {a.value: (f"{a.value} · {a.label}" if a.level is not None and criterion
                        else a.label) for a in options}
    return options, [a.value for a in options], labels


def _badges(item: Item) -> str:
    badges = ""
    if item.critical:
        badges += " :orange-badge[" + t("app.badge_critical") + "]"
    if item.cte:
        badges += " :blue-badge[" + t("app.badge_cte") + "]"
    return badges


def item_ui(item: Item, scale: Scale, assessment_id: int, respondent_id: int,
            answers: dict[str, tuple[str, str | None]], read_only: bool) -> None:
    key = f"{assessment_id}_{respondent_id}_{item.id}"
    stored_value, stored_comment = answers.get(item.id, (None, None))
    criterion = item.kind == "criterion"
    options, values, labels = _options(item, scale)
    _remember("", key, (stored_value, stored_comment))
    with st.container(border=True, key=f"{'crit' if criterion else 'meth'}_{key}"):
        st.markdown(f"**{escape_markdown(item.text)}**{_badges(item)}")
        if item.children:
            st.markdown("\n".join(f"- {escape_markdown(child.text)}" for child in item.children))
        st.radio(
            t("app.assess_answer_label", id=item.id), values, format_func=labels.get,
            captions=[a.description for a in options], horizontal=True,
            index=values.index(stored_value) if stored_value in values else None,
            key=f"value_{key}", disabled=read_only, label_visibility="collapsed",
        )
        st.text_input(t("app.assess_comment"), value=stored_comment or "", key=f"comment_{key}",
                      disabled=read_only, placeholder=t("app.assess_comment_placeholder"))
        if stored_value is not None and not read_only:
            st.button(t("questionnaire.clear"), key=f"clear_{key}", type="tertiary",
                      icon=":material/backspace:", help=t("questionnaire.clear_help"),
                      on_click=_ask_clear, args=(assessment_id, respondent_id, item.id))
            _clear_confirm_ui(item, key, assessment_id, respondent_id,
                              (stored_value, stored_comment), labels)


def compact_ui(items: list[Item], heading: str, scale: Scale, assessment_id: int,
               respondent_id: int, answers: dict[str, tuple[str, str | None]],
               read_only: bool) -> None:
    """Items as the paper grid: one row per point, its answer, its comment beside.

    Same saving rules as the cards: each change is written at once, under this respondent.
    """
    widths = [5, 3, 4, 1.2]
    header = st.columns(widths)
    header[0].markdown(f"**{heading}**")
    header[1].markdown(f"**{t('questionnaire.compact_answer')}**")
    header[2].markdown(f"**{t('app.assess_comment')}**")
    for item in items:
        key = f"{assessment_id}_{respondent_id}_{item.id}"
        stored_value, stored_comment = answers.get(item.id, (None, None))
        _, values, labels = _options(item, scale)
        _remember("c", key, (stored_value, stored_comment))
        with st.container(key=f"row_{key}"):
            text, answer, comment, clear = st.columns(widths, vertical_alignment="center")
            lines = [f"**{escape_markdown(item.id)}** {escape_markdown(item.text)}{_badges(item)}"]
            lines.extend(f"- {escape_markdown(child.text)}" for child in item.children)
            text.markdown("\n".join(lines))
            answer.selectbox(
                t("app.assess_answer_label", id=item.id), values, format_func=labels.get,
                index=values.index(stored_value) if stored_value in values else None,
                placeholder=t("questionnaire.compact_placeholder"), key=f"cvalue_{key}",
                disabled=read_only, label_visibility="collapsed")
            comment.text_input(
                t("questionnaire.compact_comment_label", id=item.id), value=stored_comment or "",
                key=f"ccomment_{key}", disabled=read_only,
                placeholder=t("app.assess_comment_placeholder"), label_visibility="collapsed")
            if stored_value is not None and not read_only:
                clear.button(t("questionnaire.clear_short"), key=f"clear_{key}", type="tertiary",
                             icon=":material/backspace:",
                             help=t("questionnaire.clear_help_id", id=item.id),
                             on_click=_ask_clear, args=(assessment_id, respondent_id, item.id))
                _clear_confirm_ui(item, key, assessment_id, respondent_id,
                                  (stored_value, stored_comment), labels)


def _legend_ui(scale: Scale) -> None:
    """What each answer means, for the compact layout (the cards show it under each choice)."""
    with st.expander(t("questionnaire.compact_legend"), icon=":material/help:"):
        st.markdown("\n".join(f"- **{a.value} · {a.label}** : {a.description}"
                              for a in scale.levels))
        st.markdown("\n".join(f"- **{a.label}** : {a.description}" for a in scale.non_levels))
        st.caption(t("questionnaire.non_levels_hint_compact"))


def _overview_ui(grid: Grid, progress: pd.DataFrame) -> None:
    """Done marks and counts of every stage, outside any widget label (labels stay fixed)."""
    badges = []
    for (_, row), section in zip(progress.iterrows(), grid.sections, strict=True):
        if row["complete"]:
            badges.append(":green-badge[" + t("questionnaire.stage_done_badge",
                                             number=section.number) + "]")
        else:
            badges.append(":gray-badge[" + t("questionnaire.stage_todo_badge",
                                            number=section.number, done=int(row["done"]),
                                            total=int(row["total"])) + "]")
    st.markdown(f"{t('questionnaire.stages_overview')} : " + " ".join(badges))


def feedback_ui(grid: Grid, scale: Scale, assessment_id: int, respondent_id: int,
                section_id: str) -> None:
    """This person's weak points at a stage and the grid's methods for them."""
    results = own_results(assessment_id, respondent_id)
    stage = results.one("stages", assessment_id)
    stage = stage[stage["section_id"] == section_id]
    st.markdown(f"#### {t('questionnaire.feedback_heading')}")
    score = None if stage.empty or pd.isna(stage["score"].iloc[0]) else float(stage["score"].iloc[0])
    target = None if stage.empty or pd.isna(stage["target"].iloc[0]) else float(stage["target"].iloc[0])
    if score is None:
        st.caption(t("questionnaire.feedback_unscored"))
        return
    if target is None:
        st.caption(t("questionnaire.feedback_no_target"))
        return
    numbers = {"score": fmt.number(score, 0), "target": fmt.number(target, 0)}
    if score >= target:
        st.success(t("questionnaire.feedback_strong", **numbers), icon=":material/check_circle:")
        return
    st.warning(t("questionnaire.feedback_score", **numbers), icon=":material/trending_up:")
    weak = weak_points(results.one("criteria", assessment_id), grid, scale, [section_id])
    if not weak.empty:
        st.markdown(f"**{t('questionnaire.feedback_weak')}**\n\n" + "\n".join(
            "- " + t("questionnaire.feedback_weak_item", text=escape_markdown(row["text"]),
                     value=row["value_label"], target=row["target_label"])
            for _, row in weak.iterrows()))
    methods = recommendation_table(results.recommendations_for(assessment_id), grid, scale)
    methods = methods[methods["section_id"] == section_id]
    if methods.empty:
        st.caption(t("questionnaire.feedback_no_method"))
        return
    lines = []
    for _, row in methods.iterrows():
        lines.append(f"- {escape_markdown(row['text'])}")
        lines.extend("  " * (s.depth + 1) + f"- {escape_markdown(s.text)}"
                     for s in row["sub_items"])
    st.markdown(f"**{t('questionnaire.feedback_methods')}**\n\n" + "\n".join(lines))


def own_profile_ui(assessment_id: int, respondent_id: int) -> None:
    """The person's own profile, stage by stage, from their answers only (the thank-you page
    of an assessment that allows it): a radar with its sentence and data, and a short table."""
    results = own_results(assessment_id, respondent_id)  # this person's answers, nobody else's
    grid = results.grid
    table = stage_table(results.one("stages", assessment_id), grid)
    st.subheader(t("respond.profile_heading"))
    if table["score"].isna().all():
        st.caption(t("respond.profile_unscored"))
        return
    overall = results.one("overall", assessment_id).iloc[0]
    st.markdown(md("respond.profile_overall", score=fmt.score(overall["score"]),
                  band=overall["band_label"] if isinstance(overall["band_label"], str)
                  else fmt.MISSING))
    series = [charts.Series(t("respond.series_mine"), list(table["score"]), kind="team")]
    if table["target"].notna().any():
        series.append(charts.Series(t("team.series_target"), list(table["target"]),
                                    kind="target"))
    figure = charts.radar(list(table["short"]), series, hover=list(table["stage"]))
    narrow = charts.radar([str(n) for n in table["number"]], series, hover=list(table["stage"]),
                          height=400)
    chart_ui(figure, key="respond_profile_radar", category=grid.label("section"), narrow=narrow)
    st.caption(t("respond.profile_caption"))
    section = grid.label("section")
    st.table(pd.DataFrame({  # cells are markdown: « 10. » would start a numbered list
        section: table["stage"].map(escape_markdown),
        t("respond.col_score"): table["score"].map(fmt.score),
        t("team.col_band"): table["band_label"].fillna(fmt.MISSING),
        t("team.col_target"): table["target"].map(fmt.score),
    }), hide_index=True)


def _scroll_to_top(section_id: str, nav_keys: tuple[str, ...]) -> None:
    """After a stage change, bring the top of the stage into view and focus for the keyboard.

    At once, as the new stage starts to draw (a delay let it land on a list a quick person
    had just opened: the list closes when the page scrolls or the focus leaves it), and
    only while the focus is still where the change left it (the « Étape suivante » or
    « Étape précédente » button, or nowhere). The stage id makes each change's script differ
    from the last one: st.html runs a script again only when its text changes.
    """
    buttons = ", ".join(f".st-key-{key}" for key in nav_keys)
    st.html(f"""<script>/* stage {section_id} */ (() => {{
      const top = document.getElementById('questionnaire-top');
      const focus = document.activeElement;
      const left = !focus || focus === document.body || focus === top
        || focus.closest("{buttons}");
      if (top && left) {{ top.scrollIntoView({{block: 'start'}}); top.focus({{preventScroll: true}}); }}
    }})();</script>""", unsafe_allow_javascript=True)


def _widget_class(key: str) -> str:
    """The CSS class Streamlit gives a keyed widget's element (its frontend's rule)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


# Closing or reloading the tab while the page shows an answer or a comment the server has not
# written yet (a busy server starts the save seconds after the click; a comment counts once
# Enter is pressed or the field is left): the browser asks first. The page compares what its
# fields show with what this session last drew or saved (`coopscoreSaved`, sent each run).
_UNSAVED_GUARD = """<script>window.coopscoreSaved = %s; (() => {
  if (window.coopscoreGuard) return;
  window.coopscoreGuard = true;
  const shown = (kind, box) => {
    if (kind === "radio") {
      const label = box.querySelector("label:has(input:checked)");
      return label ? label.innerText.split("\\n")[0].trim() : "";
    }
    const input = box.querySelector("input");
    return input ? input.value.trim() : null;
  };
  window.addEventListener("beforeunload", event => {
    for (const [name, kind, saved] of window.coopscoreSaved || []) {
      const box = document.querySelector("." + name);
      const now = box ? shown(kind, box) : null;
      if (now !== null && now !== saved) { event.preventDefault(); event.returnValue = ""; return; }
    }
  });
})();</script>"""


def _unsaved_guard_ui(items: list[Item], scale: Scale, assessment_id: int, respondent_id: int,
                      compact: bool) -> None:
    """After the stage's points are drawn: what their fields show once all is saved."""
    seen = st.session_state.get(SEEN_KEY, {})
    prefix = "c" if compact else ""
    fields = []
    for item in items:
        key = f"{assessment_id}_{respondent_id}_{item.id}"
        value, comment = seen.get(prefix + key, (None, ""))
        _, _, labels = _options(item, scale)
        fields.append([_widget_class(f"{prefix}value_{key}"), "select" if compact else "radio",
                       labels.get(value, "") if value is not None else ""])
        fields.append([_widget_class(f"{prefix}comment_{key}"), "text", (comment or "").strip()])
    payload = json.dumps(fields, ensure_ascii=False).replace("<", "\\u003c")
    st.html(_UNSAVED_GUARD % payload, unsafe_allow_javascript=True)


def questionnaire_ui(assessment_id: int, respondent_id: int,
                     finish_key: str | None = None) -> None:
    """Draw one respondent's questionnaire: stage choice, items, prev/next, progress, feedback.

    Args:
        assessment_id: the assessment answered (read-only when closed).
        respondent_id: the person every answer drawn here is saved under.
        finish_key: if given, a « J'ai terminé » button at the bottom sets this session key
            to True (the page then shows its thank-you part), whatever is left unanswered.
    """
    db = store()
    scale = load_scale()
    assessment = db.assessment(assessment_id)
    project = db.project_of(assessment_id)
    grid = db.grid_of(assessment_id)
    mine = db.answers(assessment_id)
    mine = mine[mine["respondent"] == respondent_id]
    answers = {row["item"]: (row["value"], row["comment"] if isinstance(row["comment"], str) else None)
               for _, row in mine.iterrows()}
    progress = stage_progress(grid, project.cte, set(answers))
    done, total = int(progress["done"].sum()), int(progress["total"].sum())
    sections = {s.id: s for s in grid.sections}
    ids = list(sections)
    label = grid.label("section")
    stage_key = _stage_key(assessment_id, respondent_id)
    resume = st.session_state.pop(_resume_key(assessment_id, respondent_id), None)
    if st.session_state.get(stage_key) not in sections:  # before the widget exists: allowed
        st.session_state[stage_key] = resume if resume in sections else first_unfinished(progress)

    with st.container(key="questionnaire"):
        # Four slots at fixed places: a run that draws more or fewer points, a stage's
        # feedback or the scroll script still puts the « Étape » buttons at the same place in
        # the page, so a redraw replaces them instead of showing the old pair beside the new
        # one until the run ends (seen: two « Étape suivante » buttons under a quick click).
        head, body, nav, end = (st.container() for _ in range(4))
        with head:
            st.html(_NON_LEVEL_STYLE)
            st.markdown('<div id="questionnaire-top" tabindex="-1"></div>', unsafe_allow_html=True)
            scroll = st.container()  # its own slot: present or not, nothing after it moves
            if st.session_state.pop("_questionnaire_scroll", False):
                with scroll:
                    _scroll_to_top(st.session_state[stage_key],
                                   _nav_keys(assessment_id, respondent_id))
            estimate = (t("questionnaire.time_left", minutes=minutes_left(total - done))
                        if done < total else t("questionnaire.all_done"))
            st.progress(done / total if total else 0.0,
                        text=fmt.plural(done, "questionnaire.progress", total=fmt.integer(total))
                        + " · " + estimate)
            _overview_ui(grid, progress)
            # fixed options and labels: the widget stays the same widget while answers come in
            section_id = st.selectbox(
                t("questionnaire.stage_nav"), ids, key=stage_key,
                format_func=lambda s: t("questionnaire.stage_option", label=label,
                                        number=sections[s].number, title=sections[s].title))
        with body:
            section = sections[section_id]
            read_only = assessment.status == "closed"
            if read_only:
                st.info(t("app.assess_closed"))

            st.subheader(f"{label} {section.number} — {section.title}")
            phase = grid.phase_of(section.id)
            if phase:
                st.caption(t("app.reference_phase", phase=phase.title))
            compact = st.toggle(t("questionnaire.compact_toggle"), key=COMPACT_KEY,
                                help=t("questionnaire.compact_help"))
            st.markdown(f"*{scale.question}*")
            criteria = [c for c in section.criteria if project.cte or not c.cte]
            methods = [m for m in section.methods if project.cte or not m.cte]
            if not criteria:
                st.info(t("app.assess_no_criteria"))
            elif compact:
                _legend_ui(scale)
                compact_ui(criteria, grid.label("criteria"), scale, assessment_id, respondent_id,
                           answers, read_only)
            else:
                st.caption(t("questionnaire.non_levels_hint"))
                for item in criteria:
                    item_ui(item, scale, assessment_id, respondent_id, answers, read_only)
            if methods:
                st.markdown(f"#### {grid.label('methods')}")
                st.markdown(f"*{scale.method_question}*")
                if compact:
                    compact_ui(methods, grid.label("methods"), scale, assessment_id, respondent_id,
                               answers, read_only)
                else:
                    for item in methods:
                        item_ui(item, scale, assessment_id, respondent_id, answers, read_only)

            row = progress[progress["section"] == section_id].iloc[0]
            if row["complete"]:
                st.caption(":material/check_circle: " + t("questionnaire.stage_done"))
                feedback_ui(grid, scale, assessment_id, respondent_id, section_id)
            else:
                st.caption(fmt.plural(int(row["total"] - row["done"]), "questionnaire.stage_left"))
                st.caption(t("questionnaire.feedback_pending"))
        with nav:
            position = ids.index(section_id)
            previous, _, following = st.columns([1, 2, 1])
            previous_key, next_key = _nav_keys(assessment_id, respondent_id)
            if position > 0:
                previous.button(t("app.assess_previous"), icon=":material/arrow_back:",
                                key=previous_key, on_click=_go_to,
                                args=(stage_key, ids[position - 1]))
            if position < len(ids) - 1:
                following.button(t("app.assess_next"), icon=":material/arrow_forward:",
                                 type="primary", key=next_key, on_click=_go_to,
                                 args=(stage_key, ids[position + 1]))
        with end:
            if finish_key is not None and not read_only:
                finish_ui(total - done, finish_key, stage_key,
                          _resume_key(assessment_id, respondent_id))
            if not read_only:
                _unsaved_guard_ui(criteria + methods, scale, assessment_id, respondent_id, compact)
