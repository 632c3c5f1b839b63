from django.urls import path

from gongzhi.notices import views

app_name = "notices"
urlpatterns = [
    path("notices/", views.notice_list, name="list"),
    path("notices/new/", views.notice_new, name="new"),
    path("notices/reach/", views.reach, name="reach"),
    path("notices/<str:public_id>/", views.notice_detail, name="detail"),
    path("notices/<str:public_id>/print/", views.notice_print, name="print"),
    path("notices/<str:public_id>/cap.xml", views.notice_cap, name="cap"),
    path("notices/<str:public_id>/building/<str:building_id>/", views.notice_building, name="building"),
    # a notice on a household's own page: its door code is the key
    path("h/<str:code>/notices/<str:notice_id>/", views.household_notice, name="household_notice"),
]
