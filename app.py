"""coopscore's Streamlit entry point: page set-up, then the navigation router."""

import streamlit as st

from coopscore.i18n import t

st.set_page_config(page_title="coopscore", page_icon=":material/hub:", layout="wide")

pages = {
    t("app.nav_discover"): [
        st.Page("pages/home.py", title=t("app.home_title"), icon=":material/home:", default=True),
        st.Page("pages/reference.py", title=t("app.reference_title"),
                icon=":material/menu_book:", url_path="referentiel"),
    ],
}

st.navigation(pages).run()
