"""coopscore's Streamlit entry point: page set-up, shared sidebar, then the navigation router."""

import streamlit as st

from coopscore.i18n import t
from coopscore.links import LINK_PARAMETER
from ui import (LINK_TOKEN_KEY, language_ui, navigation_ui, page_setup_ui, print_styles_ui,
                sidebar_selection_ui)

st.set_page_config(page_icon=":material/hub:", layout="wide")
personal_link = bool(st.query_params.get(LINK_PARAMETER) or st.session_state.get(LINK_TOKEN_KEY))
# A link holder gets no sidebar at all: their language comes from the link (&lang=en).
language = language_ui(selector=not personal_link)

# A personal link (?lien=TOKEN) opens one page and nothing else: no sidebar, no other page.
# The token stays with the session even if the address loses it.
if personal_link:
    st.session_state[LINK_TOKEN_KEY] = (st.session_state.get(LINK_TOKEN_KEY)
                                        or st.query_params.get(LINK_PARAMETER))
    st.query_params[LINK_PARAMETER] = st.session_state[LINK_TOKEN_KEY]
    respond = st.navigation([st.Page("pages/respond.py", title=t("respond.title"),
                                     icon=":material/edit_note:", default=True),
                             st.Page("pages/statement.py", title=t("statement.title"),
                                     url_path="accessibilite")],
                            position="hidden")
    st.set_page_config(page_title=t("app.page_title", page=getattr(respond, "title",
                                                                   t("respond.title"))))
    page_setup_ui(language)
    respond.run()
    st.stop()

pages = {
    t("app.nav_discover"): [
        st.Page("pages/home.py", title=t("app.home_title"), icon=":material/home:", default=True),
        st.Page("pages/reference.py", title=t("app.reference_title"),
                icon=":material/menu_book:", url_path="referentiel"),
        st.Page("pages/statement.py", title=t("statement.title"),
                icon=":material/accessibility:", url_path="accessibilite"),
    ],
    t("app.nav_team"): [
        st.Page("pages/assess.py", title=t("app.assess_title"), icon=":material/edit_note:",
                url_path="auto-evaluation"),
        st.Page("pages/results.py", title=t("team.results_title"), icon=":material/radar:",
                url_path="resultats"),
        st.Page("pages/gaps.py", title=t("team.gaps_title"), icon=":material/trending_up:",
                url_path="ecarts"),
        st.Page("pages/plan.py", title=t("app.plan_title"), icon=":material/checklist:",
                url_path="plan-action"),
        st.Page("pages/followup.py", title=t("followup.title"), icon=":material/group:",
                url_path="suivi-reponses"),
    ],
    t("facilitation.nav_group"): [
        st.Page("pages/crossview.py", title=t("facilitation.crossview_title"),
                icon=":material/diversity_3:", url_path="regards-croises"),
        st.Page("pages/compare.py", title=t("portfolio.compare_title"),
                icon=":material/compare_arrows:", url_path="comparer"),
        st.Page("pages/timeline.py", title=t("facilitation.timeline_title"),
                icon=":material/timeline:", url_path="suivi"),
    ],
    t("portfolio.nav_funders_group"): [
        st.Page("pages/portfolio.py", title=t("portfolio.portfolio_title"),
                icon=":material/account_balance:", url_path="portefeuille"),
    ],
    t("data_page.nav_group"): [
        st.Page("pages/data.py", title=t("data_page.nav_title"), icon=":material/database:",
                url_path="donnees"),
    ],
}

# Streamlit's grouped menu nests a <div> in its <ul> (axe: list/listitem): the menu is drawn
# by navigation_ui instead, with the same pages.
navigation = st.navigation(pages, position="hidden")
navigation_ui(pages)
# Each page its own tab title (« Résultats · coopscore »), and the page's language on <html>
# (Streamlit writes lang="en" whatever the page says: streamlit/streamlit#15726).
# (getattr: outside a server, e.g. when a spawned process re-imports this script as its main
# module after an AppTest, the page object has no title.)
st.set_page_config(page_title=t("app.page_title", page=getattr(navigation, "title", "coopscore")))
page_setup_ui(language)
sidebar_selection_ui()
print_styles_ui()
navigation.run()
