"""The activities and account-plan URLs in the permission matrix (see kam.testing.matrix)."""

from kam.activities import services
from kam.activities.models import GoalKind
from kam.activities.tests.factories import (
    AccountPlanFactory,
    ActivityFactory,
    PlanActionFactory,
    PlanGoalFactory,
)
from kam.testing.matrix import Row, account_pk, allowed

READ_NONE = "200 200 200 200 200 302"
READ_OWN = "200 200 200 200 200 302"
READ_FOREIGN = "200 200 404 404 200 302"
EDIT_OWN = "200 200 200 200 403 302"
EDIT_FOREIGN = "200 200 404 404 403 302"
POST_OWN = "302 302 302 302 403 302"
POST_FOREIGN = "302 302 404 404 403 302"


def objects(account, users) -> dict:
    plan = AccountPlanFactory(account=account)
    feed_token = services.calendar_feed_renew(user=account.owner)
    if account.owner.username != "alice":
        services.calendar_feed_renew(user=account.owner)  # the foreign token is a revoked one
    return {
        "activity": ActivityFactory(account=account, next_step="Angebot", next_step_due=None),
        "plan": plan,
        "action": PlanActionFactory(plan=plan, owner=account.owner),
        "margin_goal": PlanGoalFactory(plan=plan, kind=GoalKind.MARGIN),
        "feed_token": feed_token,
    }


def activity(objects: dict) -> dict:
    return {"pk": objects["activity"].pk}


def plan(objects: dict) -> dict:
    return {"plan_pk": objects["plan"].pk}


def new_action(objects: dict) -> dict:
    return {"plan_pk": objects["plan"].pk, "kind": "action"}


def action(objects: dict) -> dict:
    return {"plan_pk": objects["plan"].pk, "kind": "action", "item_pk": objects["action"].pk}


def margin_goal(objects: dict) -> dict:
    return {"plan_pk": objects["plan"].pk, "kind": "goal", "item_pk": objects["margin_goal"].pk}


def stakeholder(objects: dict) -> dict:
    return {"pk": objects["account"].pk, "stakeholder_pk": objects["stakeholder"].pk}


def feed(objects: dict) -> dict:
    return {"token": objects["feed_token"]}


QUICK = {"kind": "visit", "starts_at": "2026-01-05T10:00", "subject": "Besuch"}

ROWS = [
    Row("activities:list", "none", "get", READ_NONE),
    Row("activities:agenda", "none", "get", READ_NONE),
    Row("activities:coverage", "none", "get", READ_NONE),
    Row("activities:cadence_rules", "none", "get", allowed("can_manage_cadence", "200", "403")),
    Row("activities:feed_settings", "none", "get", READ_NONE),
    Row("activities:feed", "own", "get", "200 200 200 200 200 200", feed),
    Row("activities:feed", "foreign", "get", "404 404 404 404 404 404", feed),
    Row("activities:detail", "own", "get", READ_OWN, activity),
    Row("activities:detail", "foreign", "get", READ_FOREIGN, activity),
    Row("activities:update", "own", "get", EDIT_OWN, activity),
    Row("activities:update", "foreign", "get", EDIT_FOREIGN, activity),
    Row("activities:delete", "own", "get", EDIT_OWN, activity),
    Row("activities:delete", "foreign", "get", EDIT_FOREIGN, activity),
    Row("activities:next_step_done", "own", "post", POST_OWN, activity),
    Row("activities:next_step_done", "foreign", "post", POST_FOREIGN, activity),
    Row("activities:create", "own", "get", EDIT_OWN, account_pk),
    Row("activities:create", "foreign", "get", EDIT_FOREIGN, account_pk),
    Row("activities:quick_create", "own", "post", POST_OWN, account_pk, data=QUICK),
    Row("activities:quick_create", "foreign", "post", POST_FOREIGN, account_pk, data=QUICK),
    Row("activities:timeline", "own", "get", READ_OWN, account_pk),
    Row("activities:timeline", "foreign", "get", READ_FOREIGN, account_pk),
    Row(
        "activities:account_cadence",
        "own",
        "get",
        allowed("can_manage_cadence", "200", "403"),
        account_pk,
    ),
    Row("activities:account_cadence", "foreign", "get", "200 200 404 404 403 302", account_pk),
    Row("activities:relationship_owner", "own", "get", EDIT_OWN, stakeholder),
    Row("activities:relationship_owner", "foreign", "get", EDIT_FOREIGN, stakeholder),
    Row("activities:account_plan", "own", "get", "302 302 302 302 302 302", account_pk),
    Row("activities:account_plan", "foreign", "get", "302 302 404 404 302 302", account_pk),
    Row("activities:plan_create", "own", "get", EDIT_OWN, account_pk),
    Row("activities:plan_create", "foreign", "get", EDIT_FOREIGN, account_pk),
    Row("activities:plan_list", "none", "get", READ_NONE),
    Row("activities:plan_detail", "own", "get", READ_OWN, plan),
    Row("activities:plan_detail", "foreign", "get", READ_FOREIGN, plan),
    Row("activities:plan_print", "own", "get", READ_OWN, plan),
    Row("activities:plan_print", "foreign", "get", READ_FOREIGN, plan),
    Row("activities:plan_update", "own", "get", EDIT_OWN, plan),
    Row("activities:plan_update", "foreign", "get", EDIT_FOREIGN, plan),
    Row("activities:review_create", "own", "get", EDIT_OWN, plan),
    Row("activities:review_create", "foreign", "get", EDIT_FOREIGN, plan),
    Row("activities:item_create", "own", "get", EDIT_OWN, new_action),
    Row("activities:item_create", "foreign", "get", EDIT_FOREIGN, new_action),
    Row("activities:item_update", "own", "get", EDIT_OWN, action),
    Row("activities:item_update", "foreign", "get", EDIT_FOREIGN, action),
    # bob (field sales) has no margin permission: a margin goal does not exist for him.
    Row("activities:item_update", "own", "get", "200 200 200 404 403 302", margin_goal),
    Row("activities:item_delete", "own", "get", EDIT_OWN, action),
    Row("activities:item_delete", "foreign", "get", EDIT_FOREIGN, action),
]
