"""The accompaniment's files as downloads, for the pages and the API alike: a plan action's evidence and an expert
mission's report, read through the visibility rules, never shown inline, and their reading by staff audited."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from acss.core.audit import AuditOrigin, audit_record
from acss.incidents.uploads import file_download

from . import access
from .selectors import expert_mission_get_visible, plan_action_get_visible


def _audited(request: HttpRequest, action: str, obj, reference: str, sha256: str) -> None:
    if access.is_staff(request.user):
        audit_record(
            actor=request.user,
            action=action,
            obj=obj,
            origin=AuditOrigin.of(request),
            data={"declaration": reference, "sha256": sha256},
        )


def evidence_response(request: HttpRequest, *, reference: str, pk: int) -> FileResponse:
    """The evidence file of a plan action (404 for whoever does not read the plan, or without a file)."""
    declaration, action = plan_action_get_visible(user=request.user, reference=reference, pk=pk)
    if not action.evidence_file:
        raise Http404("no evidence file")
    _audited(request, "accompaniment.evidence_downloaded", action, declaration.reference, action.evidence_sha256)
    return file_download(action.evidence_file, filename=action.evidence_name or "preuve")


def mission_report_response(request: HttpRequest, *, reference: str, pk: int) -> FileResponse:
    """The report of a finished expert mission (404 for whoever does not read the missions, or without a report)."""
    declaration, mission = expert_mission_get_visible(user=request.user, reference=reference, pk=pk)
    if not mission.report_file:
        raise Http404("no report")
    _audited(request, "accompaniment.mission_report_downloaded", mission, declaration.reference, mission.report_sha256)
    return file_download(mission.report_file, filename=mission.report_name or "rapport")
