from django.conf import settings
from django.db import models
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import PublicIdField, TimeStampedModel
from gongzhi.core.scope import AreaPaths, AreaQuerySet
from gongzhi.people import flows


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class VulnerabilityTag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    CHRONIC = "chronic", _("慢性病")
    DIALYSIS = "dialysis", _("透析")
    INSULIN = "insulin", _("胰岛素依赖")
    BEDRIDDEN = "bedridden", _("卧床")
    PREGNANT = "pregnant", _("孕产妇")
    DISABLED = "disabled", _("残疾")
    MIGRANT_WORKER = "migrant_worker", _("外来务工")
    PARTY_MEMBER = "party_member", _("党员")


class ResidentQuerySet(AreaQuerySet):
    def with_tag(self, tag: str) -> "ResidentQuerySet":
        return self.filter(tags__tag=tag)


class Resident(TimeStampedModel):
    """A person living in a household. ID number and phone are personal information: masked by
    default, shown in full only to roles that need them, every full view audited (core.pii)."""

    area_paths = AreaPaths(grid="household__building__grid_id", building="household__building_id")

    public_id = PublicIdField(_("编号"))
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, related_name="residents", verbose_name=_("户")
    )
    community_code = models.CharField(_("社区代码"), max_length=12)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    # A mobile (13800138000) or a landline (028-85551234, or 85551234 alone): id_rules.phone_number.
    phone = models.CharField(_("联系电话"), max_length=13, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)
    notes = models.CharField(_("备注"), max_length=500, blank=True)
    # The last 4 of the ID number and phone, kept by the database (what everyone may search by):
    # an index answers a tail among 21 million residents, where a suffix LIKE reads them all.
    id_number_tail = models.GeneratedField(
        expression=Right("id_number", 4), output_field=models.CharField(max_length=4), db_persist=True
    )
    phone_tail = models.GeneratedField(
        expression=Right("phone", 4), output_field=models.CharField(max_length=4), db_persist=True
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "household_id", "id"]
        # Every list and search at city scale rests on one of these (docs/benchmarks.md, issue 10):
        # the register's order (keyset pages), names in order from a beginning (a search beyond one
        # community, also in keyset pages; the area is read from the index), a name in one
        # community, a tail.
        indexes = [
            models.Index(fields=["community_code", "household", "id"], name="resident_register_order"),
            models.Index(fields=["name", "community_code", "id"], name="resident_name_order"),
            models.Index(fields=["community_code", "name"], name="resident_community_name"),
            models.Index(fields=["id_number_tail", "community_code"], name="resident_id_tail"),
            models.Index(fields=["phone_tail", "community_code"], name="resident_phone_tail"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(id_number__regex=r"^[0-9]{17}[0-9X]$"), name="resident_id_shape"),
            models.CheckConstraint(
                condition=models.Q(phone="")
                | models.Q(phone__regex=r"^1[0-9]{10}$")
                | models.Q(phone__regex=r"^(0[0-9]{2,3}-)?[2-9][0-9]{6,7}$"),
                name="resident_phone_shape",
            ),
        ]
        verbose_name = _("居民")
        verbose_name_plural = _("居民")

    def __str__(self):
        return self.name


class ResidentTag(models.Model):
    """A vulnerability or role tag on a resident; drives priority everywhere else."""

    area_paths = AreaPaths(grid="resident__household__building__grid_id", building="resident__household__building_id")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tags")
    community_code = models.CharField(max_length=12)
    tag = models.CharField(max_length=20, choices=VulnerabilityTag.choices)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["resident_id", "tag"]
        indexes = [models.Index(fields=["community_code", "tag"], name="resident_tag_community")]
        constraints = [models.UniqueConstraint(fields=["resident", "tag"], name="resident_tag_unique")]
        verbose_name = _("重点人群标签")
        verbose_name_plural = _("重点人群标签")


class RegisterImport(TimeStampedModel):
    """One upload of a register file (花名册): previewed (a dry run, the file kept for the confirm),
    then imported, or rejected when it had errors (REGISTER_IMPORT_FLOW). The file is dropped once it
    is no longer needed."""

    area_paths = AreaPaths()

    class Status(models.TextChoices):
        PREVIEWED = flows.PREVIEWED, _("已预览，待确认")
        IMPORTED = flows.IMPORTED, _("已导入")
        REJECTED = flows.REJECTED, _("有错误，未导入")

    public_id = PublicIdField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    community_code = models.CharField(max_length=12, db_index=True)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField(blank=True, default=b"")
    status = models.CharField(max_length=16, choices=Status.choices)
    report = models.JSONField(default=dict)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("花名册导入")
        verbose_name_plural = _("花名册导入")

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"
