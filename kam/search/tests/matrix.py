"""The search and picker URLs in the permission matrix (see kam.testing.matrix): every user
may search and pick; what they find is scoped (kam/search/tests/test_pickers.py)."""

from kam.testing.matrix import Row

EVERYONE = "200 200 200 200 200 302"
ROWS = [
    Row("search:results", "none", "get", EVERYONE, query="q=test"),
    Row("search:suggest", "none", "get", EVERYONE, query="q=test"),
    Row("search:pick_accounts", "none", "get", EVERYONE, query="q=test"),
    Row("search:pick_stakeholders", "none", "get", EVERYONE, query="q=test"),
    Row("search:pick_users", "none", "get", EVERYONE, query="q=test"),
]
