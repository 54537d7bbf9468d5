from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("refer/", views.refer, name="refer"),
    path("request-a-visit/", views.second_opinion, name="second_opinion"),
    path("existing-patients/message/", views.existing_patient, name="existing_patient"),
    path("received/<str:token>/", views.confirmation, name="confirmation"),
    path("status/", views.status, name="status"),
    path("records/<str:token>/", views.records_upload, name="records_upload"),
    path("records/<str:token>/received/", views.records_received, name="records_received"),
]
