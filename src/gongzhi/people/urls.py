from django.urls import path
from django.views.generic import RedirectView

from gongzhi.people import register_views, views

app_name = "people"
urlpatterns = [
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_new, name="resident_new"),
    path("residents/export.xlsx", register_views.resident_export, name="resident_export"),
    path("residents/<str:public_id>/", views.resident_detail, name="resident_detail"),
    path("households/<str:public_id>/", views.household_detail, name="household_detail"),
    path("residents/<str:public_id>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<str:public_id>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("register/template.xlsx", register_views.register_template, name="register_template"),
    path("register/import/", register_views.register_import_upload, name="register_import"),
    path("register/import/<str:public_id>/", register_views.register_import_detail, name="register_import_detail"),
    # The register's pages were under /roster/ before "roster" came to mean volunteer rosters only.
    path("roster/import/", RedirectView.as_view(pattern_name="people:register_import", query_string=True)),
    path("roster/template.xlsx", RedirectView.as_view(pattern_name="people:register_template")),
]
