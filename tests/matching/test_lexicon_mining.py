"""Suggested synonyms: mined from the platform's texts, effective only once approved."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from matchmaking.matching import lexicon_mining
from matchmaking.matching.models import SuggestedSynonym, SuggestedSynonymStatus, SynonymGroup
from matchmaking.matching.runtime import lexicon_extra
from tests import factories

#: "chatbot" and "assistant" are used in the same places and never together.
TEXTS = [
    "the bank wants a chatbot to answer card questions",
    "the insurer wants an assistant to answer claim questions",
    "our hospital wants a chatbot to answer patient questions",
    "the city wants an assistant to answer citizen questions",
    "the factory wants vision to inspect welds on the line",
    "the museum wants vision to inspect paintings on the wall",
]


class MineTests:
    def test_words_used_alike_but_not_together_are_suggested(self):
        found = lexicon_mining.mine(TEXTS, max_df_share=0.7)
        pairs = {frozenset((c.term, c.synonym)) for c in found}
        assert frozenset(("chatbot", "assistant")) in pairs
        best = next(c for c in found if {c.term, c.synonym} == {"chatbot", "assistant"})
        assert best.score > 0.5 and "wants" in best.examples

    def test_known_pairs_are_not_suggested_again(self):
        found = lexicon_mining.mine(TEXTS, max_df_share=0.7, known=[("assistant", "chatbot")])
        assert all({c.term, c.synonym} != {"chatbot", "assistant"} for c in found)

    def test_mining_is_deterministic(self):
        assert lexicon_mining.mine(TEXTS, max_df_share=0.7) == lexicon_mining.mine(
            list(TEXTS), max_df_share=0.7
        )


@pytest.mark.django_db
class ReviewTests:
    def mined(self) -> SuggestedSynonym:
        lexicon_mining.suggested_synonyms_refresh(texts=TEXTS, max_df_share=0.7)
        return SuggestedSynonym.objects.get(
            term__in=["chatbot", "assistant"], synonym__in=["chatbot", "assistant"]
        )

    def test_a_pending_suggestion_does_not_reach_the_engine(self):
        self.mined()
        assert lexicon_extra()["synonyms"] == []

    def test_approving_adds_the_pair_to_the_synonym_groups_the_engine_reads(self, admin_user):
        suggestion = self.mined()
        group = lexicon_mining.suggested_synonym_approve(suggestion=suggestion, user=admin_user)
        assert set(group.term_list) == {"chatbot", "assistant"}
        assert {"chatbot", "assistant"} in [set(t) for t in lexicon_extra()["synonyms"]]
        suggestion.refresh_from_db()
        assert suggestion.status == SuggestedSynonymStatus.APPROVED and suggestion.group == group

    def test_approving_extends_an_existing_group_holding_either_word(self, admin_user):
        existing = SynonymGroup.objects.create(terms="chatbot, bot")
        group = lexicon_mining.suggested_synonym_approve(suggestion=self.mined(), user=admin_user)
        assert group.pk == existing.pk
        assert group.term_list == ["chatbot", "bot", "assistant"]

    def test_a_rejected_pair_is_never_suggested_again(self, admin_user):
        lexicon_mining.suggested_synonym_reject(suggestion=self.mined(), user=admin_user)
        found = lexicon_mining.suggested_synonyms_refresh(texts=TEXTS, max_df_share=0.7)
        assert all({c.term, c.synonym} != {"chatbot", "assistant"} for c in found)
        assert not SuggestedSynonym.objects.filter(
            status="pending",
            term__in=["chatbot", "assistant"],
            synonym__in=["chatbot", "assistant"],
        ).exists()
        assert lexicon_extra()["synonyms"] == []

    def test_the_admin_approves_with_an_action(self, client, admin_user):
        suggestion = self.mined()
        client.force_login(admin_user)
        url = reverse("admin:matching_suggestedsynonym_changelist")
        assert client.get(url).status_code == 200
        response = client.post(
            url, {"action": "approve", "_selected_action": [suggestion.pk]}, follow=True
        )
        assert response.status_code == 200
        suggestion.refresh_from_db()
        assert suggestion.status == SuggestedSynonymStatus.APPROVED
        assert SynonymGroup.objects.filter(pk=suggestion.group_id, is_active=True).exists()

    def test_members_cannot_reach_the_admin(self, client):
        self.mined()
        client.force_login(factories.make_organization(kind="vendor").memberships.get().user)
        response = client.get(reverse("admin:matching_suggestedsynonym_changelist"))
        assert response.status_code == 302

    def test_the_command_mines_the_published_listings(self, capsys):
        for sector_word in ("银行", "保险", "证券"):
            factories.make_offering(description=f"{sector_word}客户想要chatbot回答常见问题")
            factories.make_offering(description=f"{sector_word}客户想要assistant回答常见问题")
        call_command("mine_synonyms", "--min-similarity", "0.3")
        out = capsys.readouterr().out
        assert "suggested synonyms" in out
        assert SuggestedSynonym.objects.filter(status="pending").exists()
