"""In chromium: a street official picks a community by name in the coverage filter (the picker is
redrawn level by level over htmx) and sees that community's coverage."""

import pytest

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
    page.wait_for_function(
        f"document.querySelector('#picker-area_code input[name=area_code]').value === '{community_b.code}'"
    )
    page.click("form.filters button")
    page.wait_for_url(f"**area_code={community_b.code}**")
    assert page.locator("#untested-count").inner_text() == "0"
    page.locator("#picker-area_code select").nth(1).select_option(label="水井坊社区居委会")
    page.wait_for_function(
        f"document.querySelector('#picker-area_code input[name=area_code]').value === '{community_a.code}'"
    )
    page.click("form.filters button")
    page.wait_for_url(f"**area_code={community_a.code}**")
    assert page.locator("#untested-count").inner_text() == "3"
