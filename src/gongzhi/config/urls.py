from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from gongzhi.config.api import api

urlpatterns = [
    # first: every API request (the busiest: scan batches, new requests) is resolved here at once
    path("api/", api.urls),
    path("", include("gongzhi.core.urls")),
    path("", include("gongzhi.places.urls")),
    path("", include("gongzhi.people.urls")),
    path("", include("gongzhi.testing.urls")),
    path("", include("gongzhi.volunteers.urls")),
    path("", include("gongzhi.supplies.urls")),
    path("", include("gongzhi.appeals.urls")),
    path("", include("gongzhi.notices.urls")),
    path("", include("gongzhi.zones.urls")),
    path("", include("gongzhi.command.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # browsers ask for it on any response without an icon link (an API answer opened in a tab)
    path("favicon.ico", RedirectView.as_view(url=static("gongzhi/favicon.svg"), permanent=True)),
]
