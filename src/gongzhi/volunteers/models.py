"""The volunteer reservoir: organisations, volunteers, training, posts and shifts, check-ins, the
service-hour ledger, certificates and hardship aid.

Every row that lives in an area carries its community's 12-digit code (`community_code`), so the one
scope condition applies to it (`objects.visible_to(user, capability)`, core.scope); volunteers live
in communities, not in grids or buildings. ID numbers and phones are personal information:
masked by default, like residents'.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Right
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.ids import new_public_id
from gongzhi.core.models import PublicIdField, TimeStampedModel
from gongzhi.core.scope import AreaQuerySet
from gongzhi.volunteers import flows


class Organisation(TimeStampedModel):
    """A party organisation, a work unit (机关/企事业单位), a social or community organisation."""

    class Kind(models.TextChoices):
        PARTY = "party", _("党组织")
        UNIT = "unit", _("机关/企事业单位")
        SOCIAL = "social", _("社会组织")
        COMMUNITY = "community", _("社区组织")

    public_id = PublicIdField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100)
    # The community it belongs to or is located in (12 digits), so it is scoped like everything else.
    community_code = models.CharField(max_length=12)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community_code", "kind", "name"], name="organisation_unique_name")
        ]
        verbose_name = _("组织")
        verbose_name_plural = _("组织")

    def __str__(self):
        return self.name


class Volunteer(TimeStampedModel):
    """A person in the reservoir. Signs up on the public page, is approved by their community."""

    class Status(models.TextChoices):
        PENDING = flows.PENDING, _("待审核")
        APPROVED = flows.APPROVED, _("已通过")
        REJECTED = flows.REJECTED, _("未通过")
        SUSPENDED = flows.SUSPENDED, _("已暂停")

    class Group(models.TextChoices):
        RECRUITING = "recruiting", _("招募培训")
        SCREENING = "screening", _("组织筛查")
        TRANSPORT = "transport", _("物资运输")
        MUTUAL_AID = "mutual_aid", _("邻里互助")
        SAFETY = "safety", _("安全监督")

    public_id = PublicIdField()
    name = models.CharField(max_length=50)
    id_number = models.CharField(max_length=18, unique=True)
    phone = models.CharField(max_length=11, unique=True)
    # The last 4 digits, kept by the database and indexed: the search everyone may make (core.pii).
    id_number_tail = models.GeneratedField(
        expression=Right("id_number", 4), output_field=models.CharField(max_length=4), db_persist=True
    )
    phone_tail = models.GeneratedField(
        expression=Right("phone", 4), output_field=models.CharField(max_length=4), db_persist=True
    )
    community_code = models.CharField(max_length=12, help_text=_("居住社区"))
    unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="unit_volunteers"
    )
    party_member = models.BooleanField(default=False)
    # 在职党员报到: the date a party member reported to their residential community.
    party_reported_at = models.DateTimeField(null=True, blank=True)
    group = models.CharField(max_length=16, choices=Group.choices)
    skills = models.JSONField(default=list, blank=True)
    availability = models.JSONField(default=list, blank=True, help_text=_("可服务时段，如 mon-am"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    consent_at = models.DateTimeField()
    consent_version = models.CharField(max_length=16)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="volunteer"
    )
    hours_total = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    # Someone signed up again with this ID number or phone: answered like a new sign-up on the public
    # page (which tells no one what is stored), counted here for the community to look into.
    repeat_sign_ups = models.PositiveIntegerField(default=0)
    repeat_sign_up_at = models.DateTimeField(null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "id"]
        indexes = [
            models.Index(fields=["community_code", "status"], name="volunteer_community_status"),
            models.Index(fields=["name", "community_code"], name="volunteer_name_order"),
            models.Index(fields=["id_number_tail", "community_code"], name="volunteer_id_tail"),
            models.Index(fields=["phone_tail", "community_code"], name="volunteer_phone_tail"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id_number__regex=r"^[0-9]{17}[0-9X]$"), name="volunteer_id_shape"
            ),
            models.CheckConstraint(condition=models.Q(phone__regex=r"^1[0-9]{10}$"), name="volunteer_phone_shape"),
        ]
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")

    def __str__(self):
        return self.name


class Course(models.Model):
    """A training course; a certification from it is valid for `valid_days`."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    valid_days = models.PositiveIntegerField(default=365)

    class Meta:
        ordering = ["code"]
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")

    def __str__(self):
        return self.name


class TrainingSession(TimeStampedModel):
    public_id = PublicIdField()
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    community_code = models.CharField(max_length=12)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=100, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "-starts_at"]
        verbose_name = _("培训场次")
        verbose_name_plural = _("培训场次")


