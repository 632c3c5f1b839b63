"""The demo's volunteer reservoir: organisations, approved and pending volunteers drawn from the
community's own residents, a training session, posts with today's shifts, and the `volunteer`
login. Made with the services, as a community would; run once (skipped when volunteers exist)."""

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from gongzhi.people.models import Resident
from gongzhi.volunteers import choices, services
from gongzhi.volunteers.models import Course, Volunteer

GROUPS = ["screening", "transport", "mutual_aid", "safety", "recruiting"]
SKILLS = ["medical", "driving", "logistics", "counselling", "it", "languages"]


def demo_reservoir_create(*, community_code: str, worker, password: str, approved: int = 40, pending: int = 5) -> int:
    """Returns the number of volunteers created (0 when the community already has some)."""
    if Volunteer.objects.filter(community_code=community_code).exists():
        return 0
    party = services.organisation_create(actor=worker, kind="party", name="社区党委", community_code=community_code)
    services.organisation_create(actor=worker, kind="community", name="社区居民议事会", community_code=community_code)
    unit = services.organisation_create(
        actor=worker, kind="unit", name="区卫生健康局", community_code=community_code, parent=None
    )
    assert party and unit
    password_hash = make_password(password)
    everyday = [f"{d}-{p}" for d in choices.WEEKDAYS for p in ("am", "pm", "eve")]
    residents = list(
        Resident.objects.filter(community_code=community_code, birth_date__lte=dt.date(2004, 1, 1))
        .exclude(phone="")
        .order_by("id")[: approved + pending]
    )
    made = []
    for n, resident in enumerate(residents):
        volunteer, _ = services.volunteer_sign_up(
            name=resident.name,
            id_number=resident.id_number,
            phone=resident.phone,
            community_code=community_code,
            group=GROUPS[n % len(GROUPS)],
            password="",
            password_hash=password_hash,
            skills=[SKILLS[n % len(SKILLS)], SKILLS[(n * 5 + 1) % len(SKILLS)]],
            availability=everyday if n % 3 else everyday[: len(everyday) // 2],
            unit=unit if n % 4 == 0 else None,
            party_member=n % 6 == 0,
            consent=True,
        )
        if n < approved:
            volunteer = services.volunteer_review(actor=worker, volunteer=volunteer, to_status="approved")
        made.append(volunteer)
    first = made[0] if made else None
    if first is not None and first.user is not None:
        user = first.user
        user.username = "volunteer"
        user.save(update_fields=["username"])
    session = services.training_session_create(
        actor=worker,
        course=Course.objects.get(code="protection"),
        community_code=community_code,
        starts_at=timezone.now() - dt.timedelta(days=3),
        place="社区党群服务中心",
    )
    services.attendance_record(
        actor=worker, session=session, volunteers=[v for v in made[:approved] if v.pk % 2 == 0 or v == first]
    )
    today = timezone.localdate()
    posts = [
        services.post_create(
            actor=worker,
            community_code=community_code,
            name="1号采样点扫码",
            group="screening",
            training=Course.objects.get(code="protection"),
        ),
        services.post_create(actor=worker, community_code=community_code, name="2号门值守", group="safety"),
        services.post_create(
            actor=worker, community_code=community_code, name="物资配送到楼栋", group="transport", skills=["driving"]
        ),
    ]
    for post in posts:
        for start, end in ((8, 12), (12, 16), (16, 20)):
            services.shift_create(
                actor=worker,
                post=post,
                starts_at=timezone.make_aware(dt.datetime.combine(today, dt.time(start))),
                ends_at=timezone.make_aware(dt.datetime.combine(today, dt.time(end))),
                needed=2,
            )
    services.roster_build(actor=worker, community_code=community_code, day=today, time_limit=5)
    return len(made)
