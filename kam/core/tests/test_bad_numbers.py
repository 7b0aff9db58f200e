"""A 23-digit number in any integer parameter is an invalid filter or a 4xx, never a 500 (#13.5).

Every GET URL of the permission matrix is called with each query parameter that any view or API
function reads (found in the source, so a new parameter is probed without editing this test) set
to 99999999999999999999999, and with each integer in its path set to that number.
"""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from kam.core.tests.test_permission_matrix import MATRIX, make_world, url_of  # noqa: F401

HUGE = "99999999999999999999999"
KAM = Path(__file__).resolve().parents[2]
#: ninja reads these from the signature of an API function (pagination, filters).
API_PARAMETERS = {"limit", "offset", "account", "page"}


def query_parameters() -> list[str]:
    found = set(API_PARAMETERS)
    for source in KAM.glob("*/*.py"):
        if source.name in {"views.py", "api.py", "selectors.py", "forms.py"}:
            found |= set(re.findall(r"""(?:GET|get)\.get\(\s*["'](\w+)["']""", source.read_text()))
    return sorted(found)


GET_ROWS = [row for row in MATRIX if row.method == "get" and row.target in ("none", "own")]
LIST_ROWS = [row for row in GET_ROWS if row.kwargs is None]


def test_the_probe_knows_the_filter_parameters():
    assert {"owner", "category", "account", "limit", "offset", "page", "person"} <= set(
        query_parameters()
    )


def probe(client: Client, url: str) -> list[str]:
    status = client.get(url).status_code
    return [f"{url} → {status}"] if status == 500 else []


@pytest.fixture
def world(make_world, root):  # noqa: F811
    objects = make_world()
    client = Client(raise_request_exception=False)
    client.force_login(root)
    return objects, client


def test_huge_numbers_in_query_parameters_are_no_server_error(world):
    objects, client = world
    failures = []
    for row in LIST_ROWS:
        url = url_of(row, objects.get(row.target, objects["own"]))
        separator = "&" if "?" in url else "?"
        for name in query_parameters():
            failures += probe(client, f"{url}{separator}{name}={HUGE}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("number", [HUGE, "-1", "\u00b2", "0x10"])
def test_bad_numbers_everywhere_at_once_on_every_page(world, number):
    objects, client = world
    everything = "&".join(f"{name}={number}" for name in query_parameters())
    failures = []
    for row in GET_ROWS:
        url = url_of(row, objects.get(row.target, objects["own"]))
        failures += probe(client, f"{url}{'&' if '?' in url else '?'}{everything}")
    assert not failures, "\n".join(failures)


def test_huge_numbers_in_paths_are_not_found(world):
    objects, client = world
    failures = []
    for row in GET_ROWS:
        if row.kwargs is None:
            continue
        kwargs = row.kwargs(objects.get(row.target, objects["own"]))
        for key in kwargs:
            if isinstance(kwargs[key], int):
                url = reverse(row.name, kwargs={**kwargs, key: int(HUGE)})
                failures += probe(client, url)
    assert not failures, "\n".join(failures)


def test_an_api_limit_beyond_the_bound_is_refused_with_a_reason(world):
    _, client = world
    response = client.get(reverse("api:list_accounts"), {"limit": HUGE})
    assert response.status_code == 422
    assert client.get(reverse("api:list_accounts"), {"offset": HUGE}).status_code == 422
