from django.urls import path

from warehouse import views
from warehouse.views import order_entry, orders, packing, picking, product_page

urlpatterns = [
    path("floor/", views.floor_home, name="floor-home"),
    path("floor/scan/", views.scan_lookup_view, name="floor-scan"),
    path("floor/tasks/claim/", views.task_claim_view, name="floor-task-claim"),
    path("floor/tasks/<int:task_id>/", views.task_work_view, name="floor-task"),
    path("floor/tasks/<int:task_id>/scan/", views.task_scan_view, name="floor-task-scan"),
    path("floor/tasks/<int:task_id>/inspect/", views.task_inspect_view, name="floor-task-inspect"),
    path("floor/tasks/<int:task_id>/release/", views.task_release_view, name="floor-task-release"),
    path("floor/picks/<int:task_id>/", picking.pick_page, name="floor-pick"),
    path("floor/picks/<int:task_id>/scan/", picking.pick_scan_view, name="floor-pick-scan"),
    path("floor/packing/", packing.packing_list, name="floor-packing"),
    path("floor/packing/find/", packing.packing_find_view, name="floor-packing-find"),
    path("floor/packing/<int:order_id>/", packing.pack_page, name="floor-pack"),
    path("floor/packing/<int:order_id>/scan/", packing.pack_scan_view, name="floor-pack-scan"),
    path("floor/packing/<int:order_id>/close/", packing.pack_close_view, name="floor-pack-close"),
    path("floor/packing/<int:order_id>/ship/", packing.pack_ship_view, name="floor-pack-ship"),
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
    path("products/<int:product_id>/", product_page.product_page, name="product-stock"),
    path("supervisor/", views.supervisor_home, name="supervisor-home"),
    path("supervisor/quarantine/", views.quarantine_page, name="supervisor-quarantine"),
    path("supervisor/orders/", orders.orders_list_page, name="supervisor-orders"),
    path("supervisor/orders/new/", order_entry.order_new_page, name="supervisor-order-new"),
    path(
        "supervisor/orders/upload/", order_entry.orders_upload_page, name="supervisor-orders-upload"
    ),
    path("supervisor/orders/release/", orders.wave_release_view, name="supervisor-wave-release"),
    path("supervisor/orders/<int:order_id>/", orders.order_page, name="supervisor-order"),
    path(
        "supervisor/orders/<int:order_id>/cancel/",
        orders.order_cancel_view,
        name="supervisor-order-cancel",
    ),
    path(
        "supervisor/orders/<int:order_id>/ship/",
        orders.order_ship_view,
        name="supervisor-order-ship",
    ),
    path("supervisor/waves/<int:wave_id>/", orders.wave_page, name="supervisor-wave"),
    path(
        "supervisor/quarantine/<int:quant_id>/<slug:action>/",
        views.quarantine_decide_view,
        name="supervisor-quarantine-decide",
    ),
]
