"""Texts kam generates follow the reader's language (#15): status-proposal reasons, import
rejection reasons and escalation mails; old rows written in German stay readable."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kam.accounts.models import KeyAccountStatus
from kam.analysis.models import PROFITABILITY_BELOW, PROPOSAL_REASON, PROPOSAL_REASONS
from kam.analysis.tests.factories import make_proposal
from kam.complaints import escalation
from kam.complaints.models import Severity
from kam.complaints.tests.factories import make_complaint
from kam.core.texts import lines_in_active_language, render, renderer
from kam.sales.reading.messages import ROW_REASONS, ROW_REASONS_EN, row_reason_in
from kam.testing.factories import AccountFactory, UserFactory
from kam.users.models import Role

VALUES = {"score": 87.0, "abc": "A", "rank": 3, "tomorrow": 2}


def _reason(language: str) -> str:
    with translation.override(language):
        return translation.gettext(PROPOSAL_REASON) % VALUES


@pytest.mark.django_db
@pytest.mark.parametrize("stored_in", ["de", "en"])
def test_a_proposal_reason_is_shown_in_the_readers_language(alice, stored_in):
    proposal = make_proposal(AccountFactory(owner=alice))
    proposal.reason = _reason(stored_in)

    with translation.override("en"):
        english = proposal.reason_text
    with translation.override("de"):
        german = proposal.reason_text

    assert english == "Score 87 of 100, ABC class A by revenue, rank 3 today and 2 tomorrow."
    assert german == "Score 87 von 100, ABC-Klasse A nach Umsatz, Rang 3 heute und 2 morgen."


@pytest.mark.django_db
def test_a_reason_kam_cannot_read_back_is_shown_as_stored(alice):
    proposal = make_proposal(AccountFactory(owner=alice))  # "Score 70 von 100"

    with translation.override("en"):
        assert proposal.reason_text == "Score 70 von 100"


@pytest.mark.django_db
def test_the_proposal_list_speaks_english_to_an_english_user(client, leader):
    leader.language = "en"
    leader.save()
    proposal = make_proposal(AccountFactory(owner=leader))
    proposal.reason = _reason("de")
    proposal.save()
    client.force_login(leader)

    page = client.get(reverse("analysis:proposals")).content.decode()

    assert "ABC class A by revenue" in page and "nach Umsatz" not in page


@given(
    margin=st.floats(min_value=-999, max_value=999, allow_nan=False),
    average=st.floats(min_value=-999, max_value=999, allow_nan=False),
    abc=st.sampled_from("ABC"),
)
def test_a_cited_margin_reads_back_with_the_readers_decimal_separator(margin, average, abc):
    values = {"margin": margin, "abc": abc, "average": average}
    with translation.override("de"):
        stored = "\n".join([_reason("de"), render(PROFITABILITY_BELOW, values)])
    with translation.override("en"):
        english = lines_in_active_language(stored, PROPOSAL_REASONS)
        expected = render(PROFITABILITY_BELOW, values)
    with translation.override("de"):
        german = lines_in_active_language(english, PROPOSAL_REASONS)

    assert english == "\n".join([_reason("en"), expected])
    assert german == stored
    assert f"{margin:.1f} %" in english and f"{margin:.1f} %".replace(".", ",") in stored


def test_a_line_no_message_wrote_is_kept_among_translated_ones():
    stored = "\n".join([_reason("de"), "Von Hand ergänzt: 3,1 % (unklar)."])

    with translation.override("en"):
        english = lines_in_active_language(stored, PROPOSAL_REASONS)

    assert english == "\n".join([_reason("en"), "Von Hand ergänzt: 3,1 % (unklar)."])


WORDS = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=12)


@given(code=st.sampled_from(sorted(ROW_REASONS)), data=st.data())
def test_every_rejection_reason_reads_back_in_english_and_german(code, data):
    names = {"column", "value", "found", "expected", "line", "end_line"}
    params = {name: data.draw(WORDS, label=name) for name in names}
    german = ROW_REASONS[code].format(**params)

    english = row_reason_in("en", code, german)

    assert english == ROW_REASONS_EN[code].format(**params)
    assert row_reason_in("de", code, english) == german
    assert row_reason_in("de-de", code, german) == german


def test_an_unknown_rejection_text_stays_as_stored():
    assert row_reason_in("en", "date_impossible", "Altes Format") == "Altes Format"
    assert row_reason_in("en", "no_such_code", "Text") == "Text"


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.django_db
def test_escalation_mails_follow_each_recipients_language(alice, sam):
    alice.language = "en"
    alice.save()
    account = AccountFactory(owner=alice, status=KeyAccountStatus.STRATEGIC)
    with time_machine.travel(datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN), tick=False):
        make_complaint(account, sam, severity=Severity.CRITICAL)
    UserFactory(role=Role.LEADERSHIP, language="")
    moment = datetime(2026, 3, 9, 11, 5, tzinfo=BERLIN)

    with time_machine.travel(moment, tick=False):
        escalation.escalate(moment)

    by_recipient = {tuple(message.to): message.subject for message in mail.outbox}
    assert "SLA breached" in by_recipient[(alice.email,)]
    assert "SLA verletzt" in by_recipient[(sam.email,)]


def test_a_refused_file_is_explained_in_the_readers_language():
    from kam.sales.reading.messages import file_reason, file_reason_in

    stored = "export.csv: " + file_reason("sheet_not_found", sheet="Umsatz", sheets="Tabelle1")

    assert file_reason_in("en", stored) == (
        "export.csv: The sheet “Umsatz” does not exist. Sheets present: Tabelle1."
    )
    assert file_reason_in("de", stored) == stored
    assert file_reason_in("en", "Unbekannter Fehler") == "Unbekannter Fehler"


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_renderer_writes_what_render_writes_in_the_language_active_when_made(language):
    values = {"margin": 12.345, "abc": "B", "average": -3.5}
    with translation.override(language):
        write = renderer(PROFITABILITY_BELOW)
        expected = render(PROFITABILITY_BELOW, values)
    with translation.override("de" if language == "en" else "en"):
        written = write(values)

    assert written == expected
    assert ("12,3 %" if language == "de" else "12.3 %") in written
