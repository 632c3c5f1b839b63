"""一键动员 at a street's scale, end to end in the product: `services.street_mobilise` fills a street's week.

    .venv/bin/python bench/bench_mobilise.py               # SQLite: 10 communities, 3,000 volunteers, 400 posts, 7 days
    .venv/bin/python bench/bench_mobilise.py --postgres

A real street of the area tree with at least --communities communities; approved volunteers spread over its
communities with skills drawn as in bench_rostering.py, 45 % holding the 防护培训 course (85 % of medical
ones), each weekday part (上午/下午/晚上) available with probability --availability, some hours already served;
posts of the same kinds as bench_rostering.py, each running a morning (08-12), afternoon (13-17) and evening
(18-22) shift on each day with probability 0.9, 1-4 places (one more in the morning). Rows are bulk-loaded. Then
one street official presses the button: what is timed is the whole service (reading the shifts and volunteers,
the optimiser, writing the assignments and the audit row), split into its parts. The optimiser's time limit
is the product's (services.rosters.MOBILISE_SECONDS, 30 s).
"""

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--postgres", action="store_true")
ARGS.add_argument("--communities", type=int, default=10)
ARGS.add_argument("--volunteers", type=int, default=3000)
ARGS.add_argument("--posts", type=int, default=400)
ARGS.add_argument("--days", type=int, default=7)
ARGS.add_argument("--availability", type=float, default=0.7)
ARGS.add_argument("--seed", type=int, default=2022)
ARGS = ARGS.parse_args()

PG_DB = "gongzhi_bench_mobilise"
if ARGS.postgres:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
else:
    os.environ.pop("DATABASE_URL", None)
    os.environ["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-mobilise-")
os.environ["DJANGO_SETTINGS_MODULE"] = "gongzhi.config.settings.base"
sys.argv = sys.argv[:1]

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from gongzhi.core.models import RoleAssignment  # noqa: E402
from gongzhi.people.id_rules import make_id_number  # noqa: E402
from gongzhi.places.models import Area  # noqa: E402
from gongzhi.places.services import areas_load  # noqa: E402
from gongzhi.volunteers import services  # noqa: E402
from gongzhi.volunteers.choices import DAY_PARTS, WEEKDAYS  # noqa: E402
from gongzhi.volunteers.models import Assignment, Certification, Course, Post, Shift, Volunteer  # noqa: E402
from gongzhi.volunteers.services import rosters  # noqa: E402

SKILL_RATES = {"medical": 0.12, "driving": 0.18, "logistics": 0.25, "counselling": 0.06, "it": 0.20, "languages": 0.10}
POST_KINDS = [  # name, skills, needs the course, weight, places (low, high)
    ("扫码登记", [], False, 30, (2, 4)),
    ("门岗值守", [], False, 20, (1, 3)),
    ("物资配送", ["logistics"], False, 15, (1, 3)),
    ("楼栋配送", ["logistics", "driving"], False, 6, (1, 2)),
    ("核酸采样", ["medical"], True, 10, (1, 3)),
    ("医疗转运", ["medical", "driving"], True, 4, (1, 1)),
    ("心理疏导热线", ["counselling"], False, 4, (1, 1)),
    ("信息录入", ["it"], False, 7, (1, 2)),
    ("外语/方言翻译", ["languages"], False, 4, (1, 1)),
]
HOURS = [(8, 12), (13, 17), (18, 22)]  # 上午, 下午, 晚上: back-to-back conflict (4 h rest), morning + evening not


