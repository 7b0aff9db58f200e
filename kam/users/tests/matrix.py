"""The API-token pages in the permission matrix (see kam.testing.matrix)."""

from kam.testing.matrix import Row
from kam.users.services import access_token_create


def objects(account, users) -> dict:
    token, _secret = access_token_create(user=users["alice"], name="ERP")
    return {"token_of_alice": token}


def token_pk(objects: dict) -> dict:
    return {"pk": objects["token_of_alice"].pk}


# root, leader, alice (owns the token), bob, sam, anonymous: another user's token is not found.
ROWS = [
    Row("users:tokens", "none", "get", "200 200 200 200 200 302"),
    Row("users:token_revoke", "own", "post", "404 404 302 404 404 302", token_pk),
]
