from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import PublicIdField, TimeStampedModel
from gongzhi.core.scope import AreaPaths, AreaQuerySet
from gongzhi.testing import collection, flows

_VIA_RESIDENT = AreaPaths(grid="resident__household__building__grid_id", building="resident__household__building_id")


class Round(TimeStampedModel):
    """A mass-testing round (全员核酸) over an area: one community up to the whole city."""

    class Status(models.TextChoices):
        PLANNED = flows.PLANNED, _("计划中")
        OPEN = flows.OPEN, _("进行中")
        CLOSED = flows.CLOSED, _("已结束")

    # A round lives on the official area it covers (city down to community).
    area_paths = AreaPaths(community="area_code", full_codes=False)

    public_id = PublicIdField()
    name = models.CharField(max_length=100)
    area_code = models.CharField(max_length=12, db_index=True)
    pool_size = models.PositiveSmallIntegerField(default=10)
    barcode_pattern = models.CharField(
        _("管号格式"),
        max_length=100,
        default=collection.DEFAULT_BARCODE_PATTERN,
        help_text=_("正则表达式，整个管号须符合；默认6-32位字母或数字"),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Set when the closed round's tubes, samples, recalls, held results and scan batches were written
    # out and removed from the database (`gongzhi testing-retention`): its figures come from the
    # per-community rollup from then on, and it cannot be opened again.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pool_size__gte=1, pool_size__lte=20), name="round_pool_size_range"
            ),
        ]
        verbose_name = _("检测轮次")
        verbose_name_plural = _("检测轮次")

    def __str__(self):
        return self.name


class Site(TimeStampedModel):
    """A sampling site (采样点) of a round, in a community, with its hourly capacity."""

    public_id = PublicIdField()
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sites")
    community_code = models.CharField(max_length=12, db_index=True)
    name = models.CharField(max_length=100)
    address = models.CharField(max_length=200, blank=True)
    hourly_capacity = models.PositiveIntegerField(default=360)
    collectors = models.PositiveSmallIntegerField(default=1)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "community_code", "id"]
        verbose_name = _("采样点")
        verbose_name_plural = _("采样点")


class RoundCollector(models.Model):
    """A collector (采样人员) assigned to a round, or to one of its sites. Only they scan in the round,
    and they may scan any resident of the round's area (people test at the nearest site)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="collectors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="round_collector_unique")]
        verbose_name = _("采样人员")
        verbose_name_plural = _("采样人员")


class SlotAssignment(models.Model):
    """A building's time slot at a site, so queues are staggered."""

    area_paths = AreaPaths(grid="building__grid_id", building="building_id")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="slots")
    building = models.ForeignKey("places.Building", on_delete=models.CASCADE, related_name="+")
    community_code = models.CharField(max_length=12)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    expected_people = models.PositiveIntegerField()

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["site_id", "starts_at", "building_id"]
        constraints = [models.UniqueConstraint(fields=["site", "building"], name="slot_site_building_unique")]


class Tube(models.Model):
    """A sampling tube (采样管): up to the round's pool size of residents, then one lab result.

    On PostgreSQL the table is partitioned by round (a partition per round, made with the round, and
    a default one): its primary key there is (id, round_id), and foreign keys to a tube are
    `db_constraint=False` (docs/decisions.md, "Tubes and samples partitioned by round")."""

    class Status(models.TextChoices):
        OPEN = flows.OPEN, _("采样中")
        CLOSED = flows.CLOSED, _("已封管")
        NEGATIVE = flows.NEGATIVE, _("阴性")
        POSITIVE = flows.POSITIVE, _("阳性")

    # No index of its own on round: tube_round_area leads with it (one index less to write). No
    # foreign-key constraints in the database, as for samples (docs/decisions.md): tubes are written by
    # the scan ingest alone, for the round, site and collector it has just read; Django applies the
    # delete rules.
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="tubes", db_index=False, db_constraint=False
    )
    barcode = models.CharField(max_length=32)
    community_code = models.CharField(max_length=12)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="tubes", db_constraint=False
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    pool_size = models.PositiveSmallIntegerField()
    sample_count = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    result_at = models.DateTimeField(null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "barcode"]
        constraints = [
            models.UniqueConstraint(fields=["barcode", "round"], name="tube_barcode_round_unique"),
            models.CheckConstraint(
                condition=models.Q(sample_count__lte=models.F("pool_size")), name="tube_not_overfull"
            ),
        ]
        # No status in any index: a result changes only unindexed columns, so on PostgreSQL it is
        # written in place on the tube's page (a HOT update, room left by the partitions' fillfactor)
        # with no index entry; counts by status come from the rollup (RoundProgress).
        indexes = [models.Index(fields=["round", "community_code"], name="tube_round_area")]
        verbose_name = _("采样管")
        verbose_name_plural = _("采样管")


