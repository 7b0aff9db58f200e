"""The account list's URLs in the permission matrix (see kam.testing.matrix).

The list itself is `accounts:list` (in the accounts app's rows). Exports are open to everyone
who is logged in (scoped like the list); a saved view belongs to its user alone (404 for others);
bulk actions need `can_bulk_edit_accounts` and then change only editable accounts: an id nobody
may edit gets the confirmation page saying so.
"""

from kam.lists.models import SavedView
from kam.testing.matrix import Row, allowed


def objects(account, users) -> dict:
    return {
        "saved_view": SavedView.objects.create(user=users["alice"], name=f"Ansicht {account.pk}")
    }


def fmt(value: str):
    return lambda objects: {"fmt": value}


def saved_view_pk(objects: dict) -> dict:
    return {"pk": objects["saved_view"].pk}


ALL = "200 200 200 200 200 302"
BULK = {"action": "set_status", "ids": ["999999"], "status": "candidate", "reason": "Potenzial"}

ROWS = [
    Row("lists:export", "none", "get", ALL, fmt("csv")),
    Row("lists:export", "none", "get", ALL, fmt("xlsx")),
    Row("lists:export", "none", "get", "404 404 404 404 404 302", fmt("pdf")),
    Row("lists:view_save", "none", "post", "302 302 302 302 302 302", data={"name": "Meine"}),
    Row("lists:view_delete", "own", "post", "404 404 302 404 404 302", saved_view_pk),
    Row("lists:bulk", "none", "post", allowed("can_bulk_edit_accounts", "200", "403"), data=BULK),
]
