"""CSV imports over the API: upload a file (202, the job queued for the worker), then ask for
the job until it is finished. The same kinds, checks and rights as the data page
(``warehouse.services.data_import``); a job is visible to the user who started it only."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from inventory.services.imports.files import MAX_BYTES, MAX_ROWS, CsvFileError
from inventory.services.imports.jobs import ImportJob
from warehouse.services.data_import import IMPORT_KINDS, csv_import_start, import_job_of
from wms.api.schema import error_responses


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=list(IMPORT_KINDS),
        help_text="`products` (by sku), `locations` (by warehouse and code), `reorder-rules` "
        "(by warehouse and sku). Purchasers import reorder rules only.",
    )
    file = serializers.FileField(
        help_text=f"CSV, UTF-8 (with or without BOM), commas or semicolons, a header row; at "
        f"most {MAX_BYTES // (1024 * 1024)} MB and {MAX_ROWS:,} rows."
    )


class RowProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's line in the file; the header is 1.")
    column = serializers.CharField(help_text="Empty when the problem is the row as a whole.")
    value = serializers.CharField()
    message = serializers.CharField()


class ImportJobSerializer(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.SerializerMethodField()
    kind = serializers.CharField()
    filename = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["queued", "running", "done", "refused", "failed"],
        help_text="`done`: every row written; `refused`: nothing written, `problems` names "
        "each bad row; `failed`: nothing written, `message` says why.",
    )
    total = serializers.IntegerField(help_text="Data rows in the file.")
    checked = serializers.IntegerField(help_text="Rows checked so far.")
    percent = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    problem_count = serializers.IntegerField()
    problems = RowProblemSerializer(many=True, help_text="The first 1,000 problems.")
    stopped_at = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()
    queued_at = serializers.CharField()
    finished_at = serializers.CharField()

    def get_url(self, job: ImportJob) -> str:
        return reverse("import-detail", args=[job.id], request=self.context.get("request"))


class ImportViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]  # each kind checks its own rights
    parser_classes = [MultiPartParser, FormParser]
    lookup_value_regex = "[0-9a-f]{32}"

    @extend_schema(
        request=ImportUploadSerializer,
        responses={202: ImportJobSerializer, **error_responses(400)},
        description="Check the file as a whole (size, encoding, header; code `invalid_csv` "
        "names the problem) and queue it; the worker checks each row and writes all of them "
        "or none. Poll the job's `url` until `status` is `done`, `refused` or `failed`.",
    )
    def create(self, request: Request) -> Response:
        given = ImportUploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        if upload.size > MAX_BYTES:  # refused before it is read
            raise CsvFileError(
                f"The file is {upload.size / (1024 * 1024):.1f} MB; at most "
                f"{MAX_BYTES // (1024 * 1024)} MB can be imported at once.",
                field="file",
            )
        job = csv_import_start(
            kind=given.validated_data["kind"],
            user=request.user,
            filename=upload.name,
            raw=upload.read(),
        )
        body = self._body(request, job)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(responses={200: ImportJobSerializer, **error_responses(404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        job = import_job_of(job_id=pk, user=request.user)
        if job is None:
            raise NotFound("No such import (or it is more than a day old).")
        return Response(self._body(request, job))

    def _body(self, request: Request, job: ImportJob) -> dict[str, Any]:
        return ImportJobSerializer(job, context={"request": request}).data