class Sample(models.Model):
    """One resident sampled once in a round, in one tube. Unique (resident, round): a replayed or
    repeated scan changes nothing. Partitioned by round on PostgreSQL, as tubes are. Its result is
    its tube's, not stored here (flows.SAMPLE_RESULT; selectors.sample_result): a lab's result is one
    row written per tube, not one per member as well."""

    class Result(models.TextChoices):  # the words of a sample's result, as read through its tube
        PENDING = flows.PENDING, _("待出结果")
        NEGATIVE = flows.NEGATIVE, _("阴性")
        POSITIVE_POOL = flows.POSITIVE_POOL, _("混管阳性")

    area_paths = _VIA_RESIDENT

    # Indexes: (resident, round) unique, (round, community), tube; no single-column ones on round
    # or resident, which those lead with: every index is written for each of millions of scans.
    # No foreign-key constraints in the database either (docs/decisions.md, "Samples carry no
    # foreign-key constraints"): each cost PostgreSQL a locked look-up per scan, a third of its work
    # on a scan batch. Samples are written by the scan ingest alone, from the round, residents and
    # collector it has just read; deletes are checked by Django (PROTECT, CASCADE, SET_NULL), and no
    # path of the application deletes a resident or a round.
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="samples", db_index=False, db_constraint=False
    )
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="samples", db_index=False, db_constraint=False
    )
    # No database constraint: tubes are partitioned (their key there is (id, round_id)); the scan
    # ingest writes a batch's tubes before their samples, in the same transaction.
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="samples", db_constraint=False)
    # Who scanned this resident in (the tube's collector may differ: a tube can pass hands).
    # No index: written for each of millions of scans, read per sample only.
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    community_code = models.CharField(max_length=12)
    collected_at = models.DateTimeField()

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [models.UniqueConstraint(fields=["resident", "round"], name="sample_resident_round_unique")]
        indexes = [models.Index(fields=["round", "community_code"], name="sample_round_community")]


class Recall(TimeStampedModel):
    """A member of a positive pool, held in place and re-swabbed singly (复核/单采)."""

    class Status(models.TextChoices):
        OPEN = flows.OPEN, _("待通知")
        NOTIFIED = flows.NOTIFIED, _("已通知")
        RESAMPLED = flows.RESAMPLED, _("已单采")
        NEGATIVE = flows.NEGATIVE, _("单采阴性")
        POSITIVE = flows.POSITIVE, _("单采阳性")
        CANCELLED = flows.CANCELLED, _("已撤销")  # the pool's result corrected to negative

    area_paths = _VIA_RESIDENT

    public_id = PublicIdField()
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="recalls")
    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="recalls")
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="recalls", db_constraint=False)
    community_code = models.CharField(max_length=12)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "community_code", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "resident"], name="recall_round_resident_unique")]
        indexes = [models.Index(fields=["round", "community_code", "status"], name="recall_round_community")]


class Exemption(TimeStampedModel):
    """A resident not expected in this round, with the reason."""

    area_paths = _VIA_RESIDENT

    class Reason(models.TextChoices):
        AWAY = "away", _("外出")
        HOSPITAL = "hospital", _("住院")
        DECEASED = "deceased", _("已故")
        OTHER = "other", _("其他")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="exemptions")
    resident = models.ForeignKey("people.Resident", on_delete=models.CASCADE, related_name="+")
    community_code = models.CharField(max_length=12)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "community_code", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "resident"], name="exemption_round_resident_unique")]


class DoorVisit(models.Model):
    """A door-to-door visit to a resident who cannot come to a site (bedridden, disabled), as the grid
    worker records it: visited without a sample (nobody home, refused), or sampled at the door (the
    sample itself arrives through the collector's scan). Appended, never changed: the task's history."""

    area_paths = _VIA_RESIDENT

    class Outcome(models.TextChoices):
        VISITED = "visited", _("已上门，未采到")
        SAMPLED = "sampled", _("已上门采样")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey("people.Resident", on_delete=models.CASCADE, related_name="+")
    community_code = models.CharField(max_length=12)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "resident_id", "id"]
        indexes = [models.Index(fields=["round", "resident"], name="door_visit_round_resident")]
        verbose_name = _("上门采样记录")
        verbose_name_plural = _("上门采样记录")


class RoundProgress(models.Model):
    """Per round and community counters, kept by the write path so dashboards never COUNT(*) the
    samples table."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="progress")
    community_code = models.CharField(max_length=12)
    # Residents registered in the community when the round was created: the round's expected count,
    # so a dashboard or the workbench gives coverage as a share without counting the city's residents.
    expected = models.PositiveIntegerField(default=0, db_default=0)
    sampled = models.PositiveIntegerField(default=0)
    tubes = models.PositiveIntegerField(default=0)
    tubes_resulted = models.PositiveIntegerField(default=0)
    positive_tubes = models.PositiveIntegerField(default=0)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "community_code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "community_code"], name="progress_round_community_unique")
        ]


class ScanBatch(models.Model):
    """One uploaded batch and the answers given to it. A replay of the same batch (same collector,
    same batch key) gets the stored answers back and writes nothing: answers can depend on the order
    of events, so recomputing them after the batch would not always give the same ones."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    collector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    batch_key = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    answers = models.BinaryField(default=b"", help_text="The answers given, as zlib-compressed JSON rows")

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "collector", "batch_key"], name="scan_batch_key_unique"),
        ]


class ResultConflict(TimeStampedModel):
    """Rows of one results file or API call that gave a tube different results: none of them was
    applied, and they are held here for the lab to see until a later file or call, or a correction,
    gives the tube its result (`resolved_at`). `rows` keeps each row's number (the file's row as Excel
    shows it, or the item's place in the call) and its value as written."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="result_conflicts")
    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    barcode = models.CharField(_("管号"), max_length=32)
    community_code = models.CharField(max_length=12)
    rows = models.JSONField(default=list)
    source = models.CharField(max_length=255, blank=True, help_text="The file's name; empty for an API call")
    held_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=16, blank=True, help_text="The result the tube got")
    resolution_reason = models.CharField(max_length=200, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "barcode", "id"]
        constraints = [
            # One open conflict a tube; it also finds a round's open conflicts (round_id leads).
            models.UniqueConstraint(
                fields=["round", "tube"], condition=models.Q(resolved_at__isnull=True), name="result_conflict_open"
            ),
        ]
        verbose_name = _("待核实的检测结果")
        verbose_name_plural = _("待核实的检测结果")
