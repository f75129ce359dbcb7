"""Connexion: the only page an anonymous visitor gets in `comptes` mode (nothing else of the
app, no project, no navigation); a signed-in person without any grant is told so here."""

import streamlit as st

from coopscore import signin
from coopscore.i18n import t
from ui import auth_settings, signed_in_identity

st.title(t("signin.heading"))
person = signed_in_identity() if st.user.is_logged_in else None

if st.user.is_logged_in:
    # signed in, but no grant (or the provider sent no identifier)
    st.subheader(t("signin.no_access_heading"))
    if person is None:
        st.warning(t("signin.no_identity"), icon=":material/person_off:")
    else:
        who = person.email or person.name or person.subject
        st.warning(t("signin.no_access", who=who), icon=":material/person_off:")
    if st.button(t("signin.sign_out"), key="sign_out_no_access", icon=":material/logout:"):
        st.logout()
    st.stop()

st.markdown(t("signin.intro"))
named = signin.providers(auth_settings())
if not named:
    if st.button(t("signin.sign_in"), key="sign_in", type="primary", icon=":material/login:"):
        st.login()
for name in named:
    label = name.capitalize()  # the section's own name: [auth.keycloak] → « Keycloak »
    if st.button(t("signin.sign_in_with", provider=label), key=f"sign_in_{name}",
                 type="primary", icon=":material/login:"):
        st.login(name)
st.caption(t("signin.link_hint"))
