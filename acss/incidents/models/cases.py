"""The cell's handling of a declaration: one case per declaration, its questions, answers and internal notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    NEW = "new", _("Nouvelle")
    QUALIFYING = "qualifying", _("En qualification")
    QUALIFIED = "qualified", _("Qualifiée")
    ACCOMPANIMENT = "accompaniment", _("En accompagnement")
    CLOSED = "closed", _("Clôturée")
    OUT_OF_SCOPE = "out_of_scope", _("Hors du champ")
    DUPLICATE = "duplicate", _("Doublon fusionné")


OPEN_STATES = (CaseState.NEW, CaseState.QUALIFYING, CaseState.QUALIFIED, CaseState.ACCOMPANIMENT)


class Criticity(models.IntegerChoices):
    """The one scale of criticity, for the provisional one, the analyst's, the queue and the ARS board."""

    MINOR = 1, _("1 – Mineur")
    SIGNIFICANT = 2, _("2 – Significatif")
    SERIOUS = 3, _("3 – Grave")
    MAJOR = 4, _("4 – Majeur")


class LegalLevel(models.TextChoices):
    SIGNIFICANT = "significant", _("Significatif")
    SERIOUS = "serious", _("Grave")


class Case(models.Model):
    """The cell's handling of one declaration: state, qualification, assignment, clock, closure."""

    audit_type = "cases.case"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    declaration = models.OneToOneField("incidents.Declaration", on_delete=models.CASCADE, related_name="case")
    state = models.CharField(_("état"), max_length=14, choices=CaseState.choices, default=CaseState.NEW)
    provisional_criticity = models.PositiveSmallIntegerField(
        _("criticité provisoire"), choices=Criticity.choices, default=Criticity.MINOR
    )
    criticity = models.PositiveSmallIntegerField(_("criticité"), choices=Criticity.choices, null=True, blank=True)
    legal_level = models.CharField(_("niveau légal"), max_length=12, choices=LegalLevel.choices, blank=True)
    justification = models.TextField(_("justification de la qualification"), blank=True)
    sanitary_impact_confirmed = models.BooleanField(_("impact sanitaire confirmé"), null=True, blank=True)
    category = models.ForeignKey(
        "core.IncidentCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("typologie retenue"),
    )
    rsit = models.CharField(_("classe RSIT retenue"), max_length=120, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("analyste"),
    )
    opened_at = models.DateTimeField(_("ouverte le"), db_index=True)
    qualified_at = models.DateTimeField(_("qualifiée le"), null=True, blank=True)
    qualification_due_at = models.DateTimeField(_("qualification attendue avant"), null=True, blank=True, db_index=True)
    paused_remaining = models.DurationField(
        null=True, blank=True, help_text=_("Temps ouvré restant, gelé pendant l'attente de la structure.")
    )
    waiting_since = models.DateTimeField(_("en attente de la structure depuis"), null=True, blank=True)
    structure_resolved_at = models.DateTimeField(_("résolu selon la structure le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closure_summary = models.TextField(_("synthèse"), blank=True)
    closure_root_cause = models.TextField(_("cause racine"), blank=True)
    closure_degraded_hours = models.PositiveIntegerField(_("durée en mode dégradé (heures)"), null=True, blank=True)
    closure_patients_affected = models.PositiveIntegerField(_("patients concernés"), null=True, blank=True)
    closure_provider = models.CharField(_("prestataire en cause"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "incidents.Declaration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("fusionnée dans"),
    )

    class Meta:
        db_table = "cases_case"
        verbose_name = _("dossier")
        indexes = [
            models.Index(fields=["state", "qualification_due_at"]),
            models.Index(fields=["assigned_to", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(criticity__isnull=True) | Q(criticity__gte=1, criticity__lte=4),
                name="case_criticity_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(provisional_criticity__gte=1, provisional_criticity__lte=4),
                name="case_provisional_criticity_1_to_4",
            ),
            models.CheckConstraint(
                condition=~Q(state="duplicate") | Q(merged_into__isnull=False), name="case_duplicate_has_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration.reference} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def effective_criticity(self) -> int:
        return self.criticity or self.provisional_criticity

    @property
    def criticity_label(self) -> str:
        """« 3 – Grave »: the analyst's criticity, else the provisional one (``criticity_is_provisional``)."""
        return str(Criticity(self.effective_criticity).label)

    @property
    def criticity_is_provisional(self) -> bool:
        return self.criticity is None


class MessageKind(models.TextChoices):
    QUESTION = "question", _("Question")
    ANSWER = "answer", _("Réponse")
    NOTE = "note", _("Note interne de la cellule")
    # A message of the cell to the structure that asks nothing (e.g. to every victim of a provider's incident):
    # it pauses no clock and waits for no answer.
    INFORMATION = "info", _("Information de la cellule")


class Message(models.Model):
    """The thread on a declaration: questions of ACSS or the ARS, the structure's answers, internal notes."""

    audit_type = "cases.message"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    declaration = models.ForeignKey("incidents.Declaration", on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("nature"), max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("envoyé le"))
    question = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="answers")
    answer_due_at = models.DateTimeField(_("réponse attendue avant"), null=True, blank=True)
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        db_table = "cases_message"
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="answer") | Q(question__isnull=False), name="message_answer_has_question"
            ),
        ]


class KeyedAction(models.Model):
    """A write that adds no row of its own (a case's transition, an assignment, a quick alert's completion…),
    done under an idempotency key: the key is recorded here, in the write's transaction, so that the same key
    again is known for what it did (``handling.keyed_action``)."""

    audit_type = "cases.keyedaction"  # the audit trail\'s name for these rows: acss.core.audit.object_type_of

    idempotency_key = models.CharField(max_length=64, unique=True)
    declaration = models.ForeignKey("incidents.Declaration", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=20)
    fingerprint = models.CharField(max_length=64, help_text=_("Empreinte SHA-256 des paramètres de l'action."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("faite le"))

    class Meta:
        db_table = "cases_keyedaction"
        verbose_name = _("action sous clé d'idempotence")
        verbose_name_plural = _("actions sous clé d'idempotence")
