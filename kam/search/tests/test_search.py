"""The global search: umlaut- and case-insensitive, ranked, scoped, kept current."""

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.accounts import services as account_services
from kam.accounts.search import accounts_matching, stakeholders_matching
from kam.complaints.tests.factories import make_complaint
from kam.core.plugins import global_search
from kam.search.collation import german, german_sort_key
from kam.search.index import index_rebuild, matches
from kam.search.normalise import search_key
from kam.testing.factories import AccountFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

UMLAUT_SPELLINGS = {"ä": ["a", "ae"], "ö": ["o", "oe"], "ü": ["u", "ue"], "ß": ["ss"]}


@st.composite
def name_and_spelling(draw):
    """A German-looking name and the same name written without umlauts, in any case."""
    letters = st.sampled_from(list("abcdefghiklmnoprstuvwzäöüß -"))
    name = draw(st.text(letters, min_size=1, max_size=20).filter(lambda n: n.strip(" -")))
    spelled = "".join(
        draw(st.sampled_from(UMLAUT_SPELLINGS[char])) if char in UMLAUT_SPELLINGS else char
        for char in name
    )
    upper = draw(st.booleans())
    return (name.upper() if upper else name.title()), spelled


@given(name_and_spelling())
@settings(max_examples=300)
def test_a_name_and_its_ascii_spelling_have_one_key(pair):
    name, spelled = pair
    assert search_key(name) == search_key(spelled)


def test_the_usual_spellings_meet():
    keys = {search_key(n) for n in ("Böhm", "Boehm", "BOHM", "bohm", "böhm")}
    assert keys == {"bohm"}
    assert search_key("Straße") == search_key("STRASSE") == search_key("strasse")
    assert search_key("Müller-Lüdenscheidt GmbH") == "muller ludenscheidt gmbh"


@given(name_and_spelling())
@settings(max_examples=25, deadline=None)
def test_an_account_is_found_by_any_spelling_of_its_name(pair):
    name, spelled = pair
    account = account_services.account_create(customer_number="X-1", name=name)
    try:
        found = matches("account", spelled, account_ids=None)
        found_back = matches("account", name, account_ids=None)
        if len(search_key(name).replace(" ", "")) >= 2:
            assert account.pk in found and account.pk in found_back
    finally:
        account_services.account_delete(account=account)


def test_bohm_finds_bohm_and_boehm(leader):
    bohm = AccountFactory(name="Böhm Maschinenbau GmbH", customer_number="10001")
    boehm = AccountFactory(name="Boehm Logistik", customer_number="10002")
    AccountFactory(name="Brandt AG", customer_number="10003")
    index_rebuild()

    for query in ("bohm", "BÖHM", "boehm"):
        assert {a for a, _t in accounts_matching(leader, query)} == {bohm, boehm}, query


def test_ranking_exact_number_then_prefix_then_word(leader):
    word = AccountFactory(name="Schmidt Hansa Werke", customer_number="20001")
    prefix = AccountFactory(name="Hansa Metall", customer_number="20002")
    number = AccountFactory(name="Nord Logistik", customer_number="HANSA")
    number_prefix = AccountFactory(name="Ost Logistik", customer_number="HANSA-2")
    index_rebuild()

    found = [a for a, _tier in accounts_matching(leader, "hansa")]

    assert found == [number, number_prefix, prefix, word]


def test_a_city_finds_the_account_after_its_name(leader):
    by_city = AccountFactory(name="Alpha GmbH", city="München", customer_number="30001")
    by_name = AccountFactory(name="Münchener Rück", city="Köln", customer_number="30002")
    index_rebuild()

    assert [a for a, _t in accounts_matching(leader, "munchen")] == [by_name, by_city]


def test_several_words_must_all_match(leader):
    both = AccountFactory(name="Böhm Maschinenbau", customer_number="40001")
    AccountFactory(name="Böhm Logistik", customer_number="40002")
    index_rebuild()

    assert [a for a, _t in accounts_matching(leader, "bohm masch")] == [both]


def test_the_search_is_scoped_to_the_visible_accounts(alice, carol, bob, sam):
    own = AccountFactory(owner=alice, name="Böhm Süd", customer_number="50001")
    foreign = AccountFactory(owner=carol, name="Böhm Nord", customer_number="50002")
    StakeholderFactory(account=foreign, last_name="Böhmer", first_name="Eva")
    index_rebuild()

    assert [a for a, _t in accounts_matching(alice, "bohm")] == [own]
    assert accounts_matching(bob, "bohm") == []  # alice's report sees none of hers
    assert {a for a, _t in accounts_matching(sam, "bohm")} == {own, foreign}
    assert stakeholders_matching(alice, "bohmer") == []
    groups = global_search(alice, "bohm")
    assert [hit.title for hit in groups["account"]] == ["Böhm Süd"] and "stakeholder" not in groups


