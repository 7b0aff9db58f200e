from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    from kam.sales.selectors import can_import_sales

    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    return {
        "nav_section": match.namespace if match else "",
        "can_import_sales": bool(user and can_import_sales(user)),
    }
