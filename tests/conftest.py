"""Shared fixtures. Under CI=true nothing may be skipped: a skip fails the session."""

import os

import pytest

from tests.factories import make_user_with_role


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI") == "true":
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
        if skipped:
            reporter.write_line(f"CI: {skipped} test(s) skipped; under CI every test must run", red=True)
            session.exitstatus = 1


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real area tree once per test database; tests roll back above it."""
    from gongzhi.places.services import areas_load

    with django_db_blocker.unblock():
        areas_load()


@pytest.fixture
def areas(db):
    """The real Chengdu area tree (3,329 areas); reloaded if a transactional test flushed it."""
    from gongzhi.places.models import Area
    from gongzhi.places.services import areas_load

    if not Area.objects.filter(code="5101").exists():
        areas_load()


@pytest.fixture
def community_a(areas):
    from gongzhi.places.models import Area

    return Area.objects.get(code="510104017001")  # 水井坊社区


@pytest.fixture
def community_b(areas):
    from gongzhi.places.models import Area

    return Area.objects.get(code="510104017002")  # 崇德里社区, same street


@pytest.fixture
def worker_a(community_a):
    return make_user_with_role("worker_a", "community_worker", community_a.code)


@pytest.fixture
def worker_b(community_b):
    return make_user_with_role("worker_b", "community_worker", community_b.code)