def load(rng: random.Random):
    call_command("migrate", verbosity=0)
    areas_load()
    street = (
        Area.objects.filter(level=Area.Level.STREET)
        .annotate(n=Count("children"))
        .filter(n__gte=ARGS.communities)
        .order_by("code")
        .first()
    )
    communities = list(street.children.order_by("code").values_list("code", flat=True))[: ARGS.communities]
    course = Course.objects.order_by("id").first()
    now = timezone.now()
    people = []
    for i in range(ARGS.volunteers):
        skills = [s for s, p in SKILL_RATES.items() if rng.random() < p]
        parts = [p for p in DAY_PARTS if p != "night"]
        people.append(
            Volunteer(
                name=f"志愿者{i:04d}",
                id_number=make_id_number("510104", dt.date(1980, 1, 1) + dt.timedelta(days=i), i % 999 + 1, i % 2 == 0),
                phone=f"13{i:09d}",
                community_code=communities[rng.randrange(len(communities))],
                group="screening",
                skills=skills,
                availability=[f"{d}-{p}" for d in WEEKDAYS for p in parts if rng.random() < ARGS.availability],
                status=Volunteer.Status.APPROVED,
                consent_at=now,
                consent_version="bench",
                hours_total=round(min(40.0, rng.expovariate(1 / 8)) * 2) / 2,
            )
        )
    Volunteer.objects.bulk_create(people, batch_size=1000)
    certified = [
        Certification(
            volunteer=v,
            course=course,
            community_code=v.community_code,
            issued_at=now - dt.timedelta(days=30),
            expires_at=now + dt.timedelta(days=300),
        )
        for v in Volunteer.objects.all()
        if rng.random() < (0.85 if "medical" in v.skills else 0.4)
    ]
    Certification.objects.bulk_create(certified, batch_size=1000)
    kinds = [k for k in POST_KINDS for _ in range(k[3])]
    first = timezone.localdate() + dt.timedelta(days=1)
    posts, places, shifts = [], [], []
    for p in range(ARGS.posts):
        name, skills, trained, _, (low, high) = rng.choice(kinds)
        community = communities[p % len(communities)]
        posts.append(
            Post(
                community_code=community,
                name=f"{p // len(communities) + 1}号点{name}",
                group="screening",
                skills=skills,
                training=course if trained else None,
            )
        )
        places.append((low, high))
    Post.objects.bulk_create(posts, batch_size=1000)
    for post, (low, high) in zip(posts, places, strict=True):
        for d in range(ARGS.days):
            day = first + dt.timedelta(days=d)
            for part, (a, b) in enumerate(HOURS):
                if rng.random() < 0.1:
                    continue
                starts = timezone.make_aware(dt.datetime.combine(day, dt.time(a)))
                ends = timezone.make_aware(dt.datetime.combine(day, dt.time(b)))
                needed = min(high, rng.randint(low, high) + (part == 0))
                shifts.append(
                    Shift(post=post, community_code=post.community_code, starts_at=starts, ends_at=ends, needed=needed)
                )
    Shift.objects.bulk_create(shifts, batch_size=2000)
    return street, first


def main() -> None:
    rng = random.Random(ARGS.seed)
    started = time.perf_counter()
    street, first = load(rng)
    print(
        f"loaded in {time.perf_counter() - started:.1f} s: street {street.name} ({street.code}), "
        f"{ARGS.communities} communities, {Volunteer.objects.count()} volunteers, {Post.objects.count()} posts, "
        f"{Shift.objects.count()} shifts over {ARGS.days} days, {Certification.objects.count()} certifications "
        f"({'PostgreSQL' if ARGS.postgres else 'SQLite'})"
    )
    official = get_user_model().objects.create_user(username="street_official", password="bench-street-1")
    RoleAssignment.objects.create(user=official, role="street_staff", area_code=street.code)
    parts: dict[str, float] = {}
    made, solve = rosters.roster_inputs, rosters.rostering.roster_solve

    def timed_inputs(*args, **kwargs):
        t = time.perf_counter()
        out = made(*args, **kwargs)
        parts["inputs"] = time.perf_counter() - t
        return out

    def timed_solve(*args, **kwargs):
        t = time.perf_counter()
        out = solve(*args, **kwargs)
        parts["optimiser"] = time.perf_counter() - t
        return out

    rosters.roster_inputs, rosters.rostering.roster_solve = timed_inputs, timed_solve
    t = time.perf_counter()
    result = services.street_mobilise(actor=official, street_code=street.code, first_day=first, days=ARGS.days)
    total = time.perf_counter() - t
    d = result.details
    print(
        f"street_mobilise: {total:.2f} s in all; reading shifts and volunteers {parts['inputs']:.2f} s, optimiser "
        f"{parts['optimiser']:.2f} s (limit {rosters.MOBILISE_SECONDS:g} s), the rest (locking, writing "
        f"{Assignment.objects.count():,} assignments, audit) {total - parts['inputs'] - parts['optimiser']:.2f} s"
    )
    print(
        f"roster: {result.covered:,} of {result.demanded:,} places, {result.status}, gap {result.gap:.6%} "
        f"(coverage bound {d.get('coverage_bound')}, method {result.method}); {d.get('eligible_pairs'):,} "
        f"eligible (volunteer, place) pairs in {d.get('classes')} classes, {d.get('kinds')} kinds, "
        f"{d.get('variables'):,} columns"
    )
    print(
        f"SUMMARY seconds={total:.2f} optimiser={parts['optimiser']:.2f} inputs={parts['inputs']:.2f} "
        f"covered={result.covered} demanded={result.demanded} status={result.status} gap={result.gap:.6f} "
        f"pairs={d.get('eligible_pairs')}"
    )


if __name__ == "__main__":
    main()