def test_complaints_by_number_and_subject(alice):
    account = AccountFactory(owner=alice, customer_number="60001")
    complaint = make_complaint(account, alice, subject="Lieferung beschädigt")

    by_number = global_search(alice, complaint.number)["complaint"]
    by_subject = global_search(alice, "beschadigt")["complaint"]

    assert by_number[0].tier == 0 and by_number[0].url == f"/complaints/{complaint.pk}/"
    assert [hit.url for hit in by_subject] == [by_number[0].url]


def test_services_keep_the_index_current(leader):
    account = account_services.account_create(customer_number="70001", name="Alt GmbH")
    account_services.account_update(account=account, data={"name": "Jörg Neu GmbH"})
    person = StakeholderFactory.build(account=account, first_name="Jürgen", last_name="Weiß")
    account_services.stakeholder_save(stakeholder=person)

    assert matches("account", "alt", account_ids=None) == {}
    assert account.pk in matches("account", "joerg", account_ids=None)
    assert person.pk in matches("stakeholder", "weiss juergen", account_ids=None)

    account_services.stakeholder_delete(stakeholder=person)
    assert matches("stakeholder", "weiss", account_ids=None) == {}


def test_german_order_puts_bohm_before_brandt(leader):
    for name in ("Brandt", "Böhm", "Bauer", "Zander", "Ärzte eG"):
        AccountFactory(name=name)
    from kam.accounts.models import Account

    names = list(Account.objects.order_by(german("name")).values_list("name", flat=True))

    assert names == ["Ärzte eG", "Bauer", "Böhm", "Brandt", "Zander"]
    assert sorted(names, key=german_sort_key) == names


def test_the_results_page_groups_by_kind_and_escapes(client, leader):
    account = AccountFactory(name="<b>Böhm</b> & Söhne", customer_number="80001")
    StakeholderFactory(account=account, last_name="Böhm", first_name="Anna")
    index_rebuild()
    client.force_login(leader)

    page = client.get(reverse("search:results"), {"q": "bohm"}).content.decode()

    assert 'data-kind="account"' in page and 'data-kind="stakeholder"' in page
    assert "&lt;b&gt;Böhm&lt;/b&gt; &amp; Söhne" in page and "<b>Böhm</b>" not in page


def test_the_suggestions_link_to_their_objects(client, leader):
    account = AccountFactory(name="Böhm Pumpen", customer_number="90001")
    index_rebuild()
    client.force_login(leader)

    html = client.get(reverse("search:suggest"), {"q": "boehm"}).content.decode()

    assert f'data-url="/accounts/{account.pk}/"' in html and 'role="option"' in html


def test_a_huge_or_odd_query_does_not_crash(client, leader):
    client.force_login(leader)
    for query in ("a" * 100_000, "\x00", "%_", "ä", "  "):
        assert client.get(reverse("search:results"), {"q": query}).status_code == 200
        assert client.get(reverse("search:suggest"), {"q": query}).status_code == 200


def test_the_account_lists_box_finds_umlauts_and_sorts_in_german_order(client, leader):
    for name in ("Brandt AG", "Böhm KG", "Boehm GmbH", "Bauer OHG"):
        AccountFactory(name=name)
    client.force_login(leader)

    found = client.get(reverse("accounts:list"), {"q": "bohm"})
    listed = client.get(reverse("accounts:list"))

    assert {a.name for a in found.context["page"]} == {"Böhm KG", "Boehm GmbH"}
    names = [a.name for a in listed.context["page"]]
    assert names.index("Bauer OHG") < names.index("Böhm KG") < names.index("Brandt AG")


def test_one_statement_for_every_kind_answers_as_each_kind_alone(alice, carol):
    from kam.search.index import matches_of_kinds, visible_account_ids

    own = AccountFactory(owner=alice, name="Böhm Süd", customer_number="BOHM-1")
    StakeholderFactory(account=own, last_name="Böhm", first_name="Eva")
    foreign = AccountFactory(owner=carol, name="Böhm Nord")
    StakeholderFactory(account=foreign, last_name="Böhmer", first_name="Ina")
    scope = visible_account_ids(alice)

    together = matches_of_kinds(["account", "stakeholder"], "bohm", account_ids=scope)

    assert together == {
        kind: matches(kind, "bohm", account_ids=scope) for kind in ("account", "stakeholder")
    }
    assert set(together["account"]) == {own.pk}
