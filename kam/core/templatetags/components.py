"""Page components shared by every app's templates: `{% load components %}`.

{% kpi_tile label=_("Growth") figure="growth" %}{{ total.growth|percent }}{% endkpi_tile %}
    one KPI tile (core/_kpi_tile.html): the label, the value (the tag's content), optional
    figure (data-figure of the value, for tests), note and note_figure (a small line below),
    col (the grid column, default "col-6 col-md-3").
The sort header is an include: core/_sort_header.html.
"""

from django import template
from django.template.base import FilterExpression, NodeList, token_kwargs
from django.template.loader import render_to_string

register = template.Library()

TILE_DEFAULTS = {"col": "col-6 col-md-3", "figure": "", "note": "", "note_figure": ""}


class KpiTileNode(template.Node):
    def __init__(self, options: dict[str, FilterExpression], nodelist: NodeList) -> None:
        self.options = options
        self.nodelist = nodelist

    def render(self, context) -> str:
        values = {**TILE_DEFAULTS, **{k: _resolve(v, context) for k, v in self.options.items()}}
        values["value"] = self.nodelist.render(context)
        return render_to_string("core/_kpi_tile.html", values)


def _resolve(expression: FilterExpression, context):
    """A `_("…")` literal comes back with its percent signs doubled (Django escapes them for
    string formatting, and only `{% translate %}` restores them): "Marge %%" must read "Marge %"."""
    value = expression.resolve(context)
    if getattr(expression.var, "translate", False) and value is not None:
        return str(value).replace("%%", "%")
    return value


@register.tag
def kpi_tile(parser, token) -> KpiTileNode:
    bits = token.split_contents()[1:]
    options = token_kwargs(bits, parser)
    if bits or "label" not in options:
        raise template.TemplateSyntaxError(
            "kpi_tile takes label=… and optional figure, note, note_figure, col"
        )
    unknown = set(options) - {"label", *TILE_DEFAULTS}
    if unknown:
        raise template.TemplateSyntaxError(f"kpi_tile: unknown options {sorted(unknown)}")
    nodelist = parser.parse(("endkpi_tile",))
    parser.delete_first_token()
    return KpiTileNode(options, nodelist)
