"""People, the organisations they act for, and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountManager(UserManager):
    def create_user(self, email, password=None, **extra):  # type: ignore[override]
        extra.setdefault("username", email)
        return super().create_user(email=email, password=password, **extra)

    def create_superuser(self, email, password=None, **extra):  # type: ignore[override]
        extra.setdefault("username", email)
        return super().create_superuser(email=email, password=password, **extra)


class User(AbstractUser):
    """A person. Logs in with an e-mail address; acts only through memberships."""

    email = models.EmailField(_("adresse électronique"), unique=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    job_title = models.CharField(_("fonction"), max_length=120, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = AccountManager()

    class Meta:
        verbose_name = _("utilisateur")

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        self.username = self.email
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class OrganisationKind(models.TextChoices):
    STRUCTURE = "structure", _("Structure de santé")
    ARS = "ars", _("Agence régionale de santé")
    ACSS = "acss", _("Cellule ACSS")
    AUTHORITY = "authority", _("Autorité")


class AuthorityCode(models.TextChoices):
    FSSI = "fssi", _("FSSI des ministères sociaux")
    DGS = "dgs", _("Direction générale de la santé (CORRUSS)")
    ANSSI = "anssi", _("ANSSI")
    ANSM = "ansm", _("ANSM")


class Article(models.TextChoices):
    """How the name is introduced in the messages (« de » + name); blank: deduced from the name."""

    LE = "le", _("le — « du Centre hospitalier… »")
    LA = "la", _("la — « de la Clinique… »")
    L = "l", _("l' — « de l'Hôpital… »")
    LES = "les", _("les — « des Hôpitaux… »")
    NONE = "none", _("sans article — « de Saint-Joseph »")


class Organisation(models.Model):
    kind = models.CharField(_("nature"), max_length=12, choices=OrganisationKind.choices)
    name = models.CharField(_("nom"), max_length=200)
    article = models.CharField(
        _("article du nom"),
        max_length=4,
        choices=Article.choices,
        blank=True,
        help_text=_(
            "Pour écrire « du Centre hospitalier… », « de l'EHPAD… » dans les courriels. "
            "Laissez vide : l'article est déduit du nom."
        ),
    )
    email = models.EmailField(_("adresse de contact"), blank=True)
    oncall_email = models.EmailField(
        _("adresse d'astreinte"), blank=True, help_text=_("Prévenue sans délai hors des heures d'ouverture.")
    )
    oncall_phone = models.CharField(_("téléphone d'astreinte"), max_length=30, blank=True)
    oncall_deputy_email = models.EmailField(
        _("adresse du suppléant d'astreinte"),
        blank=True,
        help_text=_("Prévenue quand l'astreinte n'a pas accusé réception d'une alerte, après un rappel."),
    )
    region = models.OneToOneField(
        "core.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ars",
        help_text=_("Pour une ARS : sa région."),
    )
    authority_code = models.CharField(
        _("autorité"), max_length=10, choices=AuthorityCode.choices, blank=True, null=True, unique=True
    )
    systematic_information = models.BooleanField(
        _("informée de chaque déclaration"),
        default=False,
        help_text=_(
            "Une autorité informée systématiquement (le FSSI) voit toutes les déclarations ; "
            "les autres ne voient que ce qui leur est transmis."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="ars") | Q(region__isnull=False), name="ars_has_region"),
            models.CheckConstraint(
                condition=~Q(kind="authority") | Q(authority_code__isnull=False), name="authority_has_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_staff_organisation(self) -> bool:
        return self.kind != OrganisationKind.STRUCTURE


class NIS2Status(models.TextChoices):
    NONE = "none", _("Non assujettie")
    ESSENTIAL = "essential", _("Entité essentielle")
    IMPORTANT = "important", _("Entité importante")


class StructureSize(models.TextChoices):
    SMALL = "small", _("Petite (moins de 50 personnes)")
    MEDIUM = "medium", _("Moyenne (50 à 249 personnes)")
    LARGE = "large", _("Grande (250 personnes ou plus)")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("En attente de vérification")
    VERIFIED = "verified", _("Vérifiée")
    REJECTED = "rejected", _("Refusée")


class Structure(Organisation):
    """A health structure's site (FINESS ET), within its legal entity (FINESS EJ)."""

    finess_ej = models.CharField(_("FINESS juridique (EJ)"), max_length=9, db_index=True)
    finess_et = models.CharField(_("FINESS géographique (ET)"), max_length=9, unique=True)
    structure_type = models.ForeignKey("core.StructureType", on_delete=models.PROTECT, verbose_name=_("type"))
    departement = models.ForeignKey(
        "core.Departement", on_delete=models.PROTECT, related_name="structures", verbose_name=_("département")
    )
    is_ose = models.BooleanField(_("opérateur de services essentiels (OSE)"), default=False)
    nis2 = models.CharField(_("NIS 2"), max_length=10, choices=NIS2Status.choices, default=NIS2Status.NONE)
    size = models.CharField(_("taille"), max_length=10, choices=StructureSize.choices, default=StructureSize.MEDIUM)
    ght = models.CharField(_("groupement hospitalier de territoire (GHT)"), max_length=200, blank=True)
    verification = models.CharField(
        _("vérification"), max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    finess_warning = models.CharField(
        _("avertissement FINESS"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple une clé de contrôle inattendue, à vérifier par l'ACSS."),
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("structure")

    def __str__(self) -> str:
        return f"{self.name} ({self.finess_et})"


class Role(models.TextChoices):
    MANAGER = "manager", _("Responsable (invite les déclarants)")
    DECLARANT = "declarant", _("Déclarant")
    AGENT = "agent", _("Agent")
    ANALYST = "analyst", _("Analyste")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PENDING = "pending", _("En attente de vérification")
    REVOKED = "revoked", _("Révoquée")


class Membership(models.Model):
    """A person acting for an organisation with a role. Only active memberships grant anything."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("rattachement")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_organisation")]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation} ({self.get_role_display()})"


class Invitation(models.Model):
    """A structure manager's invitation of a declarant, accepted through a single-use link."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse électronique"))
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices, default=Role.DECLARANT)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("invitation")


class AccessRequest(models.Model):
    """Someone registered with a FINESS already known: recorded for ACSS, never granting access by itself."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_requests")
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="access_requests")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=10, blank=True)

    class Meta:
        verbose_name = _("demande d'accès")
        verbose_name_plural = _("demandes d'accès")
