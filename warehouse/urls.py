from django.urls import path

from warehouse import views

urlpatterns = [
    path("floor/", views.floor_home, name="floor-home"),
    path("supervisor/", views.supervisor_home, name="supervisor-home"),
]
