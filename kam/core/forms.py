from django import forms
from django.utils.translation import gettext_lazy as _

from kam.users.models import User


class StyledForm:
    """Gives every widget its Bootstrap class, so templates stay plain."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class UserSettingsForm(StyledForm, forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language"]
        labels = {"language": _("Interface language")}
