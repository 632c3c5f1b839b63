from django.urls import path

from gongzhi.appeals import views

app_name = "appeals"
urlpatterns = [
    # a household's own pages: its door code is the key
    path("h/<str:code>/requests/", views.household_requests, name="household_requests"),
    path("h/<str:code>/requests/<str:public_id>/", views.household_request, name="household_request"),
    path("appeals/", views.worklist, name="worklist"),
    path("appeals/new/", views.appeal_new, name="new"),
    path("appeals/dashboard/", views.dashboard, name="dashboard"),
    path("appeals/hotline/", views.hotline, name="hotline"),
    path("appeals/hotline/<str:public_id>/", views.hotline_import, name="hotline_import"),
    path("appeals/<str:public_id>/", views.appeal_detail, name="detail"),
]
