from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("", views.home, name="home"),
    path("therapies/", views.therapy_list, name="therapy_list"),
    path("therapies/<slug:slug>/", views.therapy_detail, name="therapy_detail"),
    path("studies/", views.study_list, name="study_list"),
    path("studies/<str:nct_number>/", views.study_detail, name="study_detail"),
    path("stories/", views.story_list, name="story_list"),
    path("stories/<slug:slug>/", views.story_detail, name="story_detail"),
    path("videos/", views.video_list, name="video_list"),
    path("videos/<slug:slug>/", views.video_detail, name="video_detail"),
    path("what-to-expect/<slug:audience>/", views.what_to_expect, name="what_to_expect"),
    path("families/<slug:key>/", views.family_page, name="family_page"),
    path("existing-patients/", views.contact, name="contact"),
]
