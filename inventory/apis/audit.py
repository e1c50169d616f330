"""The audit trail over the API: GET /api/v1/audit-events/ (and one record by id).

Read only: records are written by the services that make the changes. Needs
``inventory.view_auditevent`` (supervisors). A reader sees the records of their warehouses
and those of what all warehouses share (products, suppliers, supplier offers).
"""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from inventory.models import AuditEvent
from inventory.selectors.audit import audit_events_list
from inventory.services.audit import ACTIONS, OBJECT_TYPES
from wms.api.schema import error_responses
from wms.api.viewsets import ApiViewSet, filter_text


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username",
        read_only=True,
        allow_null=True,
        help_text="Username of who acted; null: the system (demo data, planners).",
    )
    actor_id = serializers.IntegerField(read_only=True, allow_null=True)
    warehouse = serializers.CharField(
        source="warehouse.code",
        read_only=True,
        allow_null=True,
        help_text="Code of the warehouse the object belongs to; null for shared master data.",
    )
    warehouse_id = serializers.IntegerField(read_only=True, allow_null=True)
    changes = serializers.JSONField(
        read_only=True, help_text="Per changed field, `[before, after]` (before is null on create)."
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "warehouse",
            "warehouse_id",
            "changes",
            "note",
        ]
        read_only_fields = fields


class AuditEventFilters(serializers.Serializer):
    object_type = serializers.ChoiceField(
        choices=sorted(OBJECT_TYPES), required=False, allow_blank=True
    )
    object_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    action = serializers.ChoiceField(choices=sorted(ACTIONS), required=False, allow_blank=True)
    actor = filter_text(150, "Username or user id of who acted.")
    warehouse = filter_text(20, "Warehouse code: only that warehouse's records.")
    since = serializers.DateField(required=False, help_text="From this day on (YYYY-MM-DD).")
    until = serializers.DateField(required=False, help_text="Up to this day, included.")
    search = filter_text(100, "Part of the object's label or the note; an id matches exactly.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": ["Must not be before since."]})
        return attrs


@extend_schema_view(
    list=extend_schema(
        parameters=[AuditEventFilters],
        description="Who changed what master data, and which tasks supervisors steered, "
        "newest first. Needs permission `inventory.view_auditevent` (supervisors).",
        responses={200: AuditEventSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: AuditEventSerializer, **error_responses(404)}),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = AuditEvent.objects.none()
    serializer_class = AuditEventSerializer
    filter_serializer_class = AuditEventFilters

    def get_queryset(self):
        filters = self.filters()
        code = filters.pop("warehouse", "")
        return audit_events_list(warehouses=self.warehouses(), warehouse_code=code, **filters)
