from django.urls import path

from gongzhi.people import roster_views, views

app_name = "people"
urlpatterns = [
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_new, name="resident_new"),
    path("residents/export.xlsx", roster_views.resident_export, name="resident_export"),
    path("residents/<str:public_id>/", views.resident_detail, name="resident_detail"),
    path("residents/<str:public_id>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<str:public_id>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("roster/template.xlsx", roster_views.roster_template, name="roster_template"),
    path("roster/import/", roster_views.roster_import, name="roster_import"),
    path("roster/import/<str:public_id>/", roster_views.roster_import_detail, name="roster_import_detail"),
]
