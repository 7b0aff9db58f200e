"""Writes of referrals and references: atomic, validated, logged."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts import services as account_services
from kam.accounts.models import Account, Stakeholder
from kam.core import numbering
from kam.referrals.models import (
    TRANSITIONS,
    ReferenceProfile,
    ReferenceRequest,
    Referral,
    ReferralEvent,
    ReferralStatus,
    WhitespaceCell,
)

#: Customer numbers that kam gives a prospect until the ERP has one: "INT-00001".
PROSPECT_PREFIX = "INT-"


#: The kind of kam.core.numbering's counter of prospect numbers (across the years).
PROSPECT_NUMBERS = "prospect"


def _next_prospect_number() -> str:
    """The next "INT-" number, without gaps and safe when two prospects are created at once
    (kam.core.numbering; inside prospect_create's transaction)."""
    number = f"{PROSPECT_PREFIX}{numbering.next_number(PROSPECT_NUMBERS):05d}"
    while Account.objects.filter(customer_number=number).exists():  # given by hand before
        number = f"{PROSPECT_PREFIX}{numbering.next_number(PROSPECT_NUMBERS):05d}"
    return number


@transaction.atomic
def prospect_create(
    *, name: str, city: str = "", customer_number: str = "", owner=None, contact: dict | None = None
) -> Account:
    """A prospect (Interessent): an account without sales, with its contact person if given."""
    account = account_services.account_create(
        customer_number=customer_number.strip() or _next_prospect_number(),
        name=name.strip(),
        city=city.strip(),
        owner=owner,
    )
    if contact and contact.get("last_name", "").strip():
        account_services.stakeholder_save(
            stakeholder=Stakeholder(
                account=account,
                first_name=contact.get("first_name", "").strip(),
                last_name=contact["last_name"].strip(),
                email=contact.get("email", "").strip(),
                phone=contact.get("phone", "").strip(),
            )
        )
    return account


@transaction.atomic
def referral_create(
    *,
    user,
    referring_account: Account,
    referred_account: Account,
    received_on: date,
    referring_stakeholder: Stakeholder | None = None,
    channel: str = "personal",
    owner=None,
    notes: str = "",
    created_prospect: bool = False,
) -> Referral:
    referral = Referral(
        referring_account=referring_account,
        referring_stakeholder=referring_stakeholder,
        referred_account=referred_account,
        received_on=received_on,
        channel=channel,
        owner=owner or user,
        notes=notes,
        created_prospect=created_prospect,
        status_changed_at=timezone.now(),
    )
    referral.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        raise ValidationError(
            {"referred_account": _("This account has already recorded this referral.")}
        ) from None
    ReferralEvent.objects.create(
        referral=referral, to_status=referral.status, user=user, at=referral.status_changed_at
    )
    return referral


@transaction.atomic
def referral_transition(
    *, referral: Referral, to_status: str, user, comment: str = "", customer_number: str = ""
) -> Referral:
    """Moves a referral on; becoming a customer may give a prospect its ERP customer number, so
    that its sales are attributed to the referrer as soon as they are imported."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if to_status not in TRANSITIONS.get(referral.status, ()):
        raise ValidationError(
            _("A referral cannot move from “%(from)s” to “%(to)s”.")
            % {
                "from": ReferralStatus(referral.status).label,
                "to": ReferralStatus(to_status).label if to_status in ReferralStatus else to_status,
            }
        )
    if to_status == ReferralStatus.LOST and not comment.strip():
        raise ValidationError({"comment": _("Please say why the referral was lost.")})
    if to_status == ReferralStatus.CUSTOMER and customer_number.strip():
        account_services.account_update(
            account=referral.referred_account,
            data={"customer_number": customer_number.strip()},
        )
    previous = referral.status
    referral.status, referral.status_changed_at = to_status, timezone.now()
    referral.save(update_fields=["status", "status_changed_at"])
    ReferralEvent.objects.create(
        referral=referral,
        from_status=previous,
        to_status=to_status,
        user=user,
        at=referral.status_changed_at,
        comment=comment.strip(),
    )
    return referral


@transaction.atomic
def referral_delete(*, referral: Referral) -> None:
    referral.delete()


@transaction.atomic
def reference_profile_save(
    *, profile: ReferenceProfile, stakeholders: list[Stakeholder] | None = None
) -> ReferenceProfile:
    if stakeholders and any(s.account_id != profile.account_id for s in stakeholders):
        raise ValidationError(
            {"stakeholders": _("Only stakeholders of this account can serve as reference.")}
        )
    profile.full_clean(validate_unique=False)
    profile.save()
    if stakeholders is not None:
        profile.stakeholders.set(stakeholders)
    return profile


@transaction.atomic
def reference_request_save(*, request: ReferenceRequest) -> ReferenceRequest:
    request.full_clean()
    profile = ReferenceProfile.objects.filter(account_id=request.reference_id).first()
    if profile is None or not profile.permits(request.kind):
        raise ValidationError({"kind": _("The customer has not permitted this kind of reference.")})
    request.save()
    return request


@transaction.atomic
def whitespace_cell_save(*, cell: WhitespaceCell, user) -> WhitespaceCell:
    """Saves what the team knows of a cell; a changed estimate records who made it and when."""
    previous = WhitespaceCell.objects.filter(pk=cell.pk).first() if cell.pk else None
    if cell.potential_estimate is not None and (
        previous is None or previous.potential_estimate != cell.potential_estimate
    ):
        cell.estimated_by, cell.estimated_on = user, timezone.localdate()
    if cell.potential_estimate is None:
        cell.estimated_by, cell.estimated_on = None, None
    cell.full_clean(validate_constraints=False)
    cell.save()
    return cell
