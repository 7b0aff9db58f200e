from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kam.core.forms import StyledForm
from kam.sales.models import ImportProfile
from kam.sales.reading import CANONICAL_FIELDS, REQUIRED_FIELDS

ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
FIELD_LABELS = {
    "customer_number": _("Customer number"),
    "customer_name": _("Customer name"),
    "invoice_number": _("Invoice number"),
    "line_number": _("Invoice line"),
    "invoice_date": _("Invoice date"),
    "product_number": _("Product number"),
    "product_name": _("Product name"),
    "quantity": _("Quantity"),
    "net_revenue": _("Net revenue"),
    "contribution_margin": _("Contribution margin"),
    "cost": _("Cost of goods"),
    "currency": _("Currency"),
    "sales_rep": _("Sales rep"),
    "freight": _("Freight (optional, ERP)"),
    "packaging": _("Packaging (optional, ERP)"),
    "handling": _("Special handling (optional, ERP)"),
}


class UploadForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("Export file (CSV or XLSX)"),
        help_text=_("Exports from SAP, DATEV, Sage, Business Central, lexoffice …"),
    )
    profile = forms.ModelChoiceField(
        label=_("Import profile"),
        queryset=ImportProfile.objects.all(),
        required=False,
        empty_label=_("detect columns automatically"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(
                _("Please upload a CSV or XLSX file (%(name)s is neither)."),
                params={"name": upload.name},
            )
        limit = settings.KAM_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB."), params={"mb": settings.KAM_MAX_UPLOAD_MB}
            )
        return upload


class MappingForm(StyledForm, forms.Form):
    """One choice of heading per canonical field, prefilled with what was detected."""

    profile_name = forms.CharField(label=_("Save as profile"), required=False, max_length=100)

    def __init__(self, *args, headings: list[str], detected: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((h, h) for h in headings)]
        for name in CANONICAL_FIELDS:
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=FIELD_LABELS[name],
                choices=choices,
                required=name in REQUIRED_FIELDS,
                initial=detected.get(name, ""),
            )
            self.fields[f"map_{name}"].widget.attrs["class"] = "form-select form-select-sm"
        self.order_fields([f"map_{name}" for name in CANONICAL_FIELDS])

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"map_{name}"] for name in CANONICAL_FIELDS}
