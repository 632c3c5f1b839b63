"""The database router used when GONGZHI_REPLICA_URL is set (settings/base.py).

Reads go to the primary unless they run inside `core.replica.reading_from_replica()` (dashboards,
reports, exports) and outside any transaction on the primary (a read after a write in the same
transaction must see it). Writes always go to the primary; only the primary is migrated (the replica
follows it by streaming replication)."""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from gongzhi.core.replica import REPLICA, replica_tolerated

ALIASES = frozenset({DEFAULT_DB_ALIAS, REPLICA})


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        if replica_tolerated() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: a row read from either may point to one from the other.
        if obj1._state.db in ALIASES and obj2._state.db in ALIASES:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
