"""Confirming and declining status proposals: the account changes, history records it."""

import pytest
from django.core.exceptions import ValidationError

from kam.accounts.models import KeyAccountStatus
from kam.analysis.services import status_proposal_confirm, status_proposal_decline
from kam.analysis.tests.factories import make_proposal
from kam.testing.factories import AccountFactory


@pytest.fixture
def proposal(alice):
    return make_proposal(AccountFactory(owner=alice), to_status=KeyAccountStatus.CANDIDATE)


def test_confirm_changes_the_status_and_records_history(proposal, alice):
    decided = status_proposal_confirm(proposal=proposal, user=alice)

    account = decided.account
    account.refresh_from_db()
    assert account.status == KeyAccountStatus.CANDIDATE
    assert (decided.state, decided.decided_by) == ("confirmed", alice)
    latest = account.history.first()
    assert latest.status == KeyAccountStatus.CANDIDATE
    assert latest.prev_record.status == KeyAccountStatus.NONE


def test_decline_keeps_the_status(proposal, alice):
    decided = status_proposal_decline(proposal=proposal, user=alice)

    proposal.account.refresh_from_db()
    assert proposal.account.status == KeyAccountStatus.NONE
    assert decided.state == "declined" and decided.decided_at is not None


def test_a_decided_proposal_cannot_be_decided_again(proposal, alice):
    status_proposal_decline(proposal=proposal, user=alice)

    with pytest.raises(ValidationError, match="bereits entschieden"):
        status_proposal_confirm(proposal=proposal, user=alice)
