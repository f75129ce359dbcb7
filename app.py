"""coopscore's Streamlit entry point: page set-up, who is using the session, then the router.

The navigation is built from the actor's roles (Streamlit's dynamic navigation): a page the
actor may not use does not exist for them. In `comptes` mode an anonymous visitor gets the
sign-in page and nothing else; a personal link opens its questionnaire and nothing else.
"""

import streamlit as st

from coopscore import access, signin
from coopscore.i18n import t
from coopscore.links import LINK_PARAMETER
from questionnaire import save_pending
from ui import (
    LINK_TOKEN_KEY, account_ui, auth_settings, denied_ui, language_ui, navigation_ui,
    open_pages, page_setup_ui, print_styles_ui, resolve_actor, save_settings,
    sidebar_selection_ui,
)

st.set_page_config(page_icon=":material/hub:", layout="wide")
personal_link = bool(st.query_params.get(LINK_PARAMETER) or st.session_state.get(LINK_TOKEN_KEY))
# A link holder gets no sidebar at all: their language comes from the link (&lang=en).
language = language_ui(selector=False)  # the choice is drawn below, for those with a sidebar


def only_page(path: str, title: str, icon: str, url_path: str) -> None:
    """Run one page, with no navigation to any other (sign-in, a personal link) but the
    accessibility statement, which every page links to."""
    page = st.navigation([st.Page(path, title=title, icon=icon, default=True,
                                  url_path=url_path),
                          st.Page("views/statement.py", title=t("statement.title"),
                                  url_path="accessibilite")], position="hidden")
    st.set_page_config(page_title=t("app.page_title", page=getattr(page, "title", title)))
    page_setup_ui(language)
    page.run()
    st.stop()


# The deployment is checked before anything is read: `comptes` without its sign-in settings
# (cookie_secret first) serves nothing but the French list of what is missing.
try:
    mode = signin.current_mode()
    if mode == "comptes":
        problems = signin.auth_problems(auth_settings())
        if problems:
            raise signin.ConfigError(t("signin.not_ready"), problems)
except signin.ConfigError as error:
    st.error(str(error), icon=":material/error:")
    st.stop()

# A personal link (?lien=TOKEN) opens one page and nothing else: no sidebar, no other page.
# The token stays with the session even if the address loses it.
if personal_link:
    st.session_state[LINK_TOKEN_KEY] = (st.session_state.get(LINK_TOKEN_KEY)
                                        or st.query_params.get(LINK_PARAMETER))
    st.query_params[LINK_PARAMETER] = st.session_state[LINK_TOKEN_KEY]
    if resolve_actor() is not None:
        save_pending()  # what the person's last clicks changed, before the page reads the base
    only_page("views/respond.py", t("respond.title"), ":material/edit_note:", "repondre")

actor = resolve_actor()
if actor is None:  # comptes mode: not signed in, or signed in without any grant
    only_page("views/signin.py", t("signin.page_title"), ":material/login:", "connexion")
save_pending()  # what the person's last clicks changed, before any page reads the base
save_settings()  # the same for a switch or a list that sets something (ui.setting)
language = language_ui()  # now the sidebar's language choice: not on a link nor on sign-in

# (group, file, title, icon, url path, the action a person needs somewhere to get the page)
# Every page has its own url path. The page scripts live in views/, not pages/: Streamlit
# treats a pages/ folder as its first multipage API and, on a server's first request, shows
# its English « Page not found » for an address that is not a file's name.
PAGES = [
    (t("app.nav_discover"), "views/home.py", t("app.home_title"), ":material/home:", "accueil",
     None),
    (t("app.nav_discover"), "views/reference.py", t("app.reference_title"),
     ":material/menu_book:", "referentiel", None),
    (t("app.nav_discover"), "views/statement.py", t("statement.title"),
     ":material/accessibility:", "accessibilite", None),
    (t("app.nav_team"), "views/assess.py", t("app.assess_title"), ":material/edit_note:",
     "auto-evaluation", "answers.write"),
    (t("app.nav_team"), "views/results.py", t("team.results_title"), ":material/radar:",
     "resultats", "answers.view"),
    (t("app.nav_team"), "views/gaps.py", t("team.gaps_title"), ":material/trending_up:",
     "ecarts", "plan.edit"),
    (t("app.nav_team"), "views/plan.py", t("app.plan_title"), ":material/checklist:",
     "plan-action", "plan.view"),
    (t("app.nav_team"), "views/followup.py", t("followup.title"), ":material/group:",
     "suivi-reponses", "respondent.manage"),
    (t("facilitation.nav_group"), "views/crossview.py", t("facilitation.crossview_title"),
     ":material/diversity_3:", "regards-croises", "consensus.write"),
    (t("facilitation.nav_group"), "views/compare.py", t("portfolio.compare_title"),
     ":material/compare_arrows:", "comparer", "compare.view"),
    (t("facilitation.nav_group"), "views/timeline.py", t("facilitation.timeline_title"),
     ":material/timeline:", "suivi", "answers.view"),
    (t("portfolio.nav_funders_group"), "views/portfolio.py", t("portfolio.portfolio_title"),
     ":material/account_balance:", "portefeuille", "portfolio.view"),
    (t("data_page.nav_group"), "views/data.py", t("data_page.nav_title"),
     ":material/database:", "donnees", "export"),
    (t("access_page.nav_group"), "views/access.py", t("access_page.title"),
     ":material/admin_panel_settings:", "acces", ("accounts.manage", "project.consent")),
    (t("access_page.nav_group"), "views/audit.py", t("access_page.audit_title"),
     ":material/history:", "journal", "audit.view"),
]

pages: dict[str, list] = {}
opened: list[str] = []
for group, path, title, icon, url_path, needs in PAGES:
    needs = (needs,) if isinstance(needs, str) else needs or ()
    if not needs or any(access.may_somewhere(actor, action) for action in needs):
        opened.append(path)
        pages.setdefault(group, []).append(
            st.Page(path, title=title, icon=icon, url_path=url_path,
                    default=path == "views/home.py"))

# Streamlit's grouped menu nests a <div> in its <ul> (axe: list/listitem): the menu is drawn
# by navigation_ui instead, with the same pages.
navigation = st.navigation(pages, position="hidden")
open_pages(opened)
account_ui(actor)
navigation_ui(pages)
# Each page its own tab title (« Résultats · coopscore »).
# (getattr: outside a server, e.g. when a spawned process re-imports this script as its main
# module after an AppTest, the page object has no title.)
st.set_page_config(page_title=t("app.page_title", page=getattr(navigation, "title", "coopscore")))
page_setup_ui(language)
sidebar_selection_ui()
denied_ui()
print_styles_ui()
navigation.run()
