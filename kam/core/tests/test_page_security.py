"""The Content-Security-Policy is on every HTML page, and no template needs what it forbids:
inline script, inline event handlers, javascript: URLs, htmx's evaluated hx-on attributes."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from kam.testing.factories import AccountFactory

TEMPLATES = sorted(Path(__file__).resolve().parents[2].glob("*/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
EVALUATED = re.compile(r"javascript:|\bhx-on|\bhx-vals=[\"']js:", re.IGNORECASE)


def test_the_templates_are_found():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER, EVALUATED],
    ids=["script", "style", "handler", "eval"],
)
def test_no_template_has_inline_script(pattern):
    found = [
        f"{path.relative_to(path.parents[3])}:{n}"
        for path in TEMPLATES
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_the_policy_allows_only_kams_own_scripts(client):
    policy = _policy(client.get(reverse("login")))

    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["leader", "alice"])
def test_every_html_page_has_the_policy(request, user):
    account = AccountFactory(owner=request.getfixturevalue("alice"))
    client = Client()
    client.force_login(request.getfixturevalue(user))
    paths = [
        reverse("home"),
        reverse("accounts:list"),
        reverse("accounts:detail", args=[account.pk]),
        reverse("accounts:update", args=[account.pk]),
        reverse("complaints:list"),
        reverse("settings"),
        "/no-such-page/",
    ]
    for path in paths:
        response = client.get(path)
        assert response["Content-Type"].startswith("text/html"), path
        assert "script-src 'self'" in response.headers.get("Content-Security-Policy", ""), path


#: Longer template lines hide what a page does; break them where HTML collapses whitespace
#: (between attributes, at a space in text, `blocktranslate trimmed` for long messages).
LONGEST_TEMPLATE_LINE = 200


def test_template_lines_stay_short():
    long = [
        f"{path}:{n}"
        for path in TEMPLATES
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if len(line) > LONGEST_TEMPLATE_LINE
    ]
    assert long == []
