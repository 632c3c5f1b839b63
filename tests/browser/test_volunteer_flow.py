"""Sign up → approve → roster → check in and out → certificate, in chromium; the certificate's
Chinese text is read back from the PDF itself: extracted by pypdf and by pdfium, and the page
rendered by pdfium shows the title's glyphs."""

import datetime as dt
import io

import pypdfium2
import pytest
from django.utils import timezone
from pypdf import PdfReader

from gongzhi.volunteers import services
from gongzhi.volunteers.models import CheckIn, Volunteer
from tests.browser.conftest import login
from tests.factories import make_user_with_role, valid_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "serve-the-people-2022"


def test_volunteer_signs_up_serves_and_downloads_a_certificate(page, live_server, community_a, tmp_path):
    worker = make_user_with_role("worker_a", "community_worker", community_a.code)
    now = timezone.now()
    post = services.post_create(actor=worker, community_code=community_a.code, name="1号门值守", group="safety")
    services.shift_create(
        actor=worker, post=post, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3), needed=1
    )
    id_number = valid_id_number()

    # The public sign-up page, on a phone.
    page.goto(f"{live_server.url}/join/")
    page.fill("input[name=name]", "陈志愿")
    page.fill("input[name=id_number]", id_number)
    page.fill("input[name=phone]", "13600000001")
    page.fill("input[name=q]", "水井坊")
    page.wait_for_selector("#community-options option[value='510104017001']", state="attached")
    page.select_option("#community-options", "510104017001")
    page.select_option("select[name=group]", "safety")
    page.check("input[name=skills][value=medical]")
    for box in page.locator("input[name=availability]").all():
        box.check()
    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=consent]")
    page.click("button.primary")
    page.wait_for_selector("#sign-up-done")
    volunteer = Volunteer.objects.get(id_number=id_number)
    assert volunteer.status == "pending"

    # The community worker approves and rosters the day.
    staff = page.context.browser.new_context(locale="zh-CN")
    staff_page = staff.new_page()
    login(staff_page, live_server, "worker_a")
    staff_page.goto(f"{live_server.url}/volunteers/?status=pending")
    row = staff_page.locator("table.volunteers tbody tr", has_text="陈志愿")
    assert id_number not in row.inner_text()
    row.locator("button[value=approved]").click()
    staff_page.wait_for_load_state()
    # The roster of the shift's own day: from midnight to 01:00 Beijing time it began yesterday.
    shift_day = timezone.localtime(now - dt.timedelta(hours=1)).date().isoformat()
    staff_page.goto(f"{live_server.url}/volunteers/posts/?community_code={community_a.code}&day={shift_day}")
    staff_page.click("button[value=roster]")
    result = staff_page.locator("#roster-result").inner_text()
    assert "已证明最优" in result and "已排 1 / 需要 1" in result.replace("\xa0", " ")

    # The volunteer scans the post's code: check in, (two hours later) check out.
    login(page, live_server, "13600000001", PASSWORD)
    page.goto(f"{live_server.url}/checkin/{post.checkin_key}/")
    page.click("button[value=in]")
    assert "签到成功" in page.locator("ul.messages").inner_text()
    CheckIn.objects.update(checked_in_at=timezone.now() - dt.timedelta(hours=2))
    page.click("button[value=out]")
    assert "已签退" in page.locator("ul.messages").inner_text()

    # The worker confirms the hours and adds the earlier service that was on paper.
    staff_page.goto(f"{live_server.url}/volunteers/checkins/")
    staff_page.locator("table.checkins tbody tr", has_text="陈志愿").locator("button").click()
    staff_page.goto(f"{live_server.url}/volunteers/{volunteer.public_id}/")
    staff_page.fill("input[name=hours]", "9")
    staff_page.fill("input[name=reason]", "补录9月1日核酸检测服务")
    staff_page.locator("form", has_text="更正时长").locator("button").click()
    assert "时长已更正" in staff_page.locator("ul.messages").inner_text()
    staff.close()

    # The volunteer's own page has the certificate; download it and read it.
    page.goto(f"{live_server.url}/me/")
    hours = float(page.locator("#my-hours").inner_text())
    assert 9.99 <= hours <= 10.01  # one hour counted inside the shift (it began an hour ago), plus nine
    with page.expect_download() as download:
        page.locator("ul.certificates a").first.click()
    path = tmp_path / "certificate.pdf"
    download.value.save_as(path)
    content = path.read_bytes()

    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "志愿服务证书" in text and "陈志愿" in text and "水井坊社区居委会" in text
    pdf = pypdfium2.PdfDocument(content)
    pdfium_text = pdf[0].get_textpage().get_text_range()
    assert "志愿服务证书" in pdfium_text and "陈志愿" in pdfium_text
    # Rendered: the title band holds drawn glyphs (dark pixels), the band below the border is blank.
    image = pdf[0].render(scale=1).to_pil().convert("L")
    width, height = image.size
    title = image.crop((int(width * 0.3), int(height * 0.12), int(width * 0.7), int(height * 0.2)))
    dark = sum(title.histogram()[:128]) / (title.width * title.height)
    assert 0.02 < dark < 0.6, dark
    margin = image.crop((0, 0, width, int(height * 0.03)))
    assert sum(margin.histogram()[:128]) == 0

    # The QR code leads to the public check, which shows the name masked.
    cert = volunteer.certificates.get()
    page.goto(f"{live_server.url}/v/cert/{cert.public_id}/")
    check = page.locator("#certificate-check").inner_text()
    assert "陈志愿" not in check and "水井坊社区居委会" in check
