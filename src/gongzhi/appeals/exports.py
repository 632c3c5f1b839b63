"""The worklist as .xlsx (core.workbook: text stays text, no formula injection). The callers'
phones are masked unless the user may see them in full over each row; the export is audited."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.models import Appeal
from gongzhi.core import pii, workbook
from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.core.replica import reading_from_replica
from gongzhi.core.services import audit_record

MAX_ROWS = 50_000


def worklist_xlsx(request: HttpRequest, qs: "object", area: str) -> HttpResponse:
    book = workbook.new_workbook(write_only=True)
    sheet = book.create_sheet(_("诉求清单"))
    sheet.append(
        [
            _("编号"),
            _("紧急程度"),
            _("类别"),
            _("状态"),
            _("当前层级"),
            _("本层级办理时限"),
            _("门牌地址"),
            _("诉求内容"),
            _("联系人"),
            _("联系电话"),
            _("渠道"),
            _("工单编号"),
            _("承办人"),
            _("提交时间"),
        ]
    )
    ids, full_ids = [], []
    with reading_from_replica():
        rows: list[Appeal] = list(qs[:MAX_ROWS])  # type: ignore[index]
    for a in rows:
        full = bool(a.caller_phone) and pii.pii_visible(request.user, a)
        if full:
            full_ids.append(a.public_id)
        ids.append(a.public_id)
        sheet.append(
            [
                a.public_id,
                a.get_urgency_display(),
                a.get_category_display(),
                a.get_status_display(),
                a.get_level_display(),
                timezone.localtime(a.due_at).strftime("%Y-%m-%d %H:%M"),
                a.household.address if a.household is not None else a.address_text,
                a.text,
                a.caller_name if full else mask_name(a.caller_name),
                a.caller_phone if full else mask_phone(a.caller_phone),
                a.get_channel_display(),
                a.hotline_ref or "",
                a.assignee_name,
                timezone.localtime(a.received_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    audit_record(
        actor=request.user,
        action="export",
        entity="appeal",
        row_ids=ids,
        area_codes=[area],
        detail={"rows": len(ids), "full_phones": len(full_ids)},
    )
    response = HttpResponse(
        workbook.workbook_bytes(book), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="appeals-{area}.xlsx"'
    return response
