from django.urls import path

from warehouse import views
from warehouse.views import counting, order_entry, orders, packing, picking, product_page

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
    # cycle counts (issue 6)
    path("floor/counts/<int:task_id>/", counting.count_page, name="floor-count"),
    path("floor/counts/<int:task_id>/scan/", counting.count_scan_view, name="floor-count-scan"),
    path("supervisor/counts/", counting.counts_page, name="supervisor-counts"),
    path("supervisor/counts/plan/", counting.counts_plan_view, name="supervisor-counts-plan"),
    path(
        "supervisor/counts/<int:count_id>/<slug:action>/",
        counting.count_decide_view,
        name="supervisor-count-decide",
    ),
]

# supervisor dashboard and warehouse map (issue 6)
from warehouse.views import dashboard, warehouse_map  # noqa: E402

urlpatterns += [
    path("supervisor/dashboard/", dashboard.dashboard_page, name="supervisor-dashboard"),
    path("supervisor/map/", warehouse_map.map_page, name="supervisor-map"),
    path("supervisor/map/find/", warehouse_map.bin_find_view, name="supervisor-map-find"),
    path(
        "supervisor/map/bins/<int:location_id>/",
        warehouse_map.bin_detail_view,
        name="supervisor-map-bin",
    ),
]

# CSV imports and exports on the data page (issue 6)
from warehouse.views import data  # noqa: E402

urlpatterns += [
    path("supervisor/data/", data.data_page, name="supervisor-data"),
    path(
        "supervisor/data/imports/",
        data.data_import_start_view,
        name="supervisor-data-import-start",
    ),
    path(
        "supervisor/data/imports/<str:job_id>/",
        data.data_import_page,
        name="supervisor-data-import",
    ),
    path(
        "supervisor/data/templates/<slug:kind>.csv",
        data.data_template_view,
        name="supervisor-data-template",
    ),
    path(
        "supervisor/data/export/<slug:what>.csv",
        data.data_export_view,
        name="supervisor-data-export",
    ),
]

# traceability and labels (issue 6)
from warehouse.views import labels as label_views  # noqa: E402
from warehouse.views import trace as trace_views  # noqa: E402

urlpatterns += [
    path("supervisor/trace/", trace_views.trace_search_page, name="supervisor-trace"),
    path(
        "supervisor/trace/lot/<int:lot_id>/",
        trace_views.lot_trace_page,
        name="supervisor-trace-lot",
    ),
    path(
        "supervisor/trace/lot/<int:lot_id>/csv/",
        trace_views.lot_trace_csv,
        name="supervisor-trace-lot-csv",
    ),
    path(
        "supervisor/trace/bin/<int:location_id>/",
        trace_views.bin_history_page,
        name="supervisor-trace-bin",
    ),
    path(
        "supervisor/trace/product/<int:product_id>/",
        trace_views.product_history_page,
        name="supervisor-trace-product",
    ),
    path("supervisor/labels/", label_views.labels_page, name="supervisor-labels"),
    path("supervisor/labels/print/", label_views.labels_print, name="supervisor-labels-print"),
]

# task board and audit trail (issue 6)
from warehouse.views import audit as audit_views  # noqa: E402
from warehouse.views import task_board as task_board_views  # noqa: E402

urlpatterns += [
    path("supervisor/tasks/", task_board_views.task_board_page, name="supervisor-tasks"),
    path("supervisor/tasks/bulk/", task_board_views.task_bulk_view, name="supervisor-tasks-bulk"),
    path(
        "supervisor/tasks/<int:task_id>/history/",
        task_board_views.task_history_view,
        name="supervisor-task-history",
    ),
    path(
        "supervisor/tasks/<int:task_id>/<slug:action>/",
        task_board_views.task_action_view,
        name="supervisor-task-action",
    ),
    path("supervisor/audit/", audit_views.audit_page, name="supervisor-audit"),
]
