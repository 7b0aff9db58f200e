"""The cockpit URLs in the permission matrix (see kam.testing.matrix).

Every cockpit page is open to every role, scoped to the accounts the role may see; the Lorenz
curve (company-wide concentration) is leadership's only. Account URLs answer 404 for accounts
the user cannot see.
"""

from kam.testing.matrix import Row, account_pk, allowed


def export_kwargs(kind: str, fmt: str):
    return lambda objects: {"kind": kind, "fmt": fmt}


ALL = "200 200 200 200 200 302"

ROWS = [
    Row("cockpit:abc", "none", "get", ALL),
    Row("cockpit:tomorrow", "none", "get", ALL),
    Row("cockpit:kpis", "none", "get", ALL),
    Row("cockpit:loss", "own", "get", ALL, account_pk),
    Row("cockpit:loss", "foreign", "get", "200 200 404 404 200 302", account_pk),
    Row("cockpit:group_figures", "own", "get", ALL, account_pk),
    Row("cockpit:group_figures", "foreign", "get", "200 200 404 404 200 302", account_pk),
    Row("cockpit:export", "none", "get", ALL, export_kwargs("abc", "csv")),
    Row("cockpit:export", "none", "get", ALL, export_kwargs("tomorrow", "xlsx")),
    Row("cockpit:export", "none", "get", ALL, export_kwargs("kpis", "csv")),
    Row("cockpit:export", "none", "get", "404 404 404 404 404 302", export_kwargs("x", "csv")),
    Row("cockpit:chart_abc", "none", "get", ALL),
    Row("cockpit:chart_lorenz", "none", "get", allowed("can_see_company_portfolio", "200", "404")),
    Row("cockpit:chart_portfolio", "none", "get", ALL),
    Row("cockpit:chart_kpis", "none", "get", ALL),
    Row("cockpit:chart_account", "own", "get", ALL, account_pk),
    Row("cockpit:chart_account", "foreign", "get", "200 200 404 404 200 302", account_pk),
]
