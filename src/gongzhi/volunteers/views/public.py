"""Public pages: the phone-friendly sign-up with consent, the community picker, the certificate check."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.core.errors import ApplicationError
from gongzhi.volunteers import choices, selectors, services
from gongzhi.volunteers.models import Volunteer


def sign_up(request: HttpRequest) -> HttpResponse:
    """The public sign-up page, with consent to personal-information processing."""
    context: dict[str, object] = {
        "groups": Volunteer.Group.choices,
        "skills": choices.SKILLS.items(),
        "availability": choices.AVAILABILITY_LABELS,
        "units": selectors.units_for_sign_up(),
        "form": request.POST,
        "chosen": set(request.POST.getlist("skills")) | set(request.POST.getlist("availability")),
        "errors": {},
        "done": None,
    }
    if request.method == "POST":
        try:
            volunteer, merged = services.volunteer_sign_up(
                name=request.POST.get("name", ""),
                id_number=request.POST.get("id_number", ""),
                phone=request.POST.get("phone", ""),
                community_code=request.POST.get("community_code", "")[:12],
                group=request.POST.get("group", ""),
                password=request.POST.get("password", ""),
                skills=request.POST.getlist("skills"),
                availability=request.POST.getlist("availability"),
                unit=selectors.unit_for_sign_up(request.POST.get("unit", "")[:26]),
                party_member=request.POST.get("party_member") == "on",
                consent=request.POST.get("consent") == "on",
            )
            context["done"] = {"volunteer": volunteer, "merged": merged}
        except ApplicationError as exc:
            context["errors"] = {"form": exc.message, **exc.extra}
    return render(request, "volunteers/sign_up.html", context, status=422 if context["errors"] else 200)


def community_search(request: HttpRequest) -> HttpResponse:
    """Communities matching a name, for the sign-up page's picker (public, names only)."""
    query = request.GET.get("q", "").strip()[:20]
    rows = selectors.communities_named(query) if query else []
    return render(request, "volunteers/community_options.html", {"rows": rows})


def certificate_verify(request: HttpRequest, public_id: str) -> HttpResponse:
    return render(request, "volunteers/certificate_verify.html", {"cert": selectors.certificate_public(public_id)})
