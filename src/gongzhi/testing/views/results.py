"""A lab's results page: upload a file of results, see every row accounted for, correct a result."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core import access, roles
from gongzhi.core.errors import ApplicationError
from gongzhi.testing import selectors, services
from gongzhi.testing.round_nav import round_links

RESULT_FILE_LIMIT = 20 * 1024 * 1024


@login_required
def results_import(request, public_id: str):
    """A lab uploads a round's results (.csv or .xlsx, columns 管号 and 结果) and sees every row
    accounted for: recorded, unchanged, held (the file's rows for a tube disagree) or not recorded,
    with its row number and the reason. The round's held conflicts stay listed, and a result is
    corrected here with the reason (复检更正)."""
    round_ = selectors.round_get_for_user(user=request.user, public_id=public_id, capability=roles.RECORD_RESULTS)
    error, outcome, correction_error = None, None, None
    if request.method == "POST" and request.POST.get("action") == "correct":
        try:
            services.tube_result_correct(
                actor=request.user,
                round_=round_,
                barcode=request.POST.get("barcode", "")[:64],
                result=request.POST.get("result", "")[:16],
                reason=request.POST.get("reason", "")[:200],
            )
            barcode = request.POST.get("barcode", "")[:64]
            messages.success(request, _("已更正 %(barcode)s 的检测结果") % {"barcode": barcode})
            return redirect("testing:results_import", public_id=round_.public_id)
        except ApplicationError as exc:
            correction_error = exc.message
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择要上传的结果文件（.xlsx 或 .csv）")
        elif upload.size > RESULT_FILE_LIMIT:
            error = _("文件超过20MB，请分成几个文件上传")
        else:
            try:
                outcome = services.tube_results_import(
                    actor=request.user, round_=round_, file_name=upload.name or "", content=upload.read()
                )
            except ApplicationError as exc:
                error = exc.message
    return render(
        request,
        "testing/results_import.html",
        {
            "round": round_,
            "round_nav": round_links(request.user, round_, "results_import"),
            "error": error,
            "outcome": outcome,
            "held": list(selectors.result_conflicts_held(round_=round_)[:500]),
            "correction_error": correction_error,
            "correction": request.POST if correction_error else {},
            "may_see_recalls": access.may_around(request.user, roles.VIEW_TESTING, round_.area_code),
        },
        status=422 if error or correction_error else 200,
    )
