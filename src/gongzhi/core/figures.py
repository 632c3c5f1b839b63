"""The command view's figures: each domain app registers what a commander asks of it (coverage and
untested, positives and open recalls, zones by kind, days of supply and late orders, requests open
and past their time, volunteers on duty and hours) and a counter that gives those figures per
community, set-wise, from its own rollups and indexes. The command app keeps the counts in its
rollup and sums them up the area tree; it knows no app, and no app reads another's tables.

A figure is a sum over communities, so an area's figure is the sum of its communities'. A figure
that is a ratio (days of supply, a share) is `derived` from summed parts at the level shown."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.utils.functional import Promise

# counter() -> {figure key: {community code (12 digits, or a street's or district's own code for a
# zone on that level): value}}; keys it does not return count as 0.
Counter = Callable[[], Mapping[str, Mapping[str, float]]]
# inside(community code) -> {figure key: {("grid", grid id) or ("building", building id): value}}: the
# figures of the community's grids and buildings, counted live from that one community's rows.
Place = tuple[str, int]
Inside = Callable[[str], Mapping[str, Mapping[Place, float]]]
# link(area code) -> the URL of the list behind a figure, or "" when there is none for that area.
Link = Callable[[str], str]


@dataclass(frozen=True)
class Figure:
    key: str  # "<app>.<what>": the rollup's key
    label: str | Promise
    group: str | Promise  # the heading it is shown under (核酸检测, 风险区, 物资保供, 诉求, 志愿者)
    capability: str  # who may follow its link (the figure itself is a count and shown to every viewer)
    link: Link | None = None
    urgent: bool = False  # shown in the alert colour when above 0
    unit: str | Promise = ""
    # computed at the level shown from the summed values of other keys (days of supply: stock over
    # need); None where it cannot be said. A derived figure is not counted by the counter.
    derived: Callable[[Mapping[str, float]], float | None] | None = None
    hidden: bool = False  # a part of a derived figure, not shown itself
    in_children: bool = False  # also a column of the table of the area's children
    # its list narrows to a grid or a building (`?grid=` / `?building=` added to the link): a grid's
    # or building's figure links only when it does, never to the whole community's list
    places: bool = False


@dataclass(frozen=True)
class _Registration:
    figures: tuple[Figure, ...]
    counter: Counter
    order: int
    inside: Inside | None


_APPS: dict[str, _Registration] = {}


def register(
    app: str, figures: list[Figure], counter: Counter, *, order: int = 100, inside: Inside | None = None
) -> None:
    """Add (or replace) an app's figures, its counter and (for figures a grid or building has) its
    inside counter. Called from an app's AppConfig.ready()."""
    _APPS[app] = _Registration(tuple(figures), counter, order, inside)


def all_figures() -> list[Figure]:
    """Every registered figure, app by app in order, each app's in its own order."""
    return [f for _n, r in sorted(_APPS.items(), key=lambda kv: (kv[1].order, kv[0])) for f in r.figures]


def count_all() -> dict[str, dict[str, float]]:
    """Every counted figure per community: {key: {code: value}}, zeros left out."""
    out: dict[str, dict[str, float]] = {}
    for _name, registration in sorted(_APPS.items(), key=lambda kv: (kv[1].order, kv[0])):
        counted = registration.counter()
        for figure in registration.figures:
            if figure.derived is not None:
                continue
            values = {code: float(v) for code, v in counted.get(figure.key, {}).items() if v}
            out[figure.key] = values
    return out


def count_inside(community_code: str) -> tuple[dict[Place, dict[str, float]], frozenset[str]]:
    """The figures of one community's grids and buildings, {place: {key: value}}, and the keys known
    there: those the apps that count inside a community return (the others' are not known below a
    community, and shown as "—")."""
    out: dict[Place, dict[str, float]] = {}
    known: set[str] = set()
    for _name, registration in sorted(_APPS.items(), key=lambda kv: (kv[1].order, kv[0])):
        if registration.inside is None:
            continue
        for key, per_place in registration.inside(community_code).items():
            known.add(key)
            for place, value in per_place.items():
                if value:
                    out.setdefault(place, {})[key] = float(value)
    return out, frozenset(known)


def by_place(keys: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, dict[Place, float]]:
    """An inside counter's result from rows of (building id, grid id or None, one count per key): each
    count goes to its building and to the building's grid."""
    out: dict[str, dict[Place, float]] = {k: {} for k in keys}
    for building_id, grid_id, *counts in rows:
        places = [("building", building_id)] + ([("grid", grid_id)] if grid_id is not None else [])
        for key, n in zip(keys, counts, strict=True):
            for place in places:
                out[key][place] = out[key].get(place, 0) + n
    return out


def values_for(summed: Mapping[str, float], known: frozenset[str] | None = None) -> dict[str, float | None]:
    """The figures of one area from its summed counts: counted ones as summed (0 when absent; None
    when `known` is given and leaves the key out), derived ones computed from them."""
    values: dict[str, float | None] = {}
    for figure in all_figures():
        if figure.derived is not None:
            values[figure.key] = figure.derived(summed)
        elif known is not None and figure.key not in known:
            values[figure.key] = None
        else:
            values[figure.key] = float(summed.get(figure.key, 0.0))
    return values


def figure_rows(
    values: Mapping[str, float | None],
    *,
    area_code: str,
    may: Callable[[str], bool],
    place: Mapping[str, str] | None = None,
) -> list[Any]:
    """The shown figures grouped by heading: [(group, [(figure, value, url), ...])]; a figure links
    to its list only when the viewer `may` use the figure's capability over the area. For a grid or a
    building (`place`: {"grid": id} or {"building": id}) only a known figure whose list narrows to
    the place links, with the place added to its link."""
    groups: dict[Any, list[tuple[Figure, float | None, str]]] = {}
    allowed: dict[str, bool] = {}
    for figure in all_figures():
        if figure.hidden:
            continue
        if figure.capability not in allowed:
            allowed[figure.capability] = may(figure.capability)
        url = figure.link(area_code) if figure.link is not None and allowed[figure.capability] else ""
        if url and place is not None:
            narrows = figure.places and values.get(figure.key) is not None
            url = f"{url}&{urlencode(dict(place))}" if narrows else ""
        groups.setdefault(figure.group, []).append((figure, values.get(figure.key), url))
    return list(groups.items())
