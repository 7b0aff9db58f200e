"""The worklist contract: every app's items, sorted by due date, undated last."""

from datetime import date

from kam.core import plugins
from kam.core.plugins import WorkItem


def test_worklist_collects_every_provider_sorted_by_due_date(monkeypatch):
    def first(user):
        return [
            WorkItem("a", "later", "/a/", date(2026, 3, 5)),
            WorkItem("a", "undated", "/u/", None),
        ]

    def second(user):
        return [
            WorkItem("b", "soon, info", "/b/", date(2026, 3, 1), "info"),
            WorkItem("b", "soon, overdue", "/c/", date(2026, 3, 1), "danger"),
        ]

    monkeypatch.setattr(plugins, "app_hooks", lambda module, function: [first, second])

    titles = [item.title for item in plugins.worklist(object())]

    assert titles == ["soon, overdue", "soon, info", "later", "undated"]


def test_a_failing_provider_does_not_empty_the_worklist(monkeypatch):
    def broken(user):
        raise RuntimeError("bug")

    def working(user):
        return [WorkItem("a", "still here", "/a/", None)]

    monkeypatch.setattr(plugins, "app_hooks", lambda module, function: [broken, working])

    assert [item.title for item in plugins.worklist(object())] == ["still here"]
