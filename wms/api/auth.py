"""POST /api/v1/auth/token/: a username and password for the API token of that user.

Session login (the web pages) and ``Authorization: Token <key>`` both authenticate the API;
this endpoint hands out the token. It is throttled per client address (the ``auth`` rate in
REST_FRAMEWORK's DEFAULT_THROTTLE_RATES), so passwords cannot be guessed at speed, and failed
logins lock the username at that address (django-axes, through authenticate(request=...);
wms.security.lockout_response answers 429 `locked_out`).
"""

from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from inventory.errors import DomainError
from wms.api.schema import ErrorSerializer


class InvalidCredentials(DomainError):
    code = "invalid_credentials"


@transaction.atomic(durable=True)
def api_token_issue(*, user: AbstractBaseUser) -> Token:
    """The user's API token, created on first use (one token per user, shared by clients)."""
    token, _created = Token.objects.get_or_create(user=user)
    return token


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=1024, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class TokenObtainView(APIView):
    # No authentication: a stale token or a session without CSRF token must not stand in the
    # way of getting a new token.
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        auth=[],
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Missing fields, or `invalid_credentials`: unknown user, wrong "
                "password or inactive account.",
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="Too many attempts: wait (Retry-After). `throttled`: from this "
                "address; `locked_out`: failed logins for this username from this address.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Exchange a username and password for the user's API token."""
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=given.validated_data["username"],
            password=given.validated_data["password"],
        )
        if user is None:
            raise InvalidCredentials("Unable to log in with the username and password given.")
        return Response({"token": api_token_issue(user=user).key})
