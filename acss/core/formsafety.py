"""Nothing a person typed is lost when their login session expired or their form went stale.

A POST that arrives logged out (session expired) or with a stale CSRF token, on a page that opts in, is
kept in the session (which survives the login) and handed back to the same page afterwards, to be shown
again — never submitted on the person's behalf. Files cannot be kept; the page says so.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, QueryDict

SESSION_KEY = "acss_kept_posts"
KEPT_PREFIXES = ("/declarer/", "/declarations/")
MAX_KEPT = 5


def _keepable(request: HttpRequest) -> bool:
    return request.method == "POST" and request.path.startswith(KEPT_PREFIXES)


def _same_origin(request: HttpRequest) -> bool:
    """Keep a CSRF-failed POST only if it came from our own pages (never plant an attacker's data)."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if not origin:
        return False
    host = urlsplit(origin).netloc
    return host == request.get_host() or host == urlsplit(settings.SITE_URL).netloc


def keep_post(request: HttpRequest) -> bool:
    if not _keepable(request):
        return False
    data = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
    kept = request.session.get(SESSION_KEY, {})
    kept[request.path] = {"data": data, "had_files": bool(request.FILES)}
    if len(kept) > MAX_KEPT:
        kept.pop(next(iter(kept)))
    request.session[SESSION_KEY] = kept
    return True


def pop_kept_post(request: HttpRequest) -> tuple[QueryDict | None, bool]:
    """The data kept for this page, if any, as a QueryDict, and whether files had to be dropped."""
    kept = request.session.get(SESSION_KEY) or {}
    entry = kept.pop(request.path, None)
    if entry is None:
        return None, False
    request.session[SESSION_KEY] = kept
    data = QueryDict(mutable=True)
    for key, values in entry["data"].items():
        data.setlist(key, values)
    return data, entry["had_files"]


def login_required_keeping_post(view):
    """Like ``login_required``, but a POST that arrives logged out is kept and restored after login."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        keep_post(request)
        return redirect_to_login(request.get_full_path())

    return wrapper


def keep_post_on_csrf_failure(request: HttpRequest) -> bool:
    return _same_origin(request) and keep_post(request)
