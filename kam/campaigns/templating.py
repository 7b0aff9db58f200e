"""Placeholders in mailing texts: `{vorname}`, `{firma}`, ... replaced per recipient.

Deliberately not the Django template language: a user-written text must not reach attributes
or tags. Values are plain text in the text part and escaped in the HTML part; the subject is one
line (a line break in a header would let a name add headers).
"""

import re
from collections.abc import Callable

from django.utils.html import escape, linebreaks
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Stakeholder

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _manager(person: Stakeholder) -> str:
    owner = person.account.owner
    return (owner.get_full_name() or owner.username) if owner else ""


PLACEHOLDERS: dict[str, tuple[object, Callable[[Stakeholder], str]]] = {
    "vorname": (_("first name"), lambda p: p.first_name),
    "nachname": (_("last name"), lambda p: p.last_name),
    "name": (_("full name"), lambda p: str(p)),
    "position": (_("position"), lambda p: p.position),
    "firma": (_("account name"), lambda p: p.account.name),
    "kundennummer": (_("customer number"), lambda p: p.account.customer_number),
    "betreuer": (_("key account manager"), _manager),
    "betreuer_email": (
        _("key account manager's e-mail"),
        lambda p: p.account.owner.email if p.account.owner else "",
    ),
}


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def values_for(person: Stakeholder) -> dict[str, str]:
    return {name: str(getter(person) or "") for name, (_label, getter) in PLACEHOLDERS.items()}


def render_text(template: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def render_subject(template: str, values: dict[str, str]) -> str:
    return " ".join(render_text(template, values).split())


def render_html(template: str, values: dict[str, str]) -> str:
    """The text as HTML: the template's own text and every value escaped, line breaks kept."""
    parts, last = [], 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(escape(template[last : match.start()]))
        parts.append(escape(values.get(match.group(1), match.group(0))))
        last = match.end()
    parts.append(escape(template[last:]))
    return linebreaks("".join(parts), autoescape=False)
