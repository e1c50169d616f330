"""/api/v1/: one router over both apps' API modules, and the token endpoint."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from inventory.apis.audit import AuditEventViewSet
from inventory.apis.catalog import ProductViewSet, SupplierViewSet
from inventory.apis.levels import StockLevelViewSet
from inventory.apis.offers import SupplierOfferViewSet
from inventory.apis.purchasing import PurchaseOrderViewSet
from inventory.apis.replenishment import ReorderRuleViewSet, ReorderSuggestionViewSet
from warehouse.apis.counts import CountViewSet
from warehouse.apis.imports import ImportViewSet
from warehouse.apis.layout import LocationViewSet, WarehouseViewSet
from warehouse.apis.lots import LotViewSet
from warehouse.apis.orders import OrderViewSet
from warehouse.apis.receiving import ReceiptViewSet
from warehouse.apis.replenishment import PickFaceRuleViewSet
from warehouse.apis.stock import AdjustmentViewSet, QuantViewSet, StockMoveViewSet
from warehouse.apis.tasks import TaskViewSet
from warehouse.apis.waves import WaveViewSet
from wms.api.auth import TokenObtainView

router = DefaultRouter()
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("locations", LocationViewSet, basename="location")
router.register("products", ProductViewSet, basename="product")
router.register("suppliers", SupplierViewSet, basename="supplier")
router.register("stock", QuantViewSet, basename="quant")
router.register("stock-levels", StockLevelViewSet, basename="stock-level")
router.register("moves", StockMoveViewSet, basename="move")
router.register("tasks", TaskViewSet, basename="task")
router.register("adjustments", AdjustmentViewSet, basename="adjustment")
router.register("purchase-orders", PurchaseOrderViewSet, basename="purchase-order")
router.register("reorder-rules", ReorderRuleViewSet, basename="reorder-rule")
router.register("reorder-suggestions", ReorderSuggestionViewSet, basename="reorder-suggestion")
router.register("supplier-offers", SupplierOfferViewSet, basename="supplier-offer")
router.register("receipts", ReceiptViewSet, basename="receipt")
router.register("orders", OrderViewSet, basename="order")
router.register("waves", WaveViewSet, basename="wave")
router.register("pick-faces", PickFaceRuleViewSet, basename="pick-face")
router.register("counts", CountViewSet, basename="count")  # cycle counts (issue 6)
router.register("audit-events", AuditEventViewSet, basename="audit-event")  # issue 6
router.register("lots", LotViewSet, basename="lot")  # traceability (issue 6)
router.register("imports", ImportViewSet, basename="import")  # CSV imports (issue 6)

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
