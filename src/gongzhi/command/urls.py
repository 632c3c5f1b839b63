from django.urls import path

from gongzhi.command import views

app_name = "command"
urlpatterns = [path("command/", views.command, name="home")]
