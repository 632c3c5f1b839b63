"""Public pages: the phone-friendly sign-up with consent, the community picker, the certificate check."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gongzhi.core import throttle
from gongzhi.core.errors import ApplicationError
from gongzhi.volunteers import choices, selectors, services
from gongzhi.volunteers.models import Volunteer

# Sign-up attempts allowed per client address and per community in a window (seconds); a setting of
# the same name overrides each. A recruitment drive where everyone signs up on one office network
# may need a higher per-address figure for the day.
SIGN_UP_LIMITS = {
    "VOLUNTEER_SIGN_UP_PER_ADDRESS": 20,
    "VOLUNTEER_SIGN_UP_PER_COMMUNITY": 200,
    "VOLUNTEER_SIGN_UP_WINDOW": 3600,
}


def _limit(name: str) -> int:
    return int(getattr(settings, name, SIGN_UP_LIMITS[name]))


def sign_up(request: HttpRequest) -> HttpResponse:
    """The public sign-up page, with consent to personal-information processing. A sign-up with an
    ID number or phone already signed up is answered like a new one (the service flags it for the
    community); sign-ups are limited per client address and per community."""
    context: dict[str, object] = {
        "groups": Volunteer.Group.choices,
        "skills": choices.SKILLS.items(),
        "availability": choices.AVAILABILITY_LABELS,
        "units": selectors.units_for_sign_up(),
        "form": request.POST,
        "chosen": set(request.POST.getlist("skills")) | set(request.POST.getlist("availability")),
        "errors": {},
        "done": False,
    }
    if request.method != "POST":
        return render(request, "volunteers/sign_up.html", context)
    community_code = request.POST.get("community_code", "")[:12]
    wait, message = _over_limit(request, community_code)
    if wait:
        context["errors"] = {"form": message}
        response = render(request, "volunteers/sign_up.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        services.volunteer_sign_up_public(
            name=request.POST.get("name", ""),
            id_number=request.POST.get("id_number", ""),
            phone=request.POST.get("phone", ""),
            community_code=community_code,
            group=request.POST.get("group", ""),
            password=request.POST.get("password", ""),
            skills=request.POST.getlist("skills"),
            availability=request.POST.getlist("availability"),
            unit=selectors.unit_for_sign_up(request.POST.get("unit", "")[:26]),
            party_member=request.POST.get("party_member") == "on",
            consent=request.POST.get("consent") == "on",
        )
        context["done"] = True
    except ApplicationError as exc:
        context["errors"] = {"form": exc.message, **exc.extra}
    return render(request, "volunteers/sign_up.html", context, status=422 if context["errors"] else 200)


def _over_limit(request: HttpRequest, community_code: str) -> tuple[int, str]:
    """Seconds to wait and why, when this attempt goes past a limit; (0, "") otherwise. Every
    attempt counts, whatever its outcome."""
    window = _limit("VOLUNTEER_SIGN_UP_WINDOW")
    address = throttle.client_address(request)
    wait = throttle.attempt("sign_up_address", address, limit=_limit("VOLUNTEER_SIGN_UP_PER_ADDRESS"), window=window)
    if wait:
        return wait, _("提交报名的次数过多，请{minutes}分钟后再试").format(minutes=_minutes(wait))
    if community_code.isdecimal() and len(community_code) == 12:
        wait = throttle.attempt(
            "sign_up_community", community_code, limit=_limit("VOLUNTEER_SIGN_UP_PER_COMMUNITY"), window=window
        )
        if wait:
            return wait, _("本社区近期报名人数较多，请{minutes}分钟后再试").format(minutes=_minutes(wait))
    return 0, ""


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def community_search(request: HttpRequest) -> HttpResponse:
    """Communities matching a name, for the sign-up page's picker (public, names only)."""
    query = request.GET.get("q", "").strip()[:20]
    rows = selectors.communities_named(query) if query else []
    return render(request, "volunteers/community_options.html", {"rows": rows})


def certificate_verify(request: HttpRequest, public_id: str) -> HttpResponse:
    return render(request, "volunteers/certificate_verify.html", {"cert": selectors.certificate_public(public_id)})
