from django.urls import path

from warehouse import views

urlpatterns = [
    path("floor/", views.floor_home, name="floor-home"),
    path("floor/scan/", views.scan_lookup_view, name="floor-scan"),
    path("floor/tasks/claim/", views.task_claim_view, name="floor-task-claim"),
    path("floor/tasks/<int:task_id>/release/", views.task_release_view, name="floor-task-release"),
    path("supervisor/", views.supervisor_home, name="supervisor-home"),
]
