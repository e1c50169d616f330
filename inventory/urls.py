from django.urls import path

from inventory import views
from inventory.views import purchase_orders, suggestions

urlpatterns = [
    path("purchasing/", views.purchaser_home, name="purchaser-home"),
    path("no-role/", views.no_role, name="no-role"),
    path("warehouse/switch/", views.warehouse_switch, name="warehouse-switch"),
    path("purchasing/suggestions/", suggestions.suggestions_page, name="purchaser-suggestions"),
    path(
        "purchasing/suggestions/approve/",
        suggestions.suggestions_approve_view,
        name="suggestions-approve",
    ),
    path(
        "purchasing/suggestions/review/",
        suggestions.suggestions_review_view,
        name="suggestions-review",
    ),
    path(
        "purchasing/suggestions/<int:suggestion_id>/quantity/",
        suggestions.suggestion_quantity_view,
        name="suggestion-quantity",
    ),
    path(
        "purchasing/suggestions/<int:suggestion_id>/approve/",
        suggestions.suggestion_approve_view,
        name="suggestion-approve",
    ),
    path(
        "purchasing/suggestions/<int:suggestion_id>/dismiss/",
        suggestions.suggestion_dismiss_view,
        name="suggestion-dismiss",
    ),
    path("purchasing/orders/", purchase_orders.purchase_orders_list_page, name="purchase-orders"),
    path(
        "purchasing/orders/<int:purchase_order_id>/",
        purchase_orders.purchase_order_page,
        name="purchase-order",
    ),
    path(
        "purchasing/orders/<int:purchase_order_id>/pdf/",
        purchase_orders.purchase_order_pdf_view,
        name="purchase-order-pdf",
    ),
    path(
        "purchasing/orders/<int:purchase_order_id>/send/",
        purchase_orders.purchase_order_send_view,
        name="purchase-order-send",
    ),
    path(
        "purchasing/orders/<int:purchase_order_id>/cancel/",
        purchase_orders.purchase_order_cancel_view,
        name="purchase-order-cancel",
    ),
    path(
        "purchasing/orders/<int:purchase_order_id>/lines/add/",
        purchase_orders.purchase_order_line_add_view,
        name="purchase-order-line-add",
    ),
    path(
        "purchasing/orders/<int:purchase_order_id>/lines/<int:product_id>/",
        purchase_orders.purchase_order_line_view,
        name="purchase-order-line",
    ),
    path(
        "purchasing/orders/<int:purchase_order_id>/lines/<int:product_id>/remove/",
        purchase_orders.purchase_order_line_remove_view,
        name="purchase-order-line-remove",
    ),
]
