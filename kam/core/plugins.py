"""How the domain apps plug into shared pages and commands without editing them.

An app `kam.<name>` may have modules with agreed names; shared code finds them here, in the order
of INSTALLED_APPS:
- `panels.py` with `account_panels(request, account) -> list[Panel]`: tabs on the account page.
- `demo.py` with `populate(rng, company)`: adds the app's data to `kam demo`.
"""

import importlib
import importlib.util
from dataclasses import dataclass, field
from types import ModuleType

from django.apps import apps


def app_modules(module_name: str) -> list[ModuleType]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kam."):
            continue
        dotted = f"{config.name}.{module_name}"
        if importlib.util.find_spec(dotted) is not None:
            found.append(importlib.import_module(dotted))
    return found


@dataclass
class Panel:
    """One tab on the account page: `template` is rendered with `context` plus the page's own."""

    id: str
    title: str
    template: str
    context: dict = field(default_factory=dict)
    badge: str = ""


def account_panels(request, account) -> list[Panel]:
    panels: list[Panel] = []
    for module in app_modules("panels"):
        panels.extend(module.account_panels(request, account))
    return panels
