from django.urls import path

from gongzhi.zones import views

app_name = "zones"
urlpatterns = [
    path("zones/", views.zone_list, name="list"),
    path("zones/<str:public_id>/", views.zone_detail, name="detail"),
]
