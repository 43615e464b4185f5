"""Declarations of incidents, what is added to them, and who was told.

A declaration is written once, at submission, by ``services.declaration_submit`` (or first as a quick
alert by ``services.quick_alert_submit``, then completed once by ``services.declaration_complete``:
completion fills the fields the alert left empty and never rewrites what the alert said). Afterwards
nothing in it changes: new facts and corrections are ``Addendum`` rows, the structure's situation is a
series of ``SituationUpdate`` rows.
"""

from __future__ import annotations

import uuid
from email.utils import make_msgid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    ONE_SITE = "one_site", _("Un seul site")
    SEVERAL_SITES = "several_sites", _("Plusieurs sites de la structure")
    SHARED_PROVIDER = "shared_provider", _("Un prestataire partagé avec d'autres structures")


class HandlingState(models.TextChoices):
    ONGOING = "ongoing", _("En cours")
    CONTAINED = "contained", _("Maîtrisé")
    CLOSED = "closed", _("Terminé")


class Situation(models.TextChoices):
    NORMAL = "normal", _("Fonctionnement normal")
    DEGRADED = "degraded", _("Fonctionnement en mode dégradé")
    INTERRUPTED = "interrupted", _("Interruption de la prise en charge des patients")


class PatientSafety(models.TextChoices):
    NONE = "none", _("Aucune mise en danger")
    POTENTIAL = "potential", _("Mise en danger potentielle")
    ACTUAL = "actual", _("Mise en danger avérée")


class Origin(models.TextChoices):
    MALICIOUS = "malicious", _("Malveillante")
    NON_MALICIOUS = "non_malicious", _("Non malveillante")
    UNDETERMINED = "undetermined", _("Indéterminée")


class Channel(models.TextChoices):
    FORM = "form", _("Formulaire")
    API = "api", _("API")
    PHONE = "phone", _("Téléphone (saisie pour le compte de la structure)")


