"""The public space's routes (no login): alerts, news, the daily bulletin, the feeds, the JSON and the CSAF files."""

from django.urls import path, re_path
from django.views.decorators.http import require_safe

from acss.alerts import api
from acss.alerts.feeds import AlertAtomFeed, AlertRssFeed

from . import public

urlpatterns = [
    path("alertes/", public.alert_list, name="alert_list"),
    path("alertes/flux.rss", require_safe(AlertRssFeed()), name="feed_rss"),
    path("alertes/flux.atom", require_safe(AlertAtomFeed()), name="feed_atom"),
    path("alertes/<str:reference>/", public.alert_detail, name="alert_detail"),
    path("actualites/", public.news_list, name="news_list"),
    path("bulletin/", public.bulletin_today, name="bulletin_today"),
    re_path(r"^bulletin/(?P<day>\d{4}-\d{2}-\d{2})/$", public.bulletin_day, name="bulletin_day"),
    path("donnees/alertes/", api.api_alert_list, name="api_alert_list"),
    path("donnees/alertes/<str:reference>/", api.api_alert_detail, name="api_alert_detail"),
    path(".well-known/csaf/provider-metadata.json", public.csaf_provider_metadata, name="csaf_provider_metadata"),
    path(".well-known/csaf/white/feed-tlp-white.json", public.csaf_rolie_feed, name="csaf_rolie_feed"),
    re_path(
        r"^\.well-known/csaf/white/(?P<year>[0-9]{4})/(?P<name>[+\-a-z0-9_]+\.json)$",
        public.csaf_document,
        name="csaf_document",
    ),
]
