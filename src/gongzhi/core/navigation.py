"""The menu: entries each app contributes (in its AppConfig.ready), shown to users who hold the
entry's capability somewhere. Navigation only: what a user may do to a row is decided against that
row's area (core.access.may), never here. And `next_url`, where a form goes back to."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme

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


def next_url(request: HttpRequest, fallback: str) -> str:
    """Where a form goes back to: the `next` it names (POST, else GET) when that is a path on this
    site, else `fallback`. Only a path will do ("/volunteers/?status=pending"): no scheme or host
    (https://evil.example/, //evil.example, /\\evil.example, or this site over plain http), no
    relative path, no whitespace or control character (browsers drop some and read the rest as
    another host). Every page that reads `next` asks here."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not any(ch <= " " or ch == "\x7f" for ch in target)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback
