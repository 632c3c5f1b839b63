"""The menu: entries each app contributes (in its AppConfig.ready), shown to users who hold the
entry's capability somewhere. Navigation only: what a user may do to a row is decided against that
row's area (core.access.may), never here."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

from gongzhi.core import roles
from gongzhi.core.access import holds


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    # Any one of these will do; empty for everyone signed in.
    capabilities: tuple[str, ...]
    order: int


_ENTRIES: dict[str, NavEntry] = {}


def register(url_name: str, label: str | Promise, *, capabilities: Iterable[str] = (), order: int = 100) -> None:
    """Add (or replace) a menu entry. Called from an app's AppConfig.ready()."""
    _ENTRIES[url_name] = NavEntry(url_name, label, tuple(capabilities), order)


def entries_for(user: object) -> list[NavEntry]:
    """The entries this user may open, in menu order."""
    return [
        e
        for e in sorted(_ENTRIES.values(), key=lambda e: (e.order, e.url_name))
        if not e.capabilities or any(holds(user, c) for c in e.capabilities)
    ]


class HeldCapabilities:
    """For templates: `{% if held.residents_export %}` shows a button that leads to a page the user
    may open somewhere. Never a decision about a row."""

    _NAMES = {v.replace(".", "_"): v for k, v in vars(roles).items() if k.isupper() and isinstance(v, str) and "." in v}

    def __init__(self, user: object) -> None:
        self._user = user

    def __getitem__(self, key: str) -> bool:
        capability = self._NAMES.get(key)
        if capability is None:
            raise KeyError(key)
        return holds(self._user, capability)


def shell(request: HttpRequest) -> dict[str, object]:
    """Context processor: the menu and the capabilities held, for the base template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    nav = [{"url": reverse(e.url_name), "label": e.label, "name": e.url_name} for e in entries_for(user)]
    return {"nav": nav, "held": HeldCapabilities(user)}
