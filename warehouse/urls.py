from django.urls import path

from warehouse import views

urlpatterns = [
    path("floor/", views.floor_home, name="floor-home"),
    path("floor/scan/", views.scan_lookup_view, name="floor-scan"),
    path("floor/tasks/claim/", views.task_claim_view, name="floor-task-claim"),
    path("floor/tasks/<int:task_id>/", views.task_work_view, name="floor-task"),
    path("floor/tasks/<int:task_id>/scan/", views.task_scan_view, name="floor-task-scan"),
    path("floor/tasks/<int:task_id>/inspect/", views.task_inspect_view, name="floor-task-inspect"),
    path("floor/tasks/<int:task_id>/release/", views.task_release_view, name="floor-task-release"),
    path("floor/receiving/", views.receiving_list, name="floor-receiving"),
    path("floor/receiving/find/", views.receipt_find_view, name="floor-receipt-find"),
    path("floor/receiving/start/", views.receipt_start_view, name="floor-receipt-start"),
    path("floor/receiving/<int:receipt_id>/", views.receipt_page, name="floor-receipt"),
    path(
        "floor/receiving/<int:receipt_id>/scan/",
        views.receipt_scan_view,
        name="floor-receipt-scan",
    ),
    path(
        "floor/receiving/<int:receipt_id>/receive/",
        views.receipt_receive_view,
        name="floor-receipt-receive",
    ),
    path(
        "floor/receiving/<int:receipt_id>/close/",
        views.receipt_close_view,
        name="floor-receipt-close",
    ),
    path("supervisor/", views.supervisor_home, name="supervisor-home"),
    path("supervisor/quarantine/", views.quarantine_page, name="supervisor-quarantine"),
    path(
        "supervisor/quarantine/<int:quant_id>/<slug:action>/",
        views.quarantine_decide_view,
        name="supervisor-quarantine-decide",
    ),
]
