"""The demo's round of mass testing, so the workbench, the dashboard and the recall list have
something to show: a round over the demo street, the `collector` assigned, residents sampled in pooled
tubes through the collection service (most of the first community, fewer in the next, none in the
rest), most tubes resulted negative and one positive, whose members are recalled. Run once (skipped
when a round exists)."""

from django.contrib.auth import get_user_model

from gongzhi.core import events
from gongzhi.people.models import Resident
from gongzhi.testing import collection, services
from gongzhi.testing.models import Round

SHARES = (0.7, 0.4)  # of the first and second communities' residents sampled; the others none
BATCH = 400


def demo_round_create(*, communities, street_user, collector, lab) -> Round | None:
    if not communities or Round.objects.exists():
        return None
    round_ = services.round_create(
        actor=street_user, name="第一轮全员核酸", area_code=communities[0].code[:9], pool_size=10
    )
    services.round_collector_assign(actor=street_user, round_=round_, user=collector)
    barcodes: list[str] = []
    for area, share in zip(communities, SHARES, strict=False):
        ids = list(
            Resident.objects.filter(community_code=area.code)
            .order_by("household__building__number", "household__unit", "household__room", "id")
            .values_list("public_id", flat=True)
        )
        ids = ids[: int(len(ids) * share)]
        events_: list[collection.Event] = []
        for start in range(0, len(ids), round_.pool_size):
            barcode = f"{area.code[-6:]}{start // round_.pool_size:05d}"
            barcodes.append(barcode)
            events_.append(collection.Event(f"{barcode}-o", collection.OPEN, barcode))
            for public_id in ids[start : start + round_.pool_size]:
                events_.append(collection.Event(f"{barcode}-{public_id}", collection.SCAN, barcode, "R:" + public_id))
            events_.append(collection.Event(f"{barcode}-c", collection.CLOSE, barcode))
        for start in range(0, len(events_), BATCH):
            services.scan_batch_ingest(round_=round_, collector=collector, events=events_[start : start + BATCH])
    # the lab has resulted four tubes in five; the third tube is positive
    resulted = [b for n, b in enumerate(barcodes) if n % 5 != 4]
    results: list[tuple[str, object]] = [(b, "positive" if n == 2 else "negative") for n, b in enumerate(resulted)]
    if results:
        services.tube_results_record(actor=lab, round_=round_, results=results)
        events.deliver_pending()  # what the Huey consumer does after the commit: the recalls open
    return round_


def demo_round_for(communities) -> Round | None:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["street", "collector", "lab"])}
    if len(users) < 3:
        return None
    return demo_round_create(
        communities=communities, street_user=users["street"], collector=users["collector"], lab=users["lab"]
    )
