"""Agreements: validation with clear messages and nothing saved half, the workflow with its
log, approval routing up the manager chain by authority, re-approval only on price changes."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kam.conditions import services
from kam.conditions.models import Agreement, AgreementStatus, AuthorityEvent, ConditionLine
from kam.conditions.services import LineInput
from kam.conditions.tests import factories as f
from kam.notifications.models import Notification
from kam.testing.factories import AccountFactory, UserFactory
from kam.users.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _german():
    with (
        translation.override("de"),
        time_machine.travel(datetime.datetime(2026, 6, 15, 9, 0), tick=False),
    ):
        yield


def draft(account, user, **fields):
    return services.agreement_create(
        account=account,
        user=user,
        title="Rahmenvertrag 2026",
        valid_from=fields.pop("valid_from", datetime.date(2026, 6, 1)),
        **fields,
    )


def test_validity_ending_before_it_starts_is_refused_in_german(alice):
    with pytest.raises(ValidationError) as error:
        draft(
            AccountFactory(owner=alice),
            alice,
            valid_from=datetime.date(2026, 6, 1),
            valid_to=datetime.date(2026, 5, 1),
        )
    assert "endet vor ihrem Beginn" in str(error.value)
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (dict(kind="net_price", net_price=Decimal("-1")), "darf nicht negativ sein"),
        (dict(kind="discount", percent=Decimal("120")), "über 100 %"),
        (
            dict(
                kind="net_price",
                net_price=Decimal("9"),
                tiers=[(Decimal(10), Decimal(8), None), (Decimal(10), Decimal(7), None)],
            ),
            "dürfen sich nicht überschneiden",
        ),
        (dict(kind="discount"), "braucht einen Prozentsatz"),
    ],
)
def test_bad_lines_get_a_clear_message_and_nothing_is_saved(alice, data, expected):
    agreement = draft(AccountFactory(owner=alice), alice)
    product = f.product()
    with pytest.raises(ValidationError) as error:
        services.condition_line_save(
            agreement=agreement, data=LineInput(product=product, **data), user=alice
        )
    assert expected in str(error.value)
    assert not ConditionLine.objects.exists()


def test_every_transition_is_logged_with_who_and_comment(alice, leader):
    agreement = draft(AccountFactory(owner=alice), alice)
    services.condition_line_save(
        agreement=agreement,
        data=LineInput(kind="net_price", product=f.product(price="100"), net_price=Decimal("80")),
        user=alice,
    )
    services.agreement_request(agreement=agreement, user=alice, comment="Bitte freigeben")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.REQUESTED and agreement.approver == leader
    note = Notification.objects.get(recipient=leader)
    assert note.kind == "conditions.approval" and note.url.endswith(f"/{agreement.pk}/")
    services.agreement_approve(agreement=agreement, user=leader, comment="ok")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE  # valid from 1 June: active at once
    log = [(e.from_status, e.to_status, e.user, e.comment) for e in agreement.events.all()]
    assert log == [
        ("", "draft", alice, ""),
        ("draft", "requested", alice, "Bitte freigeben"),
        ("requested", "approved", leader, "ok"),
        ("approved", "active", None, ""),
    ]
    assert AuthorityEvent.objects.filter(action="agreement_approved", user=leader).exists()


def test_a_request_above_authority_goes_up_the_manager_chain_with_a_notification(leader):
    head = UserFactory(role=Role.KEY_ACCOUNT_MANAGER, manager=leader, username="head")
    manager = UserFactory(role=Role.KEY_ACCOUNT_MANAGER, manager=head)
    rep = UserFactory(role=Role.FIELD_SALES, manager=manager)
    from kam.conditions.models import AuthorityRule

    AuthorityRule.objects.filter(role="kam").update(max_discount_percent=Decimal("10"))
    AuthorityRule.objects.create(role="kam", abc_class="A", max_discount_percent=Decimal("25"))
    account = AccountFactory(owner=rep)
    product = f.product(price="100", cost="50")

    def request(discount: str):
        agreement = draft(account, rep)
        services.condition_line_save(
            agreement=agreement,
            data=LineInput(kind="discount", product=product, percent=Decimal(discount)),
            user=rep,
        )
        with (
            mock.patch("kam.conditions.authority.account_abc_class", return_value="A"),
            mock.patch("kam.conditions.authority.notify_approver") as notify,
        ):
            services.agreement_request(agreement=agreement, user=rep)
        agreement.refresh_from_db()
        return agreement, notify

    within_rep, _ = request("4")
    assert within_rep.status == AgreementStatus.ACTIVE  # within the rep's own 5 %
    to_manager, notify = request("20")  # class A: key account managers up to 25 %
    assert to_manager.approver == manager
    assert notify.call_args.kwargs["approver"] == manager
    assert notify.call_args.kwargs["url"].endswith(f"/agreements/{to_manager.pk}/")
    to_leader, _ = request("40")
    assert to_leader.approver == leader
    with pytest.raises(PermissionDenied):
        services.agreement_approve(agreement=to_leader, user=manager)


def test_rejecting_needs_a_reason_and_is_audited(alice, leader):
    agreement = draft(AccountFactory(owner=alice), alice)
    services.condition_line_save(
        agreement=agreement,
        data=LineInput(kind="discount", percent=Decimal("30")),
        user=alice,
    )
    services.agreement_request(agreement=agreement, user=alice)
    with pytest.raises(ValidationError):
        services.agreement_reject(agreement=agreement, user=leader, comment=" ")
    services.agreement_reject(agreement=agreement, user=leader, comment="Zu hoch")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.REJECTED
    assert AuthorityEvent.objects.get(action="agreement_rejected").detail == {"why": "Zu hoch"}


def test_only_a_price_relevant_change_needs_approval_again(alice, leader):
    agreement = draft(AccountFactory(owner=alice), alice)
    services.condition_line_save(
        agreement=agreement, data=LineInput(kind="discount", percent=Decimal("3")), user=alice
    )
    services.agreement_request(agreement=agreement, user=alice)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    services.agreement_update(agreement=agreement, user=alice, data={"title": "Neu", "notes": "x"})
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    services.agreement_update(agreement=agreement, user=alice, data={"free_delivery": True})
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert (
        agreement.events.last().comment
        == "Preisrelevante Änderung: muss erneut freigegeben werden."
    )


def test_approved_agreements_start_on_their_date_and_expire_after_it(alice):
    agreement = f.agreement(
        AccountFactory(owner=alice),
        status=AgreementStatus.APPROVED,
        valid_from=datetime.date(2026, 7, 1),
        valid_to=datetime.date(2026, 7, 31),
    )
    assert services.agreements_advance(today=datetime.date(2026, 6, 30)) == 0
    assert services.agreements_advance(today=datetime.date(2026, 7, 1)) == 1
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    services.agreements_advance(today=datetime.date(2026, 8, 1))
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.EXPIRED
