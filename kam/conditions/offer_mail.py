"""The offer mailed to its contact person with the offer's PDF attached.

Names typed by users (account, contact, subject, the sender's name) are text everywhere: the
HTML part escapes them (Django templates), the plain-text part needs no escaping, the subject
loses line breaks (a header must not be split), and the PDF writes them as text (pdf.py)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kam.conditions.models import Offer
from kam.conditions.pdf import offer_pdf
from kam.users.models import User

logger = logging.getLogger(__name__)


def mail_address(offer: Offer) -> str:
    """Where the offer is mailed: its contact person's address ('' when there is none)."""
    return offer.stakeholder.email if offer.stakeholder is not None else ""


def one_line(text: str) -> str:
    return " ".join(text.split())


def offer_message(offer: Offer, *, sender: User | None) -> EmailMultiAlternatives:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "offer": offer,
            "account": offer.account,
            "stakeholder": offer.stakeholder,
            "sender": sender.get_full_name() or sender.get_username() if sender else "",
            "company": getattr(settings, "KAM_COMPANY_NAME", "kam"),
        }
        subject = _("Offer %(number)s: %(title)s") % {"number": offer.number, "title": offer.title}
        text = render_to_string("conditions/email/offer.txt", context)
        html = render_to_string("conditions/email/offer.html", context)
    reply_to = [sender.email] if sender is not None and sender.email else []
    message = EmailMultiAlternatives(
        one_line(subject)[:200], text, None, [mail_address(offer)], reply_to=reply_to
    )
    message.attach_alternative(html, "text/html")
    message.attach(f"{offer.number}.pdf", offer_pdf(offer), "application/pdf")
    return message


def offer_mail_send(*, offer_id: int, sender_id: int | None) -> bool:
    """Sends the mail (after the sending transaction committed); a mail server that is down
    does not undo the sending: it is logged, and the PDF can be downloaded and sent by hand."""
    offer = Offer.objects.select_related("account", "stakeholder").get(pk=offer_id)
    sender = User.objects.filter(pk=sender_id).first() if sender_id else None
    if not mail_address(offer):
        return False
    try:
        offer_message(offer, sender=sender).send()
    except Exception:
        logger.exception("offer %s could not be mailed", offer.number)
        return False
    return True
