"""The workbench (工作台): the landing page's list of today's work. Each app contributes a provider
(in its AppConfig.ready) that returns the items a user has waiting in that app, each a count that
links to the list behind it. The workbench knows no app: supplies, requests and notices add their
items by registering a provider, without touching this module or the page.

A provider is given the user and returns items only for what the user may open; it reads through
its app's selectors, from rollups or indexed counts, so the landing page stays fast at city size."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from gongzhi.core.access import holds


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting: "未检测居民 1,234" linking to the list of them.

    `count` is None for an item that is not a count (a volunteer's next shift: `detail` says it).
    `urgent` shows the item in the alert colour (open recalls, a community nobody was sampled in).
    `share` (0-1) draws a progress bar, for coverage."""

    label: str | Promise
    url: str
    count: int | None = None
    detail: str | Promise = ""
    urgent: bool = False
    share: float | None = None


@dataclass(frozen=True)
class WorkSection:
    """The items of one app, under its heading (核酸检测, 志愿者, 居民 ...)."""

    title: str | Promise
    items: tuple[WorkItem, ...]
    order: int = 100
    # A line under the heading, e.g. the round the counts are for.
    subtitle: str | Promise = ""
    key: str = field(default="")


# provider(user, held): `held` is the set of the provider's capabilities the user holds somewhere
# (never empty: a provider is not asked for a user who holds none of them). Like the menu, it says
# which items to offer; the counts themselves are read inside the user's areas (visible_to).
Provider = Callable[[Any, frozenset[str]], list[WorkSection]]


@dataclass(frozen=True)
class _Registration:
    provider: Provider
    capabilities: tuple[str, ...]
    order: int


_PROVIDERS: dict[str, _Registration] = {}


def register(name: str, provider: Provider, *, capabilities: Iterable[str] = (), order: int = 100) -> None:
    """Add (or replace) a provider, asked for users who hold any of `capabilities` (every signed-in
    user when empty). Called from an app's AppConfig.ready()."""
    _PROVIDERS[name] = _Registration(provider, tuple(capabilities), order)


def sections_for(user: Any) -> list[WorkSection]:
    """The user's work, provider by provider in registration order, items in the provider's order.
    Sections with no item are left out."""
    sections: list[WorkSection] = []
    for name, registration in sorted(_PROVIDERS.items(), key=lambda kv: (kv[1].order, kv[0])):
        held = frozenset(c for c in registration.capabilities if holds(user, c))
        if registration.capabilities and not held:
            continue
        order = registration.order
        for section in registration.provider(user, held):
            if not section.items:
                continue
            sections.append(
                WorkSection(
                    title=section.title,
                    items=section.items,
                    order=section.order if section.order != 100 else order,
                    subtitle=section.subtitle,
                    key=section.key or name,
                )
            )
    return sorted(sections, key=lambda s: s.order)
