from django.template import Context, Template
from django.utils import translation


def test_a_translated_tile_label_shows_a_single_percent_sign():
    template = Template(
        '{% load components %}{% kpi_tile label=_("Margin %") %}12,5 %{% endkpi_tile %}'
    )

    with translation.override("de"):
        html = template.render(Context())

    assert "Marge %" in html and "%%" not in html
