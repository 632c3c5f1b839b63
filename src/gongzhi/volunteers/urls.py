from django.urls import path

from gongzhi.volunteers import views

app_name = "volunteers"
urlpatterns = [
    # public
    path("join/", views.sign_up, name="sign_up"),
    path("join/communities/", views.community_search, name="community_search"),
    path("v/cert/<str:public_id>/", views.certificate_verify, name="certificate_verify"),
    # a volunteer's own
    path("me/", views.me, name="me"),
    path("me/aid/", views.aid_submit, name="aid_submit"),
    path("me/certificates/<str:public_id>.pdf", views.certificate_download, name="certificate_download"),
    path("checkin/<str:key>/", views.checkin_page, name="checkin"),
    # the community's
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("volunteers/linkage/", views.linkage, name="linkage"),
    path("volunteers/posts/", views.posts, name="posts"),
    path("volunteers/posts/<str:public_id>/qr/", views.post_qr, name="post_qr"),
    path("volunteers/checkins/", views.checkins, name="checkins"),
    path("volunteers/hours/", views.hours_report, name="hours_report"),
    path("volunteers/training/", views.training, name="training"),
    path("volunteers/aid/", views.aid_list, name="aid_list"),
    path("volunteers/units/<str:public_id>/report.<str:fmt>", views.unit_report, name="unit_report"),
    path("volunteers/<str:public_id>/", views.volunteer_detail, name="volunteer_detail"),
    path("volunteers/<str:public_id>/review/", views.volunteer_review, name="volunteer_review"),
    path("volunteers/<str:public_id>/hours/", views.hours_correct, name="hours_correct"),
]
