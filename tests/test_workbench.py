"""The workbench (工作台), the landing page of every role, on the demo street: each item a count that
agrees with the rows behind it, each link opens for the user, and the page's query count does not
grow with the data."""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Sum

from gongzhi.core import workbench
from gongzhi.people.models import Resident
from gongzhi.testing.models import Exemption, Recall, Round, RoundProgress, Sample, Tube
from gongzhi.testing.selectors import DOOR_TO_DOOR_TAGS, RECALL_OPEN
from gongzhi.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

STREET = "510104017"
ROLES = ("worker", "worker2", "grid", "leader", "street", "district", "city", "collector", "lab", "volunteer")
ITEM = re.compile(
    r'<a class="work-item[^"]*" href="(?P<url>[^"]+)">\s*<span class="work-label">(?P<label>[^<]+)</span>\s*'
    r'(?:<strong class="work-count">(?P<count>\d+)</strong>)?'
)


@pytest.fixture
def demo_street(areas):
    call_command(
        "demo", "--street", STREET, "--communities", "3", "--residents-per-community", "300",
        "--seed", "7", "--as-of", dt.date(2025, 1, 1).isoformat(), stdout=io.StringIO(),
    )  # fmt: skip
    return Round.objects.get()


def user(name):
    return get_user_model().objects.get(username=name)


def items_of(client, name) -> dict[str, tuple[str, int | None]]:
    client.force_login(user(name))
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    found = {
        m["label"]: (m["url"].replace("&amp;", "&"), int(m["count"]) if m["count"] else None)
        for m in ITEM.finditer(html)
    }
    assert len(re.findall(r'class="work-item[ "]', html)) == len(
        found
    )  # every item parsed (labels are unique per role here)
    return found


def untested_in(round_, code):
    residents = Resident.objects.filter(community_code=code)
    sampled = Sample.objects.filter(round=round_).values("resident_id")
    exempt = Exemption.objects.filter(round=round_).values("resident_id")
    return residents.exclude(pk__in=sampled).exclude(pk__in=exempt)


def test_a_community_worker_sees_the_rounds_work_with_counts_that_agree(client, demo_street):
    round_ = demo_street
    worker = user("worker")
    code = worker.role_assignments.get().area_code
    items = items_of(client, "worker")
    untested = untested_in(round_, code)
    assert items["未检测居民"][1] == untested.count() > 0
    assert items["待上门采样"][1] == untested.filter(tags__tag__in=DOOR_TO_DOOR_TAGS).distinct().count()
    open_recalls = Recall.objects.filter(round=round_, community_code=code, status__in=RECALL_OPEN).count()
    assert items["待处理的复核（单采）"][1] == open_recalls > 0
    assert items["待审核的志愿者"][1] == Volunteer.objects.filter(community_code=code, status="pending").count() > 0
    assert items["未检测居民"][0].endswith(f"?area_code={code}#untested")


def test_staff_above_communities_see_coverage_and_the_lagging_communities_first(client, demo_street):
    round_ = demo_street
    items = items_of(client, "street")
    totals = RoundProgress.objects.filter(round=round_).aggregate(sampled=Sum("sampled"), expected=Sum("expected"))
    assert totals["expected"] == Resident.objects.filter(community_code__startswith=STREET).count()
    assert items["本轮覆盖"][1] == totals["sampled"]
    lagging = [label for label in items if label.startswith("进度落后")]
    assert lagging, items
    # the community nobody was sampled in comes first, with all its residents unsampled
    first = RoundProgress.objects.filter(round=round_, sampled=0).order_by("community_code").first()
    from gongzhi.places.models import Area

    assert lagging[0] == f"进度落后：{Area.objects.get(code=first.community_code).name}"
    assert items[lagging[0]][1] == first.expected


