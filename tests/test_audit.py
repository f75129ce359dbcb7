"""The audit log (coopscore/audit.py): how its actors read to a person."""

from __future__ import annotations

import pytest

from coopscore import access, audit
from coopscore.i18n import use_language


@pytest.mark.parametrize(("actor", "french", "english"), [
    (access.Actor.local(), "Ce poste (sans connexion)", "This computer (no sign-in)"),
    (access.SYSTEM_ACTOR, "Ligne de commande", "Command line"),
    (access.Actor.respondent(12, 3), "Lien personnel (répondant·e n° 12)",
     "Personal link (respondent no. 12)"),
])
def test_actors_without_an_account_read_as_words_and_keep_their_stored_identity(
        actor, french, english):
    stored = actor.label
    assert "|" in stored  # what the log stores stays the machine identity
    try:
        use_language("fr")
        assert audit.actor_label(stored) == french
        use_language("en")
        assert audit.actor_label(stored) == english
    finally:
        use_language(None)


def test_a_signed_in_person_reads_as_their_address_or_identity():
    assert audit.actor_label("anne@pays-test.fr") == "anne@pays-test.fr"
    # a provider's issuer is an address: never taken for « poste », « cli » or « lien »
    assert audit.actor_label("https://idp.exemple.fr|abc") == "https://idp.exemple.fr|abc"


def test_the_stored_identity_of_the_poste_mode_does_not_change(store):
    audit.record(store, access.Actor.local(), "project.create", "project:1")
    assert list(audit.entries(store)["actor"]) == ["poste|poste"]
