from django.urls import path

from inventory import views

urlpatterns = [
    path("purchasing/", views.purchaser_home, name="purchaser-home"),
    path("no-role/", views.no_role, name="no-role"),
    path("warehouse/switch/", views.warehouse_switch, name="warehouse-switch"),
]
