"""The permission matrix's vocabulary, shared by every app's `tests/matrix.py`.

An app adds its URLs to the matrix with a `tests/matrix.py` plug-in (the contract is in
kam.core.plugins); its `objects(account, users)` is called once for alice's account (`own`) and
once for carol's (`foreign`).

`CAPABILITY_TABLE` is the matrix's first part: every capability of `kam.core.permissions`, and
who of the named users has it (kam/core/tests/test_permissions.py checks it both ways: each
capability has a row, each row is the module's answer). A URL that only one capability opens
takes its expected statuses from the table with `allowed(capability, ...)`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

#: root (admin), leader, alice (key account manager), bob (field rep reporting to alice, on the
#: team of alice's account with edit access), sam (customer service), anonymous.
ROLES = ("root", "leader", "alice", "bob", "sam", "anonymous")


@dataclass(frozen=True)
class Row:
    name: str
    target: str  # none | own | foreign
    method: str
    expected: str  # one status per role, in ROLES order
    kwargs: Callable[[dict], dict] | None = None  # URL kwargs from the target's objects
    data: dict = field(default_factory=dict)
    query: str = ""


#: Capability -> "+" (has it) or "-" for each role in ROLES order. Account capabilities have two
#: rows, on alice's account (`own`: bob has an edit seat on it) and on carol's (`foreign`).
CAPABILITY_TABLE = {
    #                                     root leader alice bob sam anonymous
    "can_see_all_accounts": "+ + - - + -",
    "can_edit_all_accounts": "+ + - - - -",
    "works_on_own_accounts": "- - + + - -",
    "can_create_accounts": "+ + + - - -",
    "can_delete_accounts": "+ + - - - -",
    "can_bulk_edit_accounts": "+ + + + - -",
    "can_view_margins": "+ + + - - -",
    "can_import_sales": "+ + - - - -",
    "can_edit_analysis_settings": "+ + - - - -",
    "can_see_company_portfolio": "+ + - - - -",
    "can_view_forecast_quality": "+ + + - - -",
    "sees_service_cockpit": "- - - - + -",
    "can_manage_cadence": "+ + - - - -",
    "can_see_every_agenda": "+ + - - - -",
    "can_work_on_every_visible_complaint": "- - - - + -",
    "can_delete_complaints": "+ + - - - -",
    "can_manage_complaint_settings": "+ + - - - -",
    "can_approve_conditions": "+ + - - - -",
    "can_view_conditions": "+ + + + - -",
    "can_edit_conditions": "+ + + - - -",
    "can_manage_products": "+ + - - - -",
    "can_manage_authority_policy": "+ + - - - -",
    "has_unlimited_authority": "+ + - - - -",
    "can_open_admin": "+ - - - - -",
    "can_manage_competitors": "+ + + - - -",
    "can_own_accounts": "- - + + - -",
    "can_own_complaints": "- - + + + -",
    "receives_leadership_escalations": "- + - - - -",
    "can_send_mailings": "+ + + - - -",
    "can_approve_mailings": "+ + - - - -",
    "can_see_consent": "+ + + - + -",
    "can_manage_consent_wording": "+ + - - - -",
    "can_handle_data_subject_requests": "+ + - - - -",
    "can_edit_cost_rates": "+ + - - - -",
    ("can_edit_account", "own"): "+ + + + - -",
    ("can_edit_account", "foreign"): "+ + - - - -",
    ("can_confirm_status_proposals", "own"): "+ + + + - -",
    ("can_confirm_status_proposals", "foreign"): "+ + - - - -",
    ("can_work_on_complaints", "own"): "+ + + + + -",
    ("can_work_on_complaints", "foreign"): "+ + - - + -",
    ("can_manage_referrals", "own"): "+ + + + - -",
    ("can_manage_referrals", "foreign"): "+ + - - - -",
    ("can_record_consent", "own"): "+ + + - - -",
    ("can_record_consent", "foreign"): "+ + - - - -",
    ("can_edit_account_conditions", "own"): "+ + + - - -",
    ("can_edit_account_conditions", "foreign"): "+ + - - - -",
    ("can_view_account_conditions", "own"): "+ + + + - -",
    ("can_view_account_conditions", "foreign"): "+ + - - - -",
}


def allowed(capability: str, yes: str, no: str, anonymous: str = "302") -> str:
    """The expected statuses of a URL that `capability` alone opens, per role in ROLES order."""
    marks = CAPABILITY_TABLE[capability].split()[: len(ROLES) - 1]
    return " ".join([*(yes if mark == "+" else no for mark in marks), anonymous])


def account_pk(objects: dict) -> dict:
    return {"pk": objects["account"].pk}
