"""The notification URLs in the permission matrix (see kam.testing.matrix): every user has an
inbox; one user's notification is not found for another."""

from kam.notifications.services import notify
from kam.testing.matrix import Row


def objects(account, users) -> dict:
    notification = notify(
        recipient=users["alice"], kind="mention", title=f"Look at {account.name}", url="/"
    )
    return {"notification": notification}


def notification_pk(objects: dict) -> dict:
    return {"pk": objects["notification"].pk}


# root, leader, alice (the recipient), bob, sam, anonymous
ROWS = [
    Row("notifications:inbox", "none", "get", "200 200 200 200 200 302"),
    Row("notifications:bell", "none", "get", "200 200 200 200 200 302"),
    Row("notifications:worklist", "none", "get", "200 200 200 200 200 302"),
    Row("notifications:settings", "none", "get", "200 200 200 200 200 302"),
    Row("notifications:read_all", "none", "post", "302 302 302 302 302 302"),
    Row("notifications:read_all", "none", "get", "405 405 405 405 405 302"),
    Row("notifications:open", "own", "post", "404 404 302 404 404 302", notification_pk),
    Row("notifications:read", "own", "post", "404 404 302 404 404 302", notification_pk),
    Row("notifications:read", "own", "get", "405 405 405 405 405 302", notification_pk),
]
