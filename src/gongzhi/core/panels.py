"""Panels on another app's detail page: the household page (people) shows each member's results by
round (testing), and later the household's orders and requests, without people importing testing.
Each app registers a provider for a page name in its AppConfig.ready; the page's view asks
`panels_for(page, request, row)` and includes each panel's template with its context.

A provider decides for itself, against the row's own area (core.access.may), whether the viewer may
see what it shows, and returns None when not."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise


@dataclass(frozen=True)
class Panel:
    title: str | Promise
    template: str
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[HttpRequest, Any], Panel | None]

_PROVIDERS: dict[str, dict[str, tuple[int, Provider]]] = {}


def register(page: str, name: str, provider: Provider, *, order: int = 100) -> None:
    """Add (or replace) a panel of `page` ("household", "household_door", "resident", "building", "grid")."""
    _PROVIDERS.setdefault(page, {})[name] = (order, provider)


def panels_for(page: str, request: HttpRequest, row: Any) -> list[Panel]:
    found = []
    for _name, (_order, provider) in sorted(_PROVIDERS.get(page, {}).items(), key=lambda kv: (kv[1][0], kv[0])):
        panel = provider(request, row)
        if panel is not None:
            found.append(panel)
    return found
