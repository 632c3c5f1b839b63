"""The login page leads a would-be volunteer to the public sign-up."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_login_page_links_to_the_volunteer_sign_up(client):
    page = client.get("/login/").content.decode()
    assert 'href="/join/"' in page
    assert client.get("/join/").status_code == 200
