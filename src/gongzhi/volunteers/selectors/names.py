"""Names by public id for the audit log (registered in apps.py): names only, never numbers."""

from django.utils import timezone

from gongzhi.volunteers.models import Organisation, Post, Shift, TrainingSession, Volunteer


def volunteer_names(public_ids: list[str]) -> dict[str, str]:
    """Volunteers' names by public id, for the audit log; names only, never their numbers."""
    return dict(Volunteer.objects.filter(public_id__in=public_ids).values_list("public_id", "name"))


def post_names(public_ids: list[str]) -> dict[str, str]:
    return dict(Post.objects.filter(public_id__in=public_ids).values_list("public_id", "name"))


def shift_names(public_ids: list[str]) -> dict[str, str]:
    """A shift by its post and time, e.g. "3号采样点扫码 12-03 08:00"."""
    return {
        pid: f"{post} {timezone.localtime(starts):%m-%d %H:%M}"
        for pid, post, starts in Shift.objects.filter(public_id__in=public_ids).values_list(
            "public_id", "post__name", "starts_at"
        )
    }


def organisation_names(public_ids: list[str]) -> dict[str, str]:
    return dict(Organisation.objects.filter(public_id__in=public_ids).values_list("public_id", "name"))


def training_session_names(public_ids: list[str]) -> dict[str, str]:
    return {
        pid: f"{course} {timezone.localtime(starts):%m-%d}"
        for pid, course, starts in TrainingSession.objects.filter(public_id__in=public_ids).values_list(
            "public_id", "course__name", "starts_at"
        )
    }
