from django import forms

from kam.core.forms import StyledForm
from kam.notifications.models import NotificationPreference


class NotificationPreferenceForm(StyledForm, forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["by_mail"]
