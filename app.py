"""coopscore's Streamlit entry point: page set-up, shared sidebar, then the navigation router."""

import streamlit as st

from coopscore.i18n import t
from ui import sidebar_selection_ui

st.set_page_config(page_title="coopscore", page_icon=":material/hub:", layout="wide")

pages = {
    t("app.nav_discover"): [
        st.Page("pages/home.py", title=t("app.home_title"), icon=":material/home:", default=True),
        st.Page("pages/reference.py", title=t("app.reference_title"),
                icon=":material/menu_book:", url_path="referentiel"),
    ],
    t("app.nav_team"): [
        st.Page("pages/assess.py", title=t("app.assess_title"), icon=":material/edit_note:",
                url_path="auto-evaluation"),
        st.Page("pages/plan.py", title=t("app.plan_title"), icon=":material/checklist:",
                url_path="plan-action"),
    ],
    t("portfolio.nav_compare_group"): [
        st.Page("pages/compare.py", title=t("portfolio.compare_title"),
                icon=":material/compare_arrows:", url_path="comparer"),
    ],
    t("portfolio.nav_funders_group"): [
        st.Page("pages/portfolio.py", title=t("portfolio.portfolio_title"),
                icon=":material/account_balance:", url_path="portefeuille"),
    ],
}

navigation = st.navigation(pages)
sidebar_selection_ui()
navigation.run()
