from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from wms import views
from wms.api.errors import page_not_found
from wms.env import env_bool

handler404 = page_not_found  # JSON under /api/, the 404 page elsewhere

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("wms.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline, so
    # the page keeps the content security policy's script-src 'self'.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("", include("warehouse.urls")),
    path("", include("inventory.urls")),
]

# The HTTP benchmark's yardstick (wms/bench_views.py): only its own gunicorn sets this.
if env_bool("WMS_BENCH_VIEWS", default=False):
    from wms.bench_views import MinimalWriteView

    urlpatterns.append(path("bench/minimal/<int:pk>/", MinimalWriteView.as_view()))
