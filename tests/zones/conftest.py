import threading

import pytest
from django.db import connection

from gongzhi.zones import services

POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def read_together(monkeypatch):
    """Call it to hold two threads' zone writes at the point where each has read the open zones and not yet
    inserted (zones.services._Places comes between), so both insert over the same area: the race two
    labs' positives in one building make. Only PostgreSQL lets two writing transactions overlap
    (SQLite begins them IMMEDIATE, one at a time), so there the tests run them one after another."""

    def hold() -> None:  # called once the test's own zones are made
        if not POSTGRESQL:
            return
        both_read = threading.Barrier(2, timeout=20)
        seen = threading.local()
        real = services._Places

        def places_once_both_have_read(proposals):
            if not getattr(seen, "waited", False):
                seen.waited = True
                both_read.wait()
            return real(proposals)

        monkeypatch.setattr(services, "_Places", places_once_both_have_read)

    return hold