class Declaration(models.Model):
    audit_type = "declarations.declaration"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    # --- the file ---------------------------------------------------------------------------
    reference = models.CharField(_("référence"), max_length=20, unique=True)
    structure = models.ForeignKey(
        "accounts.Structure", on_delete=models.PROTECT, related_name="declarations", verbose_name=_("structure")
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, default=Channel.FORM)
    on_behalf = models.BooleanField(_("saisie pour le compte de la structure"), default=False)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField(_("déposée le"), db_index=True)
    completed_at = models.DateTimeField(_("complétée le"), null=True, blank=True)
    is_major = models.BooleanField(_("incident majeur"), default=False)
    structure_snapshot = models.JSONField(
        default=dict, blank=True, help_text=_("La structure telle qu'elle était au dépôt (OSE, NIS 2, type, taille).")
    )
    # A past declaration loaded by ``import_declarations`` (``services.history``): never routed nor notified.
    imported = models.BooleanField(_("importée de l'historique"), default=False)
    imported_reference = models.CharField(
        _("référence d'origine"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_("La référence de la déclaration dans l'outil d'où elle a été importée."),
    )

    # --- quick first alert (six fields) -----------------------------------------------------
    alert_summary = models.TextField(_("ce qui se passe"), blank=True)
    alert_since = models.DateTimeField(_("depuis"), null=True, blank=True)
    alert_care_impact = models.CharField(
        _("impact sur les soins"), max_length=12, choices=Situation.choices, blank=True
    )
    callback_phone = models.CharField(_("téléphone pour vous rappeler"), max_length=30, blank=True)

    # --- 1. identification ------------------------------------------------------------------
    declarant_name = models.CharField(_("nom du déclarant"), max_length=200, blank=True)
    declarant_function = models.CharField(_("fonction"), max_length=120, blank=True)
    declarant_phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    declarant_email = models.EmailField(_("adresse électronique"), blank=True)
    alt_contact_phone = models.CharField(_("autre téléphone"), max_length=30, blank=True)
    alt_contact_email = models.EmailField(_("autre adresse électronique"), blank=True)

    # --- 2. description ---------------------------------------------------------------------
    title = models.CharField(_("titre"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    occurred_at = models.DateTimeField(_("survenu le"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("découvert le"), null=True, blank=True)
    scope = models.CharField(_("périmètre"), max_length=20, choices=Scope.choices, blank=True)
    systems = models.ManyToManyField("core.AffectedSystem", blank=True, verbose_name=_("systèmes affectés"))
    systems_other = models.CharField(_("autre système"), max_length=200, blank=True)
    data_categories = models.ManyToManyField("core.DataCategory", blank=True, verbose_name=_("données affectées"))
    provider_name = models.CharField(_("prestataire en cause"), max_length=200, blank=True)
    handling_state = models.CharField(_("état"), max_length=12, choices=HandlingState.choices, blank=True)

    # --- 3. impacts -------------------------------------------------------------------------
    unavailability = models.BooleanField(_("indisponibilité"), default=False)
    integrity_loss = models.BooleanField(_("perte d'intégrité"), default=False)
    confidentiality_loss = models.BooleanField(_("perte de confidentialité"), default=False)
    functioning = models.CharField(_("fonctionnement"), max_length=12, choices=Situation.choices, blank=True)
    degraded_hours = models.PositiveIntegerField(_("durée du mode dégradé (heures)"), null=True, blank=True)
    patient_safety = models.CharField(
        _("sécurité des patients"), max_length=10, choices=PatientSafety.choices, blank=True
    )
    patients_count = models.PositiveIntegerField(_("nombre approximatif de patients concernés"), null=True, blank=True)
    health_products = models.BooleanField(_("médicaments ou dispositifs médicaux en cause"), default=False)
    health_products_details = models.TextField(_("précisions"), blank=True)
    territory_impact = models.TextField(_("impact sur d'autres structures ou le territoire"), blank=True)

    # --- 4. causes --------------------------------------------------------------------------
    origin = models.CharField(_("origine"), max_length=14, choices=Origin.choices, blank=True)
    category = models.ForeignKey(
        "core.IncidentCategory", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("typologie")
    )
    vector = models.ForeignKey(
        "core.Vector", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("vecteur")
    )

    # --- 5. actions and requests ------------------------------------------------------------
    measures_taken = models.TextField(_("mesures déjà prises"), blank=True)
    accompaniment_requested = models.BooleanField(_("accompagnement demandé"), default=False)
    complaint_filed = models.BooleanField(_("plainte déposée"), default=False)
    cnil_notified = models.BooleanField(_("CNIL notifiée"), default=False)
    anssi_notified = models.BooleanField(_("ANSSI notifiée"), default=False)

    class Meta:
        db_table = "declarations_declaration"
        ordering = ["-submitted_at"]
        verbose_name = _("déclaration")
        indexes = [models.Index(fields=["structure", "-submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=models.F("submitted_at")),
                name="completed_after_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.display_title}"

    @property
    def display_title(self) -> str:
        return self.title or self.alert_summary[:80]

    @property
    def is_quick_alert_pending(self) -> bool:
        return self.completed_at is None

    @property
    def display_status(self):
        """Where it stands, for lists and badges (``acss.incidents.rules.declaration_status``). Imported here:
        the rules read the models' choices, so the models cannot import the rules at load time."""
        from acss.incidents.rules import declaration_status

        return declaration_status(self)

    @property
    def intake_kind(self) -> str:
        """How it came in: "alert" (a first alert, not completed yet), "completion" (a first alert completed since)
        or "declaration" (the full declaration at once)."""
        if self.completed_at is None:
            return "alert"
        return "completion" if self.alert_summary else "declaration"


class ReferenceCounter(models.Model):
    """The last reference number given in a year; locked while giving the next one."""

    audit_type = (
        "declarations.referencecounter"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of
    )

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "declarations_referencecounter"


class DeclarationDraft(models.Model):
    """What a person has typed so far, step by step, exactly as typed (nothing is lost on an error)."""

    audit_type = (
        "declarations.declarationdraft"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of
    )

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="declaration_drafts")
    structure = models.ForeignKey("accounts.Structure", null=True, blank=True, on_delete=models.CASCADE)
    completes = models.ForeignKey(
        Declaration,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="completion_drafts",
        help_text=_("La première alerte que ce brouillon complète."),
    )
    on_behalf = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    step = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "declarations_declarationdraft"
        ordering = ["-updated_at"]
        verbose_name = _("brouillon")


class AddendumKind(models.TextChoices):
    NEW_FACT = "new_fact", _("Fait nouveau")
    CORRECTION = "correction", _("Correction")
    FILES = "files", _("Pièces jointes")


class Addendum(models.Model):
    audit_type = "declarations.addendum"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="addenda")
    kind = models.CharField(_("nature"), max_length=12, choices=AddendumKind.choices)
    body = models.TextField(_("texte"), blank=True)
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("ajouté le"))
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        db_table = "declarations_addendum"
        ordering = ["created_at", "id"]
        verbose_name = _("complément")


class SituationUpdate(models.Model):
    audit_type = (
        "declarations.situationupdate"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of
    )

    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="situation_updates")
    situation = models.CharField(_("situation"), max_length=12, choices=Situation.choices)
    effective_at = models.DateTimeField(_("depuis"))
    note = models.TextField(_("précisions"), blank=True)
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("enregistrée le"))
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        db_table = "declarations_situationupdate"
        ordering = ["effective_at", "id"]
        verbose_name = _("point de situation")


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the uploaded name: a random name, outside the static root, served only as a download.
    return f"attachments/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    audit_type = "declarations.attachment"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    declaration = models.ForeignKey(
        Declaration, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    draft = models.ForeignKey(
        DeclarationDraft, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    addendum = models.ForeignKey(Addendum, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        db_table = "declarations_attachment"
        ordering = ["uploaded_at", "id"]
        verbose_name = _("pièce jointe")
        constraints = [
            models.CheckConstraint(
                condition=Q(declaration__isnull=False) | Q(draft__isnull=False), name="attachment_has_owner"
            ),
        ]


class NotificationKind(models.TextChoices):
    INFORMATION = "information", _("Information systématique")
    ONCALL = "oncall", _("Astreinte (cellule fermée, incident critique suspecté)")
    ACKNOWLEDGEMENT = "acknowledgement", _("Accusé de réception")
    COMPLETION = "completion", _("Complément de déclaration")
    COMPLETION_ACK = "completion_ack", _("Accusé de réception du complément")


class NotificationState(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyée")
    FAILED = "failed", _("Échec définitif")
    CANCELLED = "cancelled", _("Annulée (alerte acquittée)")


class OncallStep(models.IntegerChoices):
    """The escalation of an on-call alert that nobody acknowledges: each step is its own notification."""

    ALERT = 0, _("alerte")
    REMINDER = 1, _("rappel")
    DEPUTY = 2, _("suppléant")


def new_message_id() -> str:
    """A Message-ID fixed at the notification's creation: every sending of it carries this one."""
    return make_msgid(domain=settings.ACSS_MESSAGE_ID_DOMAIN)


class Notification(models.Model):
    """One message to one recipient about one declaration: recorded, retried with back-off, one Message-ID.

    ``claimed_at`` is when a worker moved it to "sending"; a notification left "sending" longer than
    ``ACSS_NOTIFICATION_LEASE_SECONDS`` (its worker died) is sent again by the scheduler, with the same
    ``message_id``. An on-call alert (``step`` 0) that nobody acknowledges is followed by a reminder (step 1)
    and a message to the deputy (step 2), each a row of its own pointing to the alert (``original``); the
    acknowledgement is recorded on the alert.
    """

    audit_type = "declarations.notification"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="notifications")
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("nature"), max_length=16, choices=NotificationKind.choices)
    channel = models.CharField(_("canal"), max_length=10, default="email")
    recipient = models.EmailField(_("destinataire"))
    reason = models.CharField(_("motif"), max_length=300)
    state = models.CharField(
        _("état"), max_length=10, choices=NotificationState.choices, default=NotificationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True, default=new_message_id, editable=False)
    original = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("étape"), choices=OncallStep.choices, default=OncallStep.ALERT)
    acknowledged_at = models.DateTimeField(_("acquittée le"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_by_name = models.CharField(_("acquittée par"), max_length=200, blank=True)

    class Meta:
        db_table = "declarations_notification"
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "kind", "recipient"],
                condition=Q(original__isnull=True),
                name="one_notification_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["original", "step"], condition=Q(original__isnull=False), name="one_notification_per_step"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "claimed_at"], name="notification_state_claimed"),
            models.Index(fields=["kind", "created_at"], name="notification_kind_created"),
        ]


class EscalationSuggestion(models.Model):
    """What the intake rules suggest; only the analyst decides and only a decision notifies."""

    audit_type = (
        "declarations.escalationsuggestion"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of
    )

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="suggestions")
    authority = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "declarations_escalationsuggestion"
        verbose_name = _("transmission suggérée")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "authority"], name="one_suggestion_per_authority")
        ]


class Escalation(models.Model):
    """A decided escalation: it opens the declaration to the authority."""

    audit_type = "declarations.escalation"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="escalations")
    authority = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="escalations",
        limit_choices_to={"kind": "authority"},
    )
    reason = models.TextField(_("motif"))
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("décidée le"))

    class Meta:
        db_table = "declarations_escalation"
        verbose_name = _("transmission")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "authority"], name="one_escalation_per_authority")
        ]
