"""Supervisor control of tasks over the API: PATCH a task's assignee or priority, cancel it,
release it. Mixed into ``warehouse.apis.tasks.TaskViewSet`` (one resource, one router entry).

Each call needs permission ``warehouse.control_task`` (supervisors): anyone else gets 403,
checked before the task is looked up. A task outside the caller's warehouses is 404. Every
change goes through ``warehouse.services.task_board`` and lands in the audit trail.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from warehouse.models import Task
from warehouse.services.task_board import (
    task_board_assign,
    task_board_cancel,
    task_board_priority_set,
    task_board_release,
)
from wms.api.permissions import RequiresPermission
from wms.api.schema import SCOPE_NOTE, error_responses

CONTROL_ACTIONS = frozenset({"partial_update", "cancel", "release"})
CHANGEABLE = ("assignee", "priority")
# TaskSerializer's component: that module imports this one, so it is named, not imported.
TASK = {"$ref": "#/components/schemas/Task"}


class CanControlTasks(RequiresPermission):
    """Supervisors: assign, reprioritise, cancel and release any task of their warehouses."""

    permission = "warehouse.control_task"


class TaskChangeSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        max_length=150,
        required=False,
        allow_null=True,
        help_text="The worker to give the task to: username or user id, a floor worker or "
        "supervisor of the task's warehouse. null puts an assigned task back in the queue.",
    )
    priority = serializers.IntegerField(
        min_value=1, max_value=9, required=False, help_text="1 (most urgent) to 9."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = [name for name in self.initial_data if name not in CHANGEABLE]
        if unknown:
            raise ValidationError(
                {
                    name: [
                        ErrorDetail(
                            "Only assignee and priority change here; cancel and release have "
                            "endpoints of their own.",
                            code="read_only",
                        )
                    ]
                    for name in unknown
                }
            )
        if not attrs:
            raise ValidationError(
                {"non_field_errors": [ErrorDetail("Give assignee, priority or both.", "required")]}
            )
        return attrs


class TaskCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Why, for the audit trail."
    )


class TaskControlMixin:
    """PATCH (assignee, priority), ``cancel`` and ``release`` for supervisors."""

    def get_permissions(self) -> list[BasePermission]:
        if self.action in CONTROL_ACTIONS:  # type: ignore[attr-defined]
            return [IsAuthenticated(), CanControlTasks()]
        return super().get_permissions()  # type: ignore[misc]

    def _answer(self, task_id: int) -> Response:
        """The task as the viewset's serializer shows it, read again after the change."""
        task = self.get_queryset().get(pk=task_id)  # type: ignore[attr-defined]
        return Response(self.get_serializer(task).data)  # type: ignore[attr-defined]

    @extend_schema(
        request=TaskChangeSerializer,
        responses={200: TASK, **error_responses(400, 404, 409)},
        description="Give the task to a worker (`assignee`: username or id; null puts an "
        "assigned task back in the queue) and/or change its `priority` (1-9). An assignee who "
        "is not a floor worker or supervisor of the task's warehouse is 400 "
        "`invalid_assignee`; a done or cancelled task is 409 `task_finished` (a worker "
        "completing it meanwhile wins; one who has it taken away gets 403 on completing). "
        "Other fields are 400 `read_only`. Needs permission `warehouse.control_task`. "
        + SCOPE_NOTE,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        task = self.get_object()  # type: ignore[attr-defined]
        given = TaskChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        actor = request.user.pk
        if "assignee" in data:
            if data["assignee"] is not None:
                task_board_assign(task_id=task.pk, assignee=data["assignee"], actor_id=actor)
            elif task.status == Task.Status.ASSIGNED:
                task_board_release(task_id=task.pk, actor_id=actor)
        if "priority" in data:
            task_board_priority_set(task_id=task.pk, priority=data["priority"], actor_id=actor)
        return self._answer(task.pk)

    @extend_schema(
        request=TaskCancelSerializer,
        responses={200: TASK, **error_responses(400, 404, 409)},
        description="Cancel an open or assigned task. A pick's reservation is released and "
        "its order line allocated from other stock (new picks) or backordered; counts and "
        "replenishments are withdrawn. Putaway and QC tasks cannot be cancelled (409 "
        "`not_cancellable`: their goods would be left with no task); a done task is 409 "
        "`task_finished`; a cancelled one answers as it is. Needs permission "
        "`warehouse.control_task`. " + SCOPE_NOTE,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        task = self.get_object()  # type: ignore[attr-defined]
        given = TaskCancelSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        task_board_cancel(
            task_id=task.pk, actor_id=request.user.pk, reason=given.validated_data.get("reason", "")
        )
        return self._answer(task.pk)

    @extend_schema(
        request=None,
        responses={200: TASK, **error_responses(404, 409)},
        description="Put an assigned task back in the queue, unassigned (its worker walked "
        "away, or its bin is blocked). An open task is 409 `nothing_to_release`, a done or "
        "cancelled one 409 `task_finished`. Needs permission `warehouse.control_task`. "
        + SCOPE_NOTE,
    )
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        task = self.get_object()  # type: ignore[attr-defined]
        task_board_release(task_id=task.pk, actor_id=request.user.pk)
        return self._answer(task.pk)
