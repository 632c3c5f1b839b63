"""How the audit log names what it records: each entity in words ("阳性复核名单", not "recall"), its
rows by name ("张三", not a 26-character id), and areas by name. Apps register their entities in
their AppConfig.ready (core knows no app's tables); places registers the area names."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

Namer = Callable[[list[str]], dict[str, str]]  # public ids -> names


@dataclass(frozen=True)
class Entity:
    label: str | Promise
    names: Namer | None = None


_ENTITIES: dict[str, Entity] = {}
_AREA_NAMES: list[Callable[[list[str]], dict[str, str]]] = []

SHOWN_ROWS = 5


def register(entity: str, label: str | Promise, names: Namer | None = None) -> None:
    _ENTITIES[entity] = Entity(label, names)


def register_area_names(names: Callable[[list[str]], dict[str, str]]) -> None:
    _AREA_NAMES[:] = [names]


def described(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Each event with its entity's words, its area's name and its first rows' names: one lookup
    per entity and one for the areas, whatever the number of events on the page."""
    events = list(events)
    wanted: dict[str, set[str]] = {}
    for event in events:
        wanted.setdefault(event.entity, set()).update(event.row_ids[:SHOWN_ROWS])
    names: dict[str, dict[str, str]] = {}
    for entity, ids in wanted.items():
        known = _ENTITIES.get(entity)
        names[entity] = known.names(sorted(ids)) if known and known.names and ids else {}
    areas = _AREA_NAMES[0](sorted({e.area_code for e in events})) if _AREA_NAMES else {}
    out = []
    for event in events:
        known = _ENTITIES.get(event.entity)
        out.append(
            {
                "event": event,
                "entity": known.label if known else event.entity,
                "area": areas.get(event.area_code, event.area_code),
                "rows": [names[event.entity].get(i, i) for i in event.row_ids[:SHOWN_ROWS]],
            }
        )
    return out
