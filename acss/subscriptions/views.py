"""The pages of the subscriptions: thin, over the services (no JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from acss.core.audit import AuditOrigin
from acss.core.errors import Refusal, refusal_on_form

from . import tokens
from .forms import PreferencesForm, SubscribeForm
from .models import Topic
from .selectors import preferences_for
from .services import preference_set, subscription_confirm, subscription_request, topics_for, unsubscribe


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription_request(
                email=form.cleaned_data["email"],
                topics=form.cleaned_data["topics"],
                origin=AuditOrigin.of(request),
            )
        except Refusal as refusal:
            refusal_on_form(form, refusal)
        else:
            return redirect("subscriptions:requested")
    return render(request, "subscriptions/subscribe.html", {"title": _("S'abonner aux envois de l'ACSS"), "form": form})


@require_safe
def requested(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/requested.html", {"title": _("Vérifiez votre messagerie")})


def _bad_link(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request, "subscriptions/bad_link.html", {"title": _("Lien non valide"), "message": message}, status=404
    )


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: a link scanner that opens the link confirms nothing."""
    try:
        decoded = tokens.read(token, tokens.CONFIRM_SALT, max_age=tokens.CONFIRM_MAX_AGE)
    except tokens.BadToken:
        return _bad_link(
            request, _("Ce lien de confirmation n'est pas valide ou a expiré. Vous pouvez refaire votre demande.")
        )
    if request.method == "POST":
        try:
            subscription_confirm(token=token, origin=AuditOrigin.of(request))
        except Refusal as refusal:
            return _bad_link(request, refusal.message)
        return render(request, "subscriptions/confirmed.html", {"title": _("Abonnement confirmé")})
    context = {
        "title": _("Confirmer votre abonnement"),
        "email": decoded.subscriber.email,
        "topics": [tokens_topic_label(t) for t in decoded.payload.get("topics", [])],
    }
    return render(request, "subscriptions/confirm.html", context)


def tokens_topic_label(topic: str) -> str:
    return str(Topic(topic).label) if topic in Topic.values else topic


# CSRF exempt: this URL is also the List-Unsubscribe target of RFC 8058, which mail clients call with a bare POST
# (body « List-Unsubscribe=One-Click ») and no CSRF token. Safe: the signed token in the URL is the only access,
# and the POST can do nothing but stop the one subscription (or all of them) that the token names.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        decoded = tokens.read(token, tokens.UNSUBSCRIBE_SALT)
    except tokens.BadToken:
        return _bad_link(request, _("Ce lien de désabonnement n'est pas valide."))
    topic = decoded.payload.get("topic")
    topic_label = None if topic == tokens.ALL_TOPICS else tokens_topic_label(topic)
    if request.method == "POST":
        try:
            unsubscribe(token=token, origin=AuditOrigin.of(request))
        except Refusal as refusal:
            return _bad_link(request, refusal.message)
        return render(
            request,
            "subscriptions/unsubscribed.html",
            {"title": _("Désabonnement enregistré"), "topic_label": topic_label},
        )
    context = {"title": _("Se désabonner"), "email": decoded.subscriber.email, "topic_label": topic_label}
    return render(request, "subscriptions/unsubscribe.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    topics = topics_for(request.user)
    current = preferences_for(user=request.user, topics=topics)
    form = PreferencesForm(request.POST or None, topics=topics, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            for topic in topics:
                if form.cleaned_data[topic] != current[topic]:
                    preference_set(
                        by=request.user, topic=topic, frequency=form.cleaned_data[topic], origin=AuditOrigin.of(request)
                    )
        except Refusal as refusal:
            refusal_on_form(form, refusal)
        else:
            messages.success(request, _("Vos préférences d'envoi sont enregistrées."))
            return redirect("subscriptions:preferences")
    context = {"title": _("Mes abonnements"), "form": form, "email": request.user.email}
    return render(request, "subscriptions/preferences.html", context)
