"""What the supplies pages share: the area a page is about (core.page_area)."""

from gongzhi.core.page_area import area_in_scope, community_in_scope

__all__ = ["area_in_scope", "community_in_scope"]
