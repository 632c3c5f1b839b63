from django.urls import path

from gongzhi.supplies.views import allocation, catalogue, dashboard, delivery, orders, stock

app_name = "supplies"
urlpatterns = [
    # a household's own page: its door code is the key
    path("o/<str:code>/", orders.household_order, name="household_order"),
    path("supplies/", dashboard.home, name="home"),
    path("supplies/catalogue/", catalogue.catalogue, name="catalogue"),
    path("supplies/points/", stock.points, name="points"),
    path("supplies/points/<str:public_id>/", stock.point, name="point"),
    path("supplies/points/<str:public_id>/packing/", orders.packing, name="packing"),
    path("supplies/orders/", orders.orders, name="orders"),
    path("supplies/orders/new/", orders.order_new, name="order_new"),
    path("supplies/orders/<str:public_id>/", orders.order, name="order"),
    path("supplies/allocation/", allocation.allocation, name="allocation"),
    path("supplies/runs/", delivery.runs, name="runs"),
    path("supplies/runs/mine/", delivery.my_runs, name="my_runs"),
    path("supplies/runs/<str:public_id>/", delivery.run, name="run"),
]
