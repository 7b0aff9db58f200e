"""The type-ahead picker: one widget for every choice of an account, stakeholder or user.

`Picker(url="search:pick_accounts")` replaces a select of a ModelChoiceField (the form still
validates the chosen id against the field's queryset); `Picker(..., multiple=True)` one of a
ModelMultipleChoiceField. The page renders a text box with the ARIA combobox pattern; while
typing it asks the URL (htmx) for options, and kam's combobox script (search/combobox.js)
lets the user choose with arrows, Enter and Escape, or the mouse. The labels of the current
value come from the field's queryset, one query for the chosen ids only (never the whole list).
"""

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.http import urlencode


class Picker(forms.Widget):
    template_name = "search/widgets/picker.html"

    def __init__(
        self,
        *,
        url: str,
        params: dict[str, Any] | None = None,
        include: str = "",
        multiple: bool = False,
        value_field: str = "pk",
        placeholder: Any = "",
        attrs: dict | None = None,
    ) -> None:
        super().__init__(attrs)
        self.url, self.params, self.include = url, params or {}, include
        self.allow_multiple_selected = multiple
        self.value_field = value_field
        self.placeholder = placeholder
        self.choices: Any = ()
        #: Where the labels of the current value come from, if not the field's queryset.
        self.label_queryset: Any = None

    def value_from_datadict(self, data, files, name):
        if self.allow_multiple_selected:
            chosen = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
            return [value for value in chosen if value]
        return data.get(name)

    def value_omitted_from_data(self, data, files, name) -> bool:
        return False if self.allow_multiple_selected else name not in data

    def format_value(self, value) -> list[str]:
        if value is None or value == "":
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(getattr(v, self.value_field, v)) for v in values if v not in (None, "")]

    def _labels(self, values: list[str]) -> list[tuple[str, str]]:
        queryset = self.label_queryset
        if queryset is None:
            queryset = getattr(self.choices, "queryset", None)
        if queryset is None or not values:
            return [(value, value) for value in values]
        if self.value_field == "pk" and not all(value.isdigit() for value in values):
            return []
        found = {
            str(getattr(obj, self.value_field)): str(obj)
            for obj in queryset.filter(**{f"{self.value_field}__in": values})
        }
        return [(value, found[value]) for value in values if value in found]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        selected = self._labels(context["widget"]["value"])
        query = f"?{urlencode(self.params)}" if self.params else ""
        context["widget"].update(
            {
                "selected": selected,
                "label": selected[0][1] if selected and not self.allow_multiple_selected else "",
                "multiple": self.allow_multiple_selected,
                "url": reverse(self.url) + query,
                "include": self.include,
                "placeholder": self.placeholder,
            }
        )
        return context

    def use_required_attribute(self, initial) -> bool:
        return False
