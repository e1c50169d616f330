"""Pages about the user rather than the stock: no role yet, which warehouse to work in."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from inventory.forms import WarehouseSwitchForm
from inventory.selectors import warehouses_for_user
from inventory.views.shell import SESSION_WAREHOUSE, signed_in_page
from wms.roles import home_url_name


@require_GET
@signed_in_page
def no_role(request: HttpRequest) -> HttpResponse:
    """A signed-in user in no role group: say so, and who can fix it."""
    if home_url_name(request.user) != "no-role":
        return redirect("home")
    return render(request, "no_role.html")


@require_POST
@signed_in_page
def warehouse_switch(request: HttpRequest) -> HttpResponse:
    """Remember the chosen warehouse in the session and go back to the page it was chosen on."""
    form = WarehouseSwitchForm(
        request.POST, warehouses=list(warehouses_for_user(user=request.user))
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("warehouse", ["Choose a warehouse."])))
        return redirect(back or "home")
    request.session[SESSION_WAREHOUSE] = form.cleaned_data["warehouse"]
    label = dict(form.fields["warehouse"].choices)[form.cleaned_data["warehouse"]]
    messages.success(request, f"You are now working in {label}.")
    return redirect(back or "home")
