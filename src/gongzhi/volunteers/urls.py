from django.urls import path

from gongzhi.volunteers.views import duty, own, public, reports, reservoir

app_name = "volunteers"
urlpatterns = [
    # public
    path("join/", public.sign_up, name="sign_up"),
    path("join/communities/", public.community_search, name="community_search"),
    path("v/cert/<str:public_id>/", public.certificate_verify, name="certificate_verify"),
    # a volunteer's own
    path("me/", own.me, name="me"),
    path("me/aid/", own.aid_submit, name="aid_submit"),
    path("me/certificates/<str:public_id>.pdf", own.certificate_download, name="certificate_download"),
    path("checkin/<str:key>/", own.checkin_page, name="checkin"),
    # the community's
    path("volunteers/", reservoir.volunteer_list, name="volunteer_list"),
    path("volunteers/linkage/", reservoir.linkage, name="linkage"),
    path("volunteers/posts/", duty.posts, name="posts"),
    path("volunteers/posts/roster.xlsx", duty.roster_export, name="roster_export"),
    path("volunteers/posts/roster/", duty.roster_print, name="roster_print"),
    path("volunteers/posts/<str:public_id>/qr/", duty.post_qr, name="post_qr"),
    path("volunteers/checkins/", duty.checkins, name="checkins"),
    path("volunteers/hours/", reports.hours_report, name="hours_report"),
    path("volunteers/training/", duty.training, name="training"),
    path("volunteers/aid/", reservoir.aid_list, name="aid_list"),
    path("volunteers/units/<str:public_id>/report.<str:fmt>", reports.unit_report, name="unit_report"),
    path("volunteers/<str:public_id>/", reservoir.volunteer_detail, name="volunteer_detail"),
    path("volunteers/<str:public_id>/review/", reservoir.volunteer_review, name="volunteer_review"),
    path("volunteers/<str:public_id>/hours/", reservoir.hours_correct, name="hours_correct"),
]
