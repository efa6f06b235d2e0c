from rapport.core.navigation import nav_for
from rapport.org.scope import scope_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = scope_for(user)
    return {"nav_items": nav_for(scope), "user_scope": scope}
