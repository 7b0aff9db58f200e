"""`{% load notifications %}{% notification_bell %}`: the bell in the top bar.

The page itself renders the bell without a query; the bell then loads its unread count with one
indexed COUNT (`notifications:bell`, htmx on load), so no page's query count grows with it and a
page served from a cache still shows a fresh count.
"""

from django import template

register = template.Library()


@register.inclusion_tag("notifications/_bell_loader.html")
def notification_bell() -> dict:
    return {}
