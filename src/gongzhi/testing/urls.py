from django.urls import path

from gongzhi.testing import views

app_name = "testing"
urlpatterns = [
    path("collect-sw.js", views.collect_service_worker, name="collect_sw"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/current/<str:page>/", views.round_current, name="round_current"),
    path("rounds/<str:public_id>/", views.round_dashboard, name="round_dashboard"),
    path("rounds/<str:public_id>/progress.json", views.round_progress, name="round_progress"),
    path("rounds/<str:public_id>/transition/", views.round_transition, name="round_transition"),
    path("rounds/<str:public_id>/coverage/", views.coverage, name="coverage"),
    path("rounds/<str:public_id>/untested.xlsx", views.untested_export, name="untested_export"),
    path("rounds/<str:public_id>/recalls/", views.recall_list, name="recall_list"),
    path("rounds/<str:public_id>/door-to-door/<str:resident_id>/", views.door_visit, name="door_visit"),
    path("rounds/<str:public_id>/recalls.xlsx", views.recall_export, name="recall_export"),
    path("rounds/<str:public_id>/results/", views.results_import, name="results_import"),
    path("recalls/<str:public_id>/transition/", views.recall_transition, name="recall_transition"),
    path("rounds/<str:public_id>/collect/", views.collect, name="collect"),
    path("rounds/<str:public_id>/collectors/", views.round_collectors, name="round_collectors"),
    path("rounds/<str:public_id>/sites/", views.site_plan, name="site_plan"),
    path("rounds/<str:public_id>/slots/<str:building_id>/notice/", views.slot_notice, name="slot_notice"),
    path("rounds/<str:public_id>/notices/", views.slot_notices, name="slot_notices"),
]
