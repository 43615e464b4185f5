"""The acknowledgement of an on-call alert: reached from the e-mail, without login (see ``oncall.py``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from dsfr.forms import DsfrBaseForm

from acss.core.audit import AuditOrigin
from acss.incidents.selectors.declarations import oncall_alert_get_for_token
from acss.incidents.services.declarations import oncall_acknowledge


class OncallAckForm(DsfrBaseForm):
    name = forms.CharField(
        label=gettext_lazy("Vos nom et prénom"),
        max_length=200,
        help_text=gettext_lazy("Ils sont montrés à la cellule ACSS avec l'heure de l'accusé de réception."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def oncall_ack(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET shows what would be acknowledged and a button; only the POST acknowledges."""
    alert = oncall_alert_get_for_token(pk=pk, token=token)
    if alert is None:
        raise Http404("unknown on-call alert")
    user = request.user if request.user.is_authenticated else None
    form = None
    if alert.acknowledged_at is None:
        # A logged-in person acknowledges under their own name; anyone else gives one.
        form = None if user is not None else OncallAckForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and (form is None or form.is_valid()):
            alert, acknowledged = oncall_acknowledge(
                alert=alert, name=form.cleaned_data["name"] if form else "", by=user, origin=AuditOrigin.of(request)
            )
            if acknowledged:
                messages.success(
                    request, _("Accusé de réception enregistré : la cellule ACSS sait que vous avez l'alerte.")
                )
            else:
                messages.info(request, _("Quelqu'un a déjà accusé réception de cette alerte : rien n'est changé."))
            return redirect(request.path)
    return render(
        request,
        "declarations/oncall_ack.html",
        {"title": _("Alerte d'astreinte"), "alert": alert, "d": alert.declaration, "form": form, "user_acks": user},
    )
