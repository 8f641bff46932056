"""What the base layout shows on every page: business date, navigation, roles of the page."""

from django.urls import reverse

from servicing.registry import NAV_ITEMS
from servicing.roles import user_roles


def layout(request) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from servicing.business_date import get_business_date

    roles = user_roles(request.user)
    nav: dict[str, list[dict]] = {"main": [], "ops": [], "admin": []}
    current = request.resolver_match.url_name if request.resolver_match else None
    for item in NAV_ITEMS:
        if roles & set(item.roles):
            nav[item.section].append(
                {
                    "label": item.label,
                    "url": reverse(item.url_name),
                    "active": item.url_name == current,
                }
            )
    view = request.resolver_match.func if request.resolver_match else None
    page_roles = getattr(view, "allowed_roles", None) or getattr(
        getattr(view, "view_class", None), "allowed_roles", None
    )
    return {
        "business_date": get_business_date(),
        "nav": nav,
        "user_roles": sorted(roles),
        "page_roles": page_roles,
    }
