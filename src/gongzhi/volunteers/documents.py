"""Printable documents: service certificates (PDF with a verification QR code) and unit reports
(.xlsx and PDF) for employers' evaluations (单位评优).

PDFs embed a TrueType CJK font, so the Chinese text is real text (searchable, extractable) on any
reader. Debian's fonts-wqy-zenhei provides one; GONGZHI_CJK_FONT names another .ttf/.ttc.
"""

import io
import os
from pathlib import Path

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from gongzhi.core.errors import ApplicationError
from gongzhi.core.workbook import new_workbook, workbook_bytes

FONT_NAME = "GongzhiCJK"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def _font() -> str:
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    paths = [os.environ.get("GONGZHI_CJK_FONT", ""), *FONT_CANDIDATES]
    path = next((p for p in paths if p and Path(p).is_file()), None)
    if path is None:
        raise ApplicationError(
            _("服务器缺少中文字体，无法生成PDF；请安装 fonts-wqy-zenhei 或设置 GONGZHI_CJK_FONT"), status=503
        )
    pdfmetrics.registerFont(
        TTFont(FONT_NAME, path, subfontIndex=0) if path.endswith(".ttc") else TTFont(FONT_NAME, path)
    )
    return FONT_NAME


def _qr_image(url: str) -> ImageReader:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return ImageReader(buffer)


def certificate_pdf(
    *, name: str, hours, threshold: int, community: str, issued_at, verify_url: str, code: str
) -> bytes:
    """A one-page landscape certificate. `name` is printed in full: the certificate is the
    volunteer's own; the public verification page shows it masked."""
    font = _font()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A4))
    page.setTitle(_("志愿服务证书"))
    width, height = landscape(A4)
    page.setLineWidth(3)
    page.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    page.setFont(font, 34)
    page.drawCentredString(width / 2, height - 45 * mm, _("志愿服务证书"))
    page.setFont(font, 18)
    lines = [
        _("%(name)s 同志：") % {"name": name},
        _("您在社区志愿服务中累计服务 %(hours)s 小时，达到 %(threshold)s 小时，特发此证，以资鼓励。")
        % {"hours": hours, "threshold": threshold},
        _("颁发社区：%(community)s") % {"community": community},
        _("颁发日期：%(date)s") % {"date": timezone.localtime(issued_at).strftime("%Y-%m-%d")},
    ]
    y = height - 75 * mm
    for line in lines:
        page.drawString(30 * mm, y, line)
        y -= 14 * mm
    page.drawImage(_qr_image(verify_url), width - 70 * mm, 22 * mm, 45 * mm, 45 * mm)
    page.setFont(font, 10)
    page.drawString(
        30 * mm, 22 * mm, _("扫码或访问 %(url)s 核验本证书（编号 %(code)s）") % {"url": verify_url, "code": code}
    )
    page.showPage()
    page.save()
    return buffer.getvalue()


UNIT_REPORT_HEADERS = ["姓名", "服务队伍", "居住社区", "累计服务时长（小时）", "证书"]


def unit_report_rows(volunteers, community_names: dict, certificates: dict) -> list[list]:
    return [
        [
            v.name,
            v.get_group_display(),
            community_names.get(v.community_code, v.community_code),
            float(v.hours_total),
            "、".join(f"{t}小时" for t in certificates.get(v.pk, [])),
        ]
        for v in volunteers
    ]


def unit_report_xlsx(unit_name: str, rows: list[list]) -> bytes:
    """The report as a workbook; names typed by volunteers and workers stay text (core.workbook)."""
    book = new_workbook()
    sheet = book.active
    sheet.title = "志愿服务"
    sheet.append([f"{unit_name} 志愿服务情况（{timezone.localdate():%Y-%m-%d}）"])
    sheet.append(UNIT_REPORT_HEADERS)
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", "", "", sum(r[3] for r in rows), ""])
    for column, width in zip("ABCDE", (12, 12, 24, 20, 30), strict=True):
        sheet.column_dimensions[column].width = width
    return workbook_bytes(book)


def unit_report_pdf(unit_name: str, rows: list[list]) -> bytes:
    font = _font()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setTitle(f"{unit_name} 志愿服务情况")
    width, height = A4
    columns = (20 * mm, 45 * mm, 75 * mm, 130 * mm, 160 * mm)

    def header(y):
        page.setFont(font, 16)
        page.drawString(20 * mm, height - 20 * mm, f"{unit_name} 志愿服务情况（{timezone.localdate():%Y-%m-%d}）")
        page.setFont(font, 10)
        for x, text in zip(columns, UNIT_REPORT_HEADERS, strict=True):
            page.drawString(x, y, text)
        return y - 7 * mm

    y = header(height - 32 * mm)
    for row in rows:
        if y < 20 * mm:
            page.showPage()
            y = header(height - 32 * mm)
        page.setFont(font, 10)
        for x, value in zip(columns, row, strict=True):
            page.drawString(x, y, str(value)[:30])
        y -= 6 * mm
    page.setFont(font, 11)
    page.drawString(20 * mm, max(y - 4 * mm, 12 * mm), f"合计 {len(rows)} 人，{sum(r[3] for r in rows):.2f} 小时")
    page.showPage()
    page.save()
    return buffer.getvalue()
