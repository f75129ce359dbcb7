"""Répondre: the only page a personal link opens — that person's questionnaire, nothing else."""

import streamlit as st

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

REVIEW_KEY = f"_respond_review_{person.id}"
answered, total = store().respondent_progress(assessment.id, person.id)
if total and answered >= total and not st.session_state.get(REVIEW_KEY):
    st.success(md("respond.thanks", name=person.name), icon=":material/task_alt:")
    st.caption(t("respond.thanks_detail"))
    st.button(t("respond.review"), key="respond_review",
              on_click=lambda: st.session_state.update({REVIEW_KEY: True}))
    if assessment.show_own_profile:  # the assessment's choice; off unless turned on
        from questionnaire import own_profile_ui

        own_profile_ui(assessment.id, person.id)
    statement_link_ui()
    st.stop()

from questionnaire import questionnaire_ui  # noqa: E402 - only for a valid link

questionnaire_ui(assessment.id, person.id)
statement_link_ui()
