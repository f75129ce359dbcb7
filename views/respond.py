"""Répondre: the only page a personal link opens — that person's questionnaire, nothing else."""

import streamlit as st

from coopscore import format as fmt
from coopscore.errors import LinkError
from coopscore.i18n import t
from ui import link_target, load_scale, md, store



def statement_link_ui() -> None:
    """The accessibility statement, reachable from this page too (RGAA asks it of every page)."""
    st.page_link("views/statement.py", label=t("statement.title"), icon=":material/accessibility:")


try:
    target = link_target()
except LinkError as error:
    st.title(t("respond.title"))
    st.warning(str(error), icon=":material/link_off:")
    statement_link_ui()
    st.stop()

person, assessment = target.respondent, target.assessment
role = load_scale().role_label(person.role)
st.title(md("respond.heading", project=target.project_name, label=assessment.label))
st.info(md("respond.banner", name=person.name, role=role), icon=":material/person:")

REVIEW_KEY = f"_respond_review_{person.id}"  # back to a complete questionnaire to change it
FINISHED_KEY = f"_respond_finished_{person.id}"  # « J'ai terminé », whatever is left
answered, total = store().respondent_progress(assessment.id, person.id)
complete = bool(total) and answered >= total
if st.session_state.get(FINISHED_KEY) or (complete and not st.session_state.get(REVIEW_KEY)):
    if complete:
        st.success(md("respond.thanks", name=person.name), icon=":material/task_alt:")
        st.caption(t("respond.thanks_detail"))
    else:
        st.success(md("respond.thanks_partial", name=person.name), icon=":material/task_alt:")
        st.markdown(fmt.plural(total - answered, "respond.thanks_left"))
    # back to the questionnaire: a complete one stays open for review, an unfinished one
    # ends on thanks again once its last point is answered
    st.button(t("respond.review" if complete else "respond.back"), key="respond_review",
              icon=":material/edit_note:",
              on_click=lambda: st.session_state.update({FINISHED_KEY: False,
                                                        REVIEW_KEY: complete}))
    if assessment.show_own_profile:  # the assessment's choice; off unless turned on
        from questionnaire import own_profile_ui

        own_profile_ui(assessment.id, person.id)
    statement_link_ui()
    st.stop()

from questionnaire import questionnaire_ui  # noqa: E402 - only for a valid link

questionnaire_ui(assessment.id, person.id, finish_key=FINISHED_KEY)
statement_link_ui()
