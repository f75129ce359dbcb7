"""Déclaration d'accessibilité: RGAA's statement — conformity, what is measured, exceptions, contact.

What was measured and Streamlit's remaining English strings come from data/accessibility.yaml,
the file the accessibility tests read too, so the statement says what the tests check.
"""

from __future__ import annotations

import os

import streamlit as st

from coopscore import accessibility
from coopscore import format as fmt
from coopscore.i18n import t
from ui import LINK_TOKEN_KEY

facts = accessibility.load_statement()

st.title(t("statement.title"))
st.markdown(t("statement.intro"))

st.header(t("statement.conformity_heading"))
st.markdown(t("statement.conformity", standard=facts.standard))

st.header(t("statement.measured_heading"))
page_list = ", ".join(f"« {t(key)} »" for key in facts.pages.values())
st.markdown("\n".join(f"- {line}" for line in (
    t("statement.measured_axe", pages=fmt.integer(len(facts.pages)), page_list=page_list),
    t("statement.measured_keyboard"), t("statement.measured_reflow"),
    t("statement.measured_contrast"), t("statement.measured_charts"),
    t("statement.measured_numbers"))))

st.header(t("statement.exceptions_heading"))
st.markdown(t("statement.exceptions_intro") + "\n" + "\n".join(
    f"- {t(f'statement.exception_{s.id}')} "
    f"({t('statement.exception_issue', issue=s.issue, url=s.url)})"
    for s in facts.streamlit_strings))
st.markdown(t("statement.exceptions_charts"))

st.header(t("statement.tools_heading"))
st.markdown(t("statement.tools", date=fmt.date(facts.checked_on), tools=" · ".join(facts.tools)))

st.header(t("statement.contact_heading"))
st.markdown(t("statement.contact"))
st.markdown(t("statement.contact_address", contact=os.environ.get(
    "COOPSCORE_ACCESSIBILITY_CONTACT") or t("statement.contact_default")))

st.header(t("statement.remedy_heading"))
st.markdown(t("statement.remedy") + "\n\n" + t("statement.remedy_ways"))

if st.session_state.get(LINK_TOKEN_KEY):  # opened from a personal link: back to the questionnaire
    st.page_link("views/respond.py", label=t("respond.title"), icon=":material/edit_note:")
