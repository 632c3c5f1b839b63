import cProfile, pstats, io
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from gongzhi.appeals import services
from gongzhi.places.models import Household
from tests.factories import BuildingFactory

pytestmark = pytest.mark.django_db

def test_speed(community_a):
    b = BuildingFactory()
    hs = Household.objects.bulk_create([Household(building=b, community_code=b.community_code, unit=1, room=str(100+i), address=f"x{i}") for i in range(40)])
    hs = list(Household.objects.filter(building=b).select_related("building"))
    cats = ["food","medicine","other","elderly_care","psychological"]
    with CaptureQueriesContext(connection) as q:
        services.appeal_submit(household=hs[0], category="food", text="需要帮助一下")
    out = "\n".join(x["sql"][:200] + " " + x["time"] for x in q.captured_queries)
    pr = cProfile.Profile(); pr.enable()
    for h in hs:
        for c in cats:
            services.appeal_submit(household=h, category=c, text="需要帮助一下")
    pr.disable()
    s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(30)
    raise AssertionError(out + "\n" + s.getvalue())
