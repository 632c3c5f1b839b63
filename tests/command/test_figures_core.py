"""The figures registry (core.figures) on its own: apps registered in order, counted figures per
community with zeros and derived figures left out, an area's values from its sums, and the shown
rows with a link only where the viewer may follow it. Then the registry the apps really fill."""

import pytest

from gongzhi.command.models import AreaFigure
from gongzhi.core import figures, roles
from gongzhi.core.figures import Figure


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test; the apps' own is put back afterwards."""
    monkeypatch.setattr(figures, "_APPS", {})
    return figures


def share(values):
    total = values.get("b.total", 0.0)
    return None if not total else values.get("b.done", 0.0) / total


def test_apps_come_in_their_order_then_by_name_and_a_second_registration_replaces(registry):
    registry.register("zeta", [Figure("zeta.x", "X", "Z", "cap.z")], dict, order=10)
    registry.register("alpha", [Figure("alpha.y", "Y", "A", "cap.a"), Figure("alpha.x", "X", "A", "cap.a")], dict)
    registry.register("beta", [Figure("beta.x", "X", "B", "cap.b")], dict, order=10)
    assert [f.key for f in registry.all_figures()] == ["beta.x", "zeta.x", "alpha.y", "alpha.x"]

    registry.register("beta", [Figure("beta.new", "N", "B", "cap.b")], dict, order=200)
    assert [f.key for f in registry.all_figures()] == ["zeta.x", "alpha.y", "alpha.x", "beta.new"]


def test_count_all_gives_counted_figures_per_community_without_zeros_or_derived_ones(registry):
    calls = []

    def counter_b():
        calls.append("b")
        return {
            "b.total": {"510104017001": 4, "510104017002": 0, "510104017000": 2},
            "b.done": {"510104017001": 1.5},
            "b.share": {"510104017001": 99},  # a derived key: never taken from the counter
            "b.unknown": {"510104017001": 7},  # no figure of that key: not stored
        }

    registry.register(
        "b",
        [
            Figure("b.share", "S", "B", "cap", derived=share, unit="%"),
            Figure("b.total", "T", "B", "cap", hidden=True),
            Figure("b.done", "D", "B", "cap", hidden=True),
            Figure("b.missing", "M", "B", "cap"),  # the counter gives nothing for it
        ],
        counter_b,
    )
    registry.register("a", [Figure("a.n", "N", "A", "cap")], lambda: {"a.n": {"510104017003": 3}}, order=1)

    counted = registry.count_all()
    assert counted == {
        "a.n": {"510104017003": 3.0},
        "b.total": {"510104017001": 4.0, "510104017000": 2.0},
        "b.done": {"510104017001": 1.5},
        "b.missing": {},
    }
    assert all(isinstance(v, float) for per in counted.values() for v in per.values())
    assert calls == ["b"]  # each counter once per count


def test_values_for_sums_and_derives_at_the_level_shown(registry):
    registry.register(
        "b",
        [
            Figure("b.share", "S", "B", "cap", derived=share),
            Figure("b.total", "T", "B", "cap", hidden=True),
            Figure("b.done", "D", "B", "cap"),
        ],
        dict,
    )
    assert registry.values_for({"b.total": 8.0, "b.done": 2.0, "other.key": 5.0}) == {
        "b.share": 0.25,
        "b.total": 8.0,
        "b.done": 2.0,
    }
    assert registry.values_for({}) == {"b.share": None, "b.total": 0.0, "b.done": 0.0}


def test_figure_rows_group_the_shown_figures_and_link_only_where_the_viewer_may(registry):
    links = []

    def link(code):
        links.append(code)
        return f"/list/?area={code}"

    registry.register(
        "one",
        [
            Figure("one.a", "A", "G1", "cap.view", link),
            Figure("one.part", "P", "G1", "cap.view", link, hidden=True),
            Figure("one.b", "B", "G2", "cap.confirm", link, urgent=True),
        ],
        dict,
        order=1,
    )
    registry.register(
        "two", [Figure("two.c", "C", "G1", "cap.view"), Figure("two.d", "D", "G1", "cap.view", link)], dict
    )
    asked = []

    def may(capability):
        asked.append(capability)
        return capability == "cap.view"

    values = {"one.a": 3.0, "one.part": 1.0, "one.b": 2.0, "two.c": None}
    rows = registry.figure_rows(values, area_code="510104017", may=may)

    assert [(group, [(f.key, v, url) for f, v, url in items]) for group, items in rows] == [
        (
            "G1",
            [
                ("one.a", 3.0, "/list/?area=510104017"),
                ("two.c", None, ""),  # no list behind it
                ("two.d", None, "/list/?area=510104017"),  # a value not given is None
            ],
        ),
        ("G2", [("one.b", 2.0, "")]),  # shown, but not a link: the viewer lacks cap.confirm
    ]
    assert sorted(asked) == ["cap.confirm", "cap.view"]  # each capability decided once
    assert links == ["510104017", "510104017"]  # no link built where it would not be shown


def test_the_apps_register_unique_keys_that_fit_the_rollup():
    registered = figures.all_figures()
    keys = [f.key for f in registered]
    assert len(keys) == len(set(keys))
    longest = AreaFigure._meta.get_field("key").max_length
    assert all(len(k) <= longest for k in keys)
    apps = [k.split(".", 1)[0] for k in keys]
    assert apps == sorted(apps, key=["testing", "zones", "supplies", "appeals", "volunteers"].index)
    assert {
        "testing.coverage",
        "testing.untested",
        "testing.positive_tubes",
        "testing.open_recalls",
        "zones.lockdown",
        "zones.control",
        "zones.prevention",
        "zones.proposed",
        "supplies.days",
        "supplies.late_orders",
        "supplies.urgent_open",
        "appeals.open",
        "appeals.critical",
        "appeals.lapsed",
        "volunteers.on_duty",
        "volunteers.hours_month",
    } <= set(keys)
    for figure in registered:
        # a derived figure is shown, its parts are hidden and never a column of the children's table
        assert not (figure.derived and figure.hidden), figure.key
        assert not (figure.hidden and figure.in_children), figure.key
    by_key = {f.key: f for f in registered}
    assert by_key["volunteers.on_duty"].capability == roles.CONFIRM_HOURS
    assert by_key["testing.coverage"].unit == "%"
    # with nothing counted, the ratios cannot be said
    empty = figures.values_for({})
    assert empty["testing.coverage"] is None and empty["supplies.days"] is None
    assert all(v == 0.0 for k, v in empty.items() if by_key[k].derived is None)