def test_collectors_and_labs_see_their_rounds(client, demo_street):
    round_ = demo_street
    collector = items_of(client, "collector")
    assert collector[f"去采样：{round_.name}"][0] == f"/rounds/{round_.public_id}/collect/"
    lab = items_of(client, "lab")
    waiting = Tube.objects.filter(round=round_, status__in=["open", "closed"]).count()
    assert lab[f"待录结果的试管：{round_.name}"][1] == waiting > 0


def test_a_volunteer_sees_their_next_shift_hours_and_certificates(client, demo_street):
    items = items_of(client, "volunteer")
    assert set(items) == {"下一个班次", "累计服务时长", "服务证书", "我的配送任务"}
    assert items["服务证书"][1] == user("volunteer").volunteer.certificates.count()


def test_grid_workers_and_building_leaders_reach_their_place(client, demo_street):
    leader = user("leader").role_assignments.get()
    items = items_of(client, "leader")
    label = f"我的楼栋：{leader.building.label}"
    assert items[label] == (f"/buildings/{leader.building.public_id}/", leader.building.households.count())
    assert items["打印本楼门牌码"][0] == f"/buildings/{leader.building.public_id}/door-codes/"  # they put them up
    grid = user("grid").role_assignments.get().grid
    assert items_of(client, "grid")[f"我的网格：{grid.name}"][1] == grid.buildings.count()


@pytest.mark.parametrize("name", ROLES)
def test_every_item_opens_for_its_user(client, demo_street, name):
    items = items_of(client, name)
    assert items, f"{name} has nothing on the workbench"
    for label, (url, _count) in items.items():
        response = client.get(url)
        assert response.status_code == 200, (name, label, url)


def test_query_count_does_not_grow_with_the_data(client, demo_street, django_assert_max_num_queries):
    """The worker's workbench with a round, volunteers and recalls: a fixed number of queries, the
    same as the data grows (counted again after a second round's samples of another street would not
    change it: every count is one query)."""
    client.force_login(user("worker"))
    client.get("/")  # the session and caches warm
    # 20 before living supplies (4: orders, short communities); requests 1 (one aggregate); notices 3 here
    # (recent notices, their areas, a count of households not reached per notice and place, at most 6)
    with django_assert_max_num_queries(28):
        assert client.get("/").status_code == 200
    client.force_login(user("city"))
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200


def test_providers_plug_in_without_touching_the_workbench(client, demo_street):
    def extra(user, held):
        return [
            workbench.WorkSection("物资", (workbench.WorkItem("待配送订单", "/", count=3),)),
            workbench.WorkSection("空", ()),
        ]

    workbench.register("test-extra", extra, order=5)
    workbench.register(
        "test-not-held",
        lambda user, held: [workbench.WorkSection("实验室", (workbench.WorkItem("x", "/x"),))],
        capabilities=["testing.results"],
    )
    try:
        items = items_of(client, "worker")
        assert items["待配送订单"] == ("/", 3)
        html = client.get("/").content.decode()
        assert html.index('data-section="test-extra"') < html.index('data-section="testing-')  # 5 before 20
        assert "空</h2>" not in html  # a section with no item is left out
        assert "实验室" not in html  # a provider whose capabilities the worker holds nowhere is not asked
    finally:
        workbench._PROVIDERS.pop("test-extra")
        workbench._PROVIDERS.pop("test-not-held")


def test_a_user_with_no_role_is_told_so(client, areas):
    client.force_login(get_user_model().objects.create_user("nobody", password="x"))
    html = client.get("/").content.decode()
    assert "您还没有被分配任何区域" in html and 'class="work-item' not in html


def test_round_creation_records_each_communitys_expected_residents(demo_street):
    expected = dict(
        Resident.objects.filter(community_code__startswith=STREET)
        .values("community_code")
        .annotate(n=Count("id"))
        .values_list("community_code", "n")
    )
    assert dict(RoundProgress.objects.filter(round=demo_street).values_list("community_code", "expected")) == expected
