"""The accompaniment of an incident: the follow-up sheet shared by the cell, the region's ARS and the structure,
and the remediation plan.

One ``Accompaniment`` per declaration. Its ``SheetEntry`` rows are append-only (no service changes one). Its
``PlanAction`` rows move through « à faire », « en cours », « fait », « abandonné », with a note and a file as
evidence. A ``PlanTemplate`` is versioned like a reflex sheet: each edit adds a ``PlanTemplateVersion`` with its
own ``PlanTemplateAction`` rows and never changes an earlier one; the current version is the highest number.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccompanimentOrigin(models.TextChoices):
    REQUESTED = "requested", _("Demandé par la structure")
    DECIDED = "decided", _("Décidé par la cellule")


class Accompaniment(models.Model):
    audit_type = "accompaniment.accompaniment"

    declaration = models.OneToOneField(
        "incidents.Declaration", on_delete=models.PROTECT, related_name="accompaniment", verbose_name=_("déclaration")
    )
    origin = models.CharField(_("origine"), max_length=10, choices=AccompanimentOrigin.choices)
    template_version = models.ForeignKey(
        "PlanTemplateVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("modèle de plan appliqué"),
    )
    opened_at = models.DateTimeField(_("ouvert le"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")

    def __str__(self) -> str:
        return f"Accompagnement {self.declaration_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class EntryKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Entrée de suivi")
    URGENT_MEASURE = "urgent_measure", _("Mesure d'urgence")
    RECOMMENDATION = "recommendation", _("Recommandation")


class SheetEntry(models.Model):
    """One dated entry of the shared sheet; never changed once written."""

    audit_type = "accompaniment.sheetentry"

    accompaniment = models.ForeignKey(Accompaniment, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("nature"), max_length=16, choices=EntryKind.choices, default=EntryKind.FOLLOW_UP)
    body = models.TextField(_("texte"), max_length=5000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("au nom de")
    )
    created_at = models.DateTimeField(_("date"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("entrée de la fiche de suivi")
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="sheetentry_body_not_empty")]


class ActionState(models.TextChoices):
    TODO = "todo", _("À faire")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Fait")
    ABANDONED = "abandoned", _("Abandonné")


OPEN_ACTION_STATES = (ActionState.TODO, ActionState.IN_PROGRESS)


def evidence_path(instance: PlanAction, filename: str) -> str:
    # Never the uploaded name: a random name, outside the static root, served only as a download.
    return f"accompaniment/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class PlanAction(models.Model):
    audit_type = "accompaniment.planaction"

    accompaniment = models.ForeignKey(Accompaniment, on_delete=models.PROTECT, related_name="actions")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("action"), max_length=300)
    owner_name = models.CharField(_("responsable"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsable (personne de la structure)"),
    )
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    state = models.CharField(_("état"), max_length=12, choices=ActionState.choices, default=ActionState.TODO)
    evidence_note = models.TextField(_("preuve (note)"), max_length=5000, blank=True)
    evidence_file = models.FileField(upload_to=evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField(_("nom du fichier"), max_length=255, blank=True)
    evidence_content_type = models.CharField(max_length=100, blank=True)
    evidence_size = models.PositiveBigIntegerField(null=True, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("action du plan de remédiation")
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="planaction_title_not_empty")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ACTION_STATES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def owner_label(self) -> str:
        return self.owner.display_name if self.owner_id else self.owner_name


class PlanTemplate(models.Model):
    audit_type = "accompaniment.plantemplate"

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    category = models.ForeignKey(
        "core.IncidentCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("typologie"),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name = _("modèle de plan de remédiation")
        verbose_name_plural = _("modèles de plan de remédiation")

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> PlanTemplateVersion | None:
        return self.versions.order_by("-number").first()


class PlanTemplateVersion(models.Model):
    """One immutable state of a template's actions. A new edit is a new version."""

    audit_type = "accompaniment.plantemplateversion"

    template = models.ForeignKey(PlanTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("numéro"))
    change_note = models.CharField(_("objet de la modification"), max_length=300)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="plantemplateversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="plantemplateversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.template} — v{self.number}"


class PlanTemplateAction(models.Model):
    version = models.ForeignKey(PlanTemplateVersion, on_delete=models.PROTECT, related_name="actions")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("action"), max_length=300)
    due_offset_days = models.PositiveSmallIntegerField(_("échéance suggérée (jours)"), default=7)

    class Meta:
        ordering = ["version", "position", "id"]


class MissionKind(models.TextChoices):
    ANALYSIS = "analysis", _("Analyse technique approfondie")
    ON_SITE = "on_site", _("Intervention sur site")


class MissionState(models.TextChoices):
    REQUESTED = "requested", _("Demandée")
    OPENED = "opened", _("Ouverte")
    FINISHED = "finished", _("Terminée")
    REFUSED = "refused", _("Refusée")


def report_path(instance: ExpertMission, filename: str) -> str:
    # Never the uploaded name: a random name, outside the static root, served only as a download.
    return f"missions/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ExpertMission(models.Model):
    """A mission of experts on a case, at the FSSI's express request: « demandée » by the FSSI with its reason,
    then « ouverte » by the cell (team, dates, scope) and « terminée » with its report, or « refusée » by the cell
    with its reason. Read by the FSSI, the cell and the structure; never by an ARS or another authority."""

    audit_type = "accompaniment.expertmission"

    declaration = models.ForeignKey(
        "incidents.Declaration", on_delete=models.PROTECT, related_name="expert_missions", verbose_name=_("déclaration")
    )
    kind = models.CharField(_("nature"), max_length=10, choices=MissionKind.choices)
    state = models.CharField(_("état"), max_length=10, choices=MissionState.choices, default=MissionState.REQUESTED)
    request_reason = models.TextField(_("motif de la demande"), max_length=5000)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("demandée le"))
    team = models.TextField(_("équipe"), max_length=2000, blank=True)
    starts_on = models.DateField(_("début"), null=True, blank=True)
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    scope = models.TextField(_("périmètre"), max_length=5000, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("ouverte le"), null=True, blank=True)
    report_summary = models.TextField(_("synthèse du rapport"), max_length=5000, blank=True)
    report_file = models.FileField(upload_to=report_path, max_length=200, blank=True)
    report_name = models.CharField(_("nom du fichier"), max_length=255, blank=True)
    report_content_type = models.CharField(max_length=100, blank=True)
    report_size = models.PositiveBigIntegerField(null=True, blank=True)
    report_sha256 = models.CharField(max_length=64, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), max_length=5000, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refused_at = models.DateTimeField(_("refusée le"), null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("mission d'expertise")
        verbose_name_plural = _("missions d'expertise")
        constraints = [models.CheckConstraint(condition=~Q(request_reason=""), name="expertmission_reason_not_empty")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.declaration_id})"


class OverdueReminder(models.Model):
    """One reminder of an overdue plan action sent to its structure on one day: a second run of the daily task
    the same day finds it and sends nothing."""

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField(_("envoyé le"))
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("relance d'une action en retard")
        constraints = [models.UniqueConstraint(fields=["action", "sent_on"], name="overduereminder_once_a_day")]
