"""A status proposal cites the account's DB IV margin (kam.profitability's criterion) against the
mean margin of its ABC class, when leadership weighs that criterion in the score."""

import pytest
from django.utils import translation

from kam.analysis.models import StatusProposal
from kam.analysis.selectors import analysis_settings_get
from kam.analysis.services import analysis_run
from kam.analysis.tests.conftest import AS_OF, LAST
from kam.profitability.models import AccountStatement

pytestmark = pytest.mark.django_db


def statement(account, revenue_cents: int, db4_cents: int) -> None:
    AccountStatement.objects.create(
        account=account, month=LAST, revenue_cents=revenue_cents, db4_cents=db4_cents
    )


def weigh_profitability(weight: int) -> None:
    settings = analysis_settings_get()
    settings.weight_profitability = weight
    settings.save()


@pytest.fixture
def margins(portfolio):
    """big keeps -20 % of its revenue, second 25 %: the A accounts' mean is 2.5 %."""
    statement(portfolio["big"], 5_000_000, -1_000_000)
    statement(portfolio["second"], 2_000_000, 500_000)
    return portfolio


def reason_of(account) -> str:
    return StatusProposal.objects.get(account=account, state="open").reason


def test_a_proposal_cites_the_db_iv_margin_when_profitability_weighs_in(margins):
    weigh_profitability(30)

    analysis_run(as_of=AS_OF)

    score, below = reason_of(margins["big"]).split("\n")
    assert score.startswith("Score ")
    assert below == "DB-IV-Marge -20,0 % (unter dem Schnitt der A-Kunden, 2,5 %)."
    not_below = reason_of(margins["second"]).split("\n")[1]
    assert not_below == "DB-IV-Marge 25,0 % (nicht unter dem Schnitt der A-Kunden, 2,5 %)."


def test_the_cited_margin_is_shown_in_the_readers_language(margins):
    weigh_profitability(30)
    analysis_run(as_of=AS_OF)
    proposal = StatusProposal.objects.get(account=margins["big"], state="open")

    with translation.override("en"):
        english = proposal.reason_text
    with translation.override("de"):
        german = proposal.reason_text

    assert english.split("\n") == [
        english.split("\n")[0],
        "DB IV margin -20.0 % (below the average of the A accounts, 2.5 %).",
    ]
    assert english.startswith("Score ") and " of 100, ABC class A by revenue" in english
    assert german == proposal.reason


def test_without_a_weight_a_proposal_does_not_cite_profitability(margins):
    weigh_profitability(0)

    analysis_run(as_of=AS_OF)

    assert "DB" not in reason_of(margins["big"])
    assert "\n" not in reason_of(margins["big"])


def test_an_account_without_statements_cites_no_margin(portfolio):
    statement(portfolio["second"], 2_000_000, 500_000)
    weigh_profitability(30)

    analysis_run(as_of=AS_OF)

    assert "DB" not in reason_of(portfolio["big"])
    assert "DB-IV-Marge 25,0 %" in reason_of(portfolio["second"])
