"""Rounds and what follows them: the city's round and the rounds the zones call for, the collectors'
scans, the lab's results, the recalls and the cases they find."""

import datetime as dt
from typing import Any

from django.db import connection

from gongzhi.core import roles
from gongzhi.demo.drill.play.base import DrillBase
from gongzhi.demo.drill.scenario import hours, minutes
from gongzhi.people.models import Resident
from gongzhi.places.models import Building
from gongzhi.testing import collection
from gongzhi.testing import services as testing_services
from gongzhi.testing.models import Recall, Round
from gongzhi.zones.models import Zone
from gongzhi.zones.selectors import official_area, round_suggestion

BATCH = testing_services.MAX_BATCH
RESULTS_PER_CALL = 5000


class RoundSteps(DrillBase):
    """The steps of the rounds, results and recalls."""

    # ------------------------------------------------------------------ rounds, results, recalls

    def _city_round(self) -> None:
        with self.timed("round: create and assign"):
            round_ = testing_services.round_create(
                actor=self.city, name="全市第一轮全员核酸", area_code=self.codes[0][:4], pool_size=10
            )
            for code in self.codes:
                testing_services.round_collector_assign(
                    actor=self.city, round_=round_, user=self._user(roles.COLLECTOR, code)
                )
        self.rounds += 1
        self.city_round = round_
        self._awaiting(round_, self.city, self.codes)
        window = dt.timedelta(hours=self.a.collection_hours) / max(1, len(self.codes))
        for index, code in enumerate(self.codes):
            self.at(self.clock.now + index * window, self._collect, round_.pk, self.rounds, code, window)

    def _awaiting(self, round_: Round, owner: Any, codes: list[str]) -> None:
        self.round_owner[round_.pk] = owner
        self.results_due[round_.pk] = set(codes)

    def _close_when_resulted(self, round_: Round, code: str) -> None:
        """The round's manager closes it when every community's results are in (a release counts
        closed rounds only)."""
        due = self.results_due[round_.pk]
        due.discard(code)
        if not due:
            with self.timed("round: create and assign"):
                testing_services.round_transition(actor=self.round_owner[round_.pk], round_=round_, to_status="closed")

    def _single_tube_buildings(self) -> set[int]:
        """The buildings whose residents go one to a tube: in a lockdown or control zone in force (the
        collectors read it from the refusal; the drill knows it beforehand)."""
        zones = Zone.objects.filter(status="active", kind__in=["lockdown", "control"])
        buildings = set(zones.filter(building__isnull=False).values_list("building_id", flat=True))
        grids = zones.filter(grid__isnull=False).values_list("grid_id", flat=True)
        buildings.update(Building.objects.filter(grid_id__in=list(grids)).values_list("pk", flat=True))
        return buildings

    def _collect(self, round_pk: int, number: int, code: str, window: dt.timedelta) -> None:
        round_ = Round.objects.get(pk=round_pk)
        collector = self._user(roles.COLLECTOR, code)
        single = self._single_tube_buildings() if round_.pool_size > 1 else set()
        residents = (
            Resident.objects.filter(community_code=code, household__isnull=False)
            .order_by("household__building__number", "household__unit", "household__room", "id_number")
            .values_list("public_id", "id_number", "household__building_id")
        )
        tubes: list[list[tuple[str, str]]] = []
        pooled: list[tuple[str, str]] = []
        for public_id, id_number, building in residents.iterator(chunk_size=5000):
            if id_number in self.found or self.rng.random() < self.a.absent_share:
                continue
            if building in single:
                tubes.append([(public_id, id_number)])
                continue
            pooled.append((public_id, id_number))
            if len(pooled) == round_.pool_size:
                tubes.append(pooled)
                pooled = []
        if pooled:
            tubes.append(pooled)
        batch: list[collection.Event] = []
        barcodes = []
        at = self.clock.now  # the device's time, not the moment a scan thread gets to the batch
        for n, members in enumerate(tubes):
            barcode = f"R{number:03d}{code}{n:05d}"
            barcodes.append(barcode)
            self.tubes[barcode] = [m[1] for m in members]
            batch.append(collection.Event(f"{barcode}-o", collection.OPEN, barcode, at=at))
            batch.extend(
                collection.Event(f"{barcode}-{m[0]}", collection.SCAN, barcode, "R:" + m[0], at=at) for m in members
            )
            batch.append(collection.Event(f"{barcode}-c", collection.CLOSE, barcode, at=at))
        job = (round_, collector, batch)
        if self.pool is None:
            self._ingest(*job)
        else:  # collectors scan at once in every community: their batches reach the server side by side
            self.ingesting[(round_pk, code)] = self.pool.submit(self._ingest_in_thread, *job)
        lab_at = self.clock.now + window + hours(self.rng, self.a.lab_hours)
        self.at(lab_at, self._results, round_pk, code, barcodes)

    def _ingest(self, round_: Round, collector: Any, batch: list[collection.Event]) -> int:
        refused = 0
        for start in range(0, len(batch), BATCH):
            part = batch[start : start + BATCH]
            with self.timed("scan batches (collectors' devices)", rows=len(part)):
                outcomes = testing_services.scan_batch_ingest(round_=round_, collector=collector, events=part)
            refused += sum(1 for o in outcomes if o.status == "error")
        with self.lock:
            self.refused_scans += refused
        return refused

    def _ingest_in_thread(self, round_: Round, collector: Any, batch: list[collection.Event]) -> int:
        try:
            return self._ingest(round_, collector, batch)
        finally:
            connection.close()  # the thread's own connection

    def _settle(self, zone: Zone) -> None:
        """Wait for the scans still being taken in the area before a zone there changes: a scan batch
        asks which residents must go one to a tube, and must get the answer it had when it was
        collected, not one that depends on how far behind the scan threads are (the same seed gives
        the same outbreak on both databases)."""
        prefix = official_area(zone)  # a community's code, or its street's or district's leading digits
        for (_, code), pending in list(self.ingesting.items()):
            if code.startswith(prefix):
                pending.result()

    def _results(self, round_pk: int, code: str, barcodes: list[str]) -> None:
        pending = self.ingesting.pop((round_pk, code), None)
        if pending is not None:
            pending.result()  # the lab has the tubes only once they were all recorded
        round_ = Round.objects.get(pk=round_pk)
        lab = self._user(roles.LAB, code[:6])
        # a tube's members are kept only until its result (a whole city's would not fit in memory)
        positives = [b for b in barcodes if any(m in self.infected for m in self.tubes.pop(b))]
        values: list[tuple[str, object]] = [(b, "positive" if b in positives else "negative") for b in barcodes]
        for start in range(0, len(values), RESULTS_PER_CALL):
            part = values[start : start + RESULTS_PER_CALL]
            with self.timed("lab results (5,000 tubes a call)", rows=len(part)):
                testing_services.tube_results_record(actor=lab, round_=round_, results=part)
        self._close_when_resulted(round_, code)
        if not positives:
            return
        self.positive_results.extend([self.clock.now] * len(positives))
        self.queue()
        recalls = Recall.objects.filter(round=round_, tube__barcode__in=positives).select_related("resident")
        for recall in recalls.order_by("resident__id_number"):
            self.at(self.clock.now + minutes(self.rng, self.a.recall_notify_minutes), self._recall, recall.pk)
        self._new_proposals()

    def _recall(self, recall_pk: int) -> None:
        recall = Recall.objects.select_related("resident").get(pk=recall_pk)
        worker = self._user(roles.COMMUNITY_WORKER, recall.community_code)
        with self.timed("recall steps"):
            if recall.status == "open":
                self.recall_notify.append((self.clock.now - recall.created_at).total_seconds() / 60)
                testing_services.recall_transition(actor=worker, recall=recall, to_status="notified")
                self.at(self.clock.now + hours(self.rng, self.a.recall_resample_hours), self._recall, recall_pk)
            elif recall.status == "notified":
                testing_services.recall_transition(actor=worker, recall=recall, to_status="resampled")
                self.at(self.clock.now + dt.timedelta(hours=self.a.recall_result_hours), self._recall, recall_pk)
            elif recall.status == "resampled":
                id_number = recall.resident.id_number
                positive = id_number in self.infected
                testing_services.recall_transition(
                    actor=worker, recall=recall, to_status="positive" if positive else "negative"
                )
                if positive:
                    self._case_found(id_number, recall.created_at, recall.resident.household_id)

    def _case_found(self, id_number: str, recalled_at: dt.datetime, household: int | None) -> None:
        """The case goes to hospital (no longer sampled at home); some of its household fall ill."""
        self.infected.discard(id_number)
        self.found[id_number] = self.clock.now
        self.found_hours.append((self.clock.now - recalled_at).total_seconds() / 3600)
        if household is None:
            return
        for other in sorted(Resident.objects.filter(household_id=household).values_list("id_number", flat=True)):
            if other not in self.found and other not in self.infected and self.rng.random() < self.a.secondary_share:
                self.infected.add(other)
                self.secondary += 1

    # ------------------------------------------------------------------ zones' rounds

    def _zone_rounds(self) -> None:
        """Each morning the rounds the zones in force call for (zones.selectors.round_suggestion)."""
        wanted: dict[str, int] = {}
        for zone in Zone.objects.filter(status="active").order_by("pk"):
            suggestion = round_suggestion(zone)
            if suggestion is not None and suggestion.due:
                wanted[suggestion.area_code] = min(wanted.get(suggestion.area_code, 99), suggestion.pool_size)
        for area_code, pool_size in sorted(wanted.items()):
            codes = [c for c in self.codes if c.startswith(area_code)]
            if not codes:
                continue
            staff = self._user(roles.STREET_STAFF, area_code[:9]) if len(area_code) >= 9 else self.city
            with self.timed("round: create and assign"):
                round_ = testing_services.round_create(
                    actor=staff, name=f"{area_code}风险区核酸", area_code=area_code, pool_size=pool_size
                )
                for code in codes:
                    testing_services.round_collector_assign(
                        actor=staff, round_=round_, user=self._user(roles.COLLECTOR, code)
                    )
            self.rounds += 1
            self._awaiting(round_, staff, codes)
            window = dt.timedelta(hours=2) / len(codes)
            for index, code in enumerate(codes):
                self.at(self.clock.now + index * window, self._collect, round_.pk, self.rounds, code, window)