class Attendance(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendances")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="attendances")
    community_code = models.CharField(max_length=12)
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["session_id", "volunteer_id"]
        constraints = [models.UniqueConstraint(fields=["session", "volunteer"], name="attendance_once")]


class Certification(models.Model):
    """A volunteer holds a course's certification from `issued_at` until `expires_at`."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="certifications")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certifications")
    community_code = models.CharField(max_length=12)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    session = models.ForeignKey(TrainingSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["volunteer_id", "course_id", "-expires_at"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "course", "issued_at"], name="certification_once"),
        ]


class Post(TimeStampedModel):
    """A place of service ("site 3 scanning"); its shifts say when and how many."""

    public_id = PublicIdField()
    community_code = models.CharField(max_length=12)
    name = models.CharField(max_length=100)
    group = models.CharField(max_length=16, choices=Volunteer.Group.choices)
    skills = models.JSONField(default=list, blank=True)
    training = models.ForeignKey(Course, null=True, blank=True, on_delete=models.PROTECT, related_name="posts")
    # The secret in the post's check-in QR code; printing it is how a post gets a code.
    checkin_key = models.CharField(max_length=26, unique=True, default=new_public_id, editable=False)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "name"]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")

    def __str__(self):
        return self.name


class Shift(models.Model):
    public_id = PublicIdField()
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="shifts")
    community_code = models.CharField(max_length=12)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    needed = models.PositiveSmallIntegerField()

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "starts_at", "post_id"]
        indexes = [models.Index(fields=["community_code", "starts_at"], name="shift_community_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start")
        ]


class Assignment(models.Model):
    """A volunteer rostered on a shift; at most once per shift."""

    class Source(models.TextChoices):
        OPTIMISER = "optimiser", _("自动排班")
        MOBILISED = "mobilised", _("一键动员")
        MANUAL = "manual", _("手工安排")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="assignments")
    community_code = models.CharField(max_length=12)
    source = models.CharField(max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["shift_id", "volunteer_id"]
        constraints = [models.UniqueConstraint(fields=["shift", "volunteer"], name="assignment_once")]


class CheckIn(models.Model):
    """Check-in and check-out on a rostered shift; hours count once a leader confirms them."""

    class Status(models.TextChoices):
        ON_DUTY = flows.ON_DUTY, _("在岗")
        CHECKED_OUT = flows.CHECKED_OUT, _("已签退")
        CONFIRMED = flows.CONFIRMED, _("已确认")

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="checkin")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="checkins")
    community_code = models.CharField(max_length=12)
    checked_in_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ON_DUTY)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "-checked_in_at"]


class HourEntry(models.Model):
    """The service-hour ledger, append only: a confirmed check-in adds its hours, a correction adds
    the difference with its reason. Totals are sums of entries; nothing is edited in place."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("服务")
        CORRECTION = "correction", _("更正")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="hour_entries")
    community_code = models.CharField(max_length=12)
    unit = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    checkin = models.ForeignKey(CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    served_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["volunteer_id", "id"]
        indexes = [
            models.Index(fields=["volunteer", "served_on"], name="hours_volunteer_day"),
            models.Index(fields=["community_code", "served_on"], name="hours_community_day"),
        ]


class HourTotal(models.Model):
    """Rollup kept by the ledger's write path: hours per community, unit and month, so a district's
    report sums a few hundred rows, never millions of entries."""

    community_code = models.CharField(max_length=12)
    unit = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    hours = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    entries = models.PositiveIntegerField(default=0)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "month"]
        constraints = [
            models.UniqueConstraint(fields=["community_code", "unit", "month"], name="hour_total_unique"),
            models.UniqueConstraint(
                fields=["community_code", "month"], condition=models.Q(unit=None), name="hour_total_unique_no_unit"
            ),
        ]


class Certificate(models.Model):
    """A service certificate issued at an hour threshold; its public id is what the QR verifies."""

    public_id = PublicIdField()
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    community_code = models.CharField(max_length=12)
    threshold = models.PositiveIntegerField()
    hours = models.DecimalField(max_digits=9, decimal_places=2)
    issued_at = models.DateTimeField(default=timezone.now)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["volunteer_id", "threshold"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "threshold"], name="certificate_once")]


class AidRequest(TimeStampedModel):
    """A volunteer in difficulty asks for help; reviewed by the community, then the street."""

    class Kind(models.TextChoices):
        ILLNESS = "illness", _("疾病")
        FAMILY = "family", _("家庭困难")
        INCOME = "income", _("收入困难")

    class Status(models.TextChoices):
        SUBMITTED = flows.SUBMITTED, _("已提交")
        COMMUNITY_APPROVED = flows.COMMUNITY_APPROVED, _("社区已审核")
        APPROVED = flows.AID_APPROVED, _("已批准")
        REJECTED = flows.AID_REJECTED, _("未批准")
        PAID = flows.PAID, _("已发放")

    public_id = PublicIdField()
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="aid_requests")
    community_code = models.CharField(max_length=12)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.CharField(max_length=500)
    amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.SUBMITTED)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["community_code", "-created_at"]
