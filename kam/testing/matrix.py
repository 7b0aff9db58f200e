"""The permission matrix's vocabulary, shared by every app's `tests/matrix.py`.

An app adds its URLs to the matrix with a module `kam/<app>/tests/matrix.py` that defines
`ROWS: list[Row]` and, when its URLs need objects of its own, `objects(account, users) -> dict`,
called once for alice's account (`own`) and once for carol's (`foreign`).
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


def account_pk(objects: dict) -> dict:
    return {"pk": objects["account"].pk}
