"""In chromium: a street official picks a community by name in the coverage filter (the picker is
redrawn level by level over htmx) and sees that community's coverage."""

import pytest
from playwright.sync_api import expect

from gongzhi.testing import services
from tests.browser.conftest import login
from tests.factories import HouseholdFactory, ResidentFactory, make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_community_is_picked_by_name_and_its_coverage_shown(page, live_server, areas, community_a, community_b):
    for _n in range(3):
        ResidentFactory(household=HouseholdFactory())  # in community_a (the factories' default)
    street = make_user_with_role("street_picker", "street_staff", community_a.code[:9])
    round_ = services.round_create(actor=street, name="街道第一轮", area_code=community_a.code[:9], pool_size=10)
    login(page, live_server, "street_picker")
    page.goto(f"{live_server.url}/rounds/{round_.public_id}/coverage/")
    page.locator("#picker-area_code select").nth(1).select_option(label="崇德里社区居委会")
    expect(page.locator("#picker-area_code input[name=area_code]")).to_have_value(community_b.code)
    page.click("form.filters button")
    page.wait_for_url(f"**area_code={community_b.code}**")
    assert page.locator("#untested-count").inner_text() == "0"
    page.locator("#picker-area_code select").nth(1).select_option(label="水井坊社区居委会")
    expect(page.locator("#picker-area_code input[name=area_code]")).to_have_value(community_a.code)
    page.click("form.filters button")
    page.wait_for_url(f"**area_code={community_a.code}**")
    assert page.locator("#untested-count").inner_text() == "3"


def test_the_dashboard_drills_down_by_clicking(page, live_server, areas, community_a, community_b):
    for _n in range(2):
        ResidentFactory(household=HouseholdFactory())
    street = make_user_with_role("street_drill", "street_staff", community_a.code[:9])
    round_ = services.round_create(actor=street, name="街道第二轮", area_code=community_a.code[:9], pool_size=10)
    login(page, live_server, "street_drill")
    page.goto(f"{live_server.url}/rounds/{round_.public_id}/")
    page.wait_for_selector("#drill-table tbody tr")
    assert page.locator("#drill-totals [data-k=expected]").inner_text() == "2"
    page.locator("#drill-table tbody a", has_text="水井坊社区居委会").click()
    expect(page.locator("#drill-trail")).to_contain_text("水井坊社区居委会")
    expect(page.locator("#drill-table tbody td").first).to_contain_text("网格")
    assert page.locator("#drill-totals [data-k=untested]").inner_text() == "2"
    page.locator("#drill-trail a", has_text="锦官驿街道").click()
    expect(page.locator("#drill-trail")).to_have_text("锦官驿街道")
