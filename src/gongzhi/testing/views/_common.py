"""The grid or building a page is narrowed to, shared by the round, coverage and recall pages."""

from gongzhi.core import roles
from gongzhi.places.selectors import PlaceFilter, place_filter_asked


def _place(request) -> PlaceFilter | None:
    """The grid or building a list is narrowed to (`?grid=` / `?building=`): 404 outside the user's."""
    return place_filter_asked(user=request.user, asked=request.GET, capability=roles.VIEW_TESTING)
