"""`{% load notifications %}{% notification_bell %}`: the bell with the unread count."""

from django import template

from kam.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context) -> dict:
    user = context.get("user")
    count = unread_count(user) if user is not None and user.is_authenticated else 0
    return {"unread": count}
