from django.urls import path

from gongzhi.places import views

app_name = "places"
urlpatterns = [
    path("", views.home, name="home"),
    path("areas/", views.area_browse, name="area_browse"),
    path("areas/pick/", views.area_picker, name="area_picker"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("areas/<str:code>/grids/new/", views.grid_new, name="grid_new"),
    path("grids/<str:public_id>/", views.grid_detail, name="grid_detail"),
    path("grids/<str:public_id>/buildings/new/", views.building_new, name="building_new"),
    path("buildings/<str:public_id>/", views.building_detail, name="building_detail"),
    path("buildings/<str:public_id>/households/new/", views.household_new, name="household_new"),
    path("buildings/<str:public_id>/door-codes/", views.door_codes, name="door_codes"),
    # a household's own page: its door code is the key
    path("h/<str:code>/", views.household_door, name="household_door"),
    path("households/<str:public_id>/edit/", views.household_edit, name="household_edit"),
]
