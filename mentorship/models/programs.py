"""The program domain: people, programs, cohorts, memberships, invitations, mentorships."""

from __future__ import annotations

import secrets
import uuid
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.core import signing
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

DEFAULT_SCORECARD_DIMENSIONS = [
    "Skill development",
    "Project delivery",
    "Professional behaviours",
]


def default_scorecard_dimensions() -> list[str]:
    return list(DEFAULT_SCORECARD_DIMENSIONS)


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    CUSTOM = "custom", _("Every N days")


class ReviewCadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Every six months")


class Availability(models.TextChoices):
    WEEKDAY_MORNINGS = "weekday_mornings", _("Weekday mornings")
    WEEKDAY_AFTERNOONS = "weekday_afternoons", _("Weekday afternoons")
    WEEKDAY_EVENINGS = "weekday_evenings", _("Weekday evenings")
    WEEKENDS = "weekends", _("Weekends")


class Role(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")
    SUPERVISOR = "supervisor", _("Supervisor")


class RetentionAnchor(models.TextChoices):
    WRITTEN = "written", _("after the note is written")
    CLOSED = "closed", _("after the mentorship closes")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def public_id_field() -> models.UUIDField:
    """Return the random id that addresses an object in URLs (never the sequential pk)."""
    return models.UUIDField(default=uuid.uuid4, unique=True, editable=False)


# --- People ---------------------------------------------------------------------------


class ReminderLead(models.IntegerChoices):
    OFF = 0, _("No reminder")
    ONE_HOUR = 60, _("1 hour before")
    THREE_HOURS = 180, _("3 hours before")
    ONE_DAY = 1440, _("1 day before")
    TWO_DAYS = 2880, _("2 days before")


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # The whole address is compared case-insensitively: Ann@X.org is ann@x.org.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=self.normalize_email(username))

    def create_user(
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = public_id_field()
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Operators of the service who may use the admin site."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        help_text=_("Check-in times are shown to you in this time zone."),
    )
    checkin_reminder_minutes = models.PositiveIntegerField(
        _("check-in reminder"),
        choices=ReminderLead,
        default=ReminderLead.ONE_DAY,
    )
    # The secret in the address of the user's calendar feed; none until they turn it on.
    calendar_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


# --- Programs and cohorts -------------------------------------------------------------


def coordinated_by(user: User | AnonymousUser, program_ref: str = "pk") -> Exists:
    """Return an EXISTS that is true when `user` coordinates the program at `program_ref`."""
    through = Program.coordinators.through
    return Exists(
        through.objects.filter(program_id=OuterRef(program_ref), user_id=user.pk or 0)
    )


class ProgramQuerySet(models.QuerySet["Program"]):
    def visible_to(self, user: User | AnonymousUser) -> ProgramQuerySet:
        """Programs the user coordinates or belongs to through a cohort membership."""
        if not user.is_authenticated:
            return self.none()
        member = Membership.objects.filter(cohort__program=OuterRef("pk"), user=user)
        return self.filter(coordinated_by(user) | Exists(member))

    def coordinated_by(self, user: User | AnonymousUser) -> ProgramQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(coordinated_by(user))

    def with_access_of(self, user: User | AnonymousUser) -> ProgramQuerySet:
        return self.annotate(is_coordinator=coordinated_by(user))


class Program(TimeStampedModel):
    public_id = public_id_field()
    # Not unique site-wide: a clash would tell a coordinator that another program exists.
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    framework_reference = models.CharField(
        _("development framework"),
        max_length=300,
        blank=True,
        help_text=_("The competency framework the program develops, by name or link."),
    )
    default_cadence = models.CharField(
        _("default meeting cadence"),
        max_length=10,
        choices=Cadence,
        default=Cadence.BIWEEKLY,
    )
    default_cadence_days = models.PositiveSmallIntegerField(
        _("days between meetings"),
        null=True,
        blank=True,
        help_text=_("Only for a cadence of every N days."),
    )
    retention_min_days = models.PositiveSmallIntegerField(
        _("shortest note retention (days)"), default=30
    )
    retention_max_days = models.PositiveSmallIntegerField(
        _("longest note retention (days)"), default=730
    )
    default_retention_days = models.PositiveSmallIntegerField(
        _("default note retention (days)"), default=365
    )
    default_review_cadence = models.CharField(
        _("default review cadence"),
        max_length=10,
        choices=ReviewCadence,
        default=ReviewCadence.QUARTERLY,
    )
    scorecard_dimensions = models.JSONField(
        _("scorecard dimensions"), default=default_scorecard_dimensions
    )
    requires_effective_agreement = models.BooleanField(
        _("require a signed agreement before check-ins"), default=True
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="coordinated_programs",
        verbose_name=_("coordinators"),
    )

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                # isnull=False is needed: NULL >= 1 is unknown, which a CHECK lets pass.
                condition=Q(
                    default_cadence=Cadence.CUSTOM,
                    default_cadence_days__isnull=False,
                    default_cadence_days__gte=1,
                )
                | (~Q(default_cadence=Cadence.CUSTOM) & Q(default_cadence_days=None)),
                name="program_custom_cadence_has_days",
            ),
            models.CheckConstraint(
                condition=Q(default_cadence_days=None)
                | Q(default_cadence_days__lte=365),
                name="program_cadence_days_at_most_a_year",
            ),
            models.CheckConstraint(
                condition=Q(retention_min_days__gte=1)
                & Q(retention_min_days__lte=F("default_retention_days"))
                & Q(default_retention_days__lte=F("retention_max_days"))
                & Q(retention_max_days__lte=3650),
                name="program_retention_within_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mentorship:program_detail", args=[self.public_id])


class CohortQuerySet(models.QuerySet["Cohort"]):
    def visible_to(self, user: User | AnonymousUser) -> CohortQuerySet:
        """Cohorts the user coordinates (through the program) or is a member of."""
        if not user.is_authenticated:
            return self.none()
        member = Membership.objects.filter(cohort=OuterRef("pk"), user=user)
        return self.filter(coordinated_by(user, "program_id") | Exists(member))

    def with_access_of(self, user: User | AnonymousUser) -> CohortQuerySet:
        return self.annotate(is_coordinator=coordinated_by(user, "program_id"))


class Cohort(TimeStampedModel):
    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    public_id = public_id_field()
    program = models.ForeignKey(
        Program, models.PROTECT, related_name="cohorts", verbose_name=_("program")
    )
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PLANNING
    )

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                "program", Lower("name"), name="cohort_name_unique_in_program"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="cohort_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.name}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:cohort_detail", args=[self.public_id])


class Membership(TimeStampedModel):
    """A person's role in one cohort, with the profile used for matching."""

    public_id = public_id_field()
    cohort = models.ForeignKey(
        Cohort, models.CASCADE, related_name="memberships", verbose_name=_("cohort")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="memberships",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role)
    goals = models.JSONField(_("goals"), default=list, blank=True)
    strengths = models.JSONField(_("strengths"), default=list, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("mentee capacity"),
        default=2,
        help_text=_("How many mentees a mentor takes on in this cohort."),
    )
    supervisor_email = models.EmailField(
        _("supervisor email"),
        blank=True,
        help_text=_(
            "The line manager of a mentee, who may be named on the mentorship."
        ),
    )

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(capacity__lte=20), name="membership_capacity_at_most_20"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.cohort.name})"


# --- Invitations ----------------------------------------------------------------------


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self) -> InvitationQuerySet:
        """Neither accepted nor revoked (they may still have expired)."""
        return self.filter(accepted_at=None, revoked_at=None)

    def pending(self) -> InvitationQuerySet:
        return self.open().filter(expires_at__gt=timezone.now())


class Invitation(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        CLOSED = "closed", _("Cohort closed")

    TOKEN_SALT = "mentorship.invitation"

    public_id = public_id_field()
    cohort = models.ForeignKey(
        Cohort, models.CASCADE, related_name="invitations", verbose_name=_("cohort")
    )
    email = models.EmailField(_("email"))
    full_name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=10, choices=Role)
    supervisor_email = models.EmailField(_("supervisor email"), blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="invitations_sent",
    )
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("email sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "email", "role"],
                condition=Q(accepted_at=None, revoked_at=None),
                name="invitation_one_open_per_role",
            ),
            models.CheckConstraint(
                condition=Q(role=Role.MENTEE) | Q(supervisor_email=""),
                name="invitation_supervisor_only_for_mentee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.cohort} ({self.role})"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return self.Status.REVOKED
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.cohort.status == Cohort.Status.CLOSED:
            return self.Status.CLOSED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    def make_token(self) -> str:
        """Return the signed token that goes in the invitation link."""
        return signing.dumps(str(self.public_id), salt=self.TOKEN_SALT)

    def get_accept_url(self) -> str:
        return reverse("mentorship:invitation_accept", args=[self.make_token()])

    @classmethod
    def public_id_from_token(cls, token: str) -> uuid.UUID:
        """Return the invitation id a token names; raise signing.BadSignature if forged."""
        max_age = timedelta(days=settings.INVITATION_VALID_DAYS + 1)
        value = signing.loads(token, salt=cls.TOKEN_SALT, max_age=max_age)
        try:
            return uuid.UUID(value)
        except (TypeError, ValueError):
            raise signing.BadSignature("Malformed invitation token") from None


# --- Mentorships ----------------------------------------------------------------------


class MentorshipQuerySet(models.QuerySet["Mentorship"]):
    def active(self) -> MentorshipQuerySet:
        return self.filter(status=Mentorship.Status.ACTIVE)

    def visible_to(self, user: User | AnonymousUser) -> MentorshipQuerySet:
        """The pair and the program's coordinators; supervisors see only summaries."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(mentor=user) | Q(mentee=user) | coordinated_by(user, "cohort__program_id")
        )

    def with_people(self) -> MentorshipQuerySet:
        return self.select_related("mentor", "mentee", "supervisor", "cohort__program")


class Mentorship(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    public_id = public_id_field()
    cohort = models.ForeignKey(
        Cohort, models.PROTECT, related_name="mentorships", verbose_name=_("cohort")
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="mentorships_led",
        verbose_name=_("mentor"),
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="mentorships_joined",
        verbose_name=_("mentee"),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="mentorships_supervised",
        verbose_name=_("supervisor"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.ACTIVE
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_at = models.DateTimeField(_("closed"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why it closed, as whoever closed it wrote it (the close form, or the note of a
    # revisit that decided to close): shown to the pair and the closer only.
    close_reason = models.TextField(
        _("reason for closing"), max_length=2000, blank=True
    )
    # The regular meeting time, in the mentee's time zone: series check-ins keep this
    # wall-clock time across daylight-saving changes.
    meeting_time = models.TimeField(_("regular meeting time"), default=time(10, 0))
    # Drift: consecutive check-ins missed (or left unrecorded past their time) since the
    # last one held; set by checkins.assess_drift.
    missed_in_row = models.PositiveSmallIntegerField(default=0)
    drifting_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
    )
    # The operating terms in force, written by the agreements app (through
    # services.apply_terms) whenever a version becomes effective. Check-ins, reminders
    # and retention read them here and never import agreements.
    has_signed_terms = models.BooleanField(_("signed terms in effect"), default=False)
    terms_effective_at = models.DateTimeField(null=True, blank=True)
    cadence = models.CharField(max_length=10, choices=Cadence, blank=True)
    cadence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    review_cadence = models.CharField(max_length=10, choices=ReviewCadence, blank=True)
    retention_days = models.PositiveSmallIntegerField(null=True, blank=True)
    retention_anchor = models.CharField(
        max_length=10, choices=RetentionAnchor, blank=True
    )
    scorecard_dimensions = models.JSONField(default=list, blank=True)

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mentor=F("mentee")), name="mentor_is_not_mentee"
            ),
            models.CheckConstraint(
                condition=Q(supervisor=None)
                | (~Q(supervisor=F("mentor")) & ~Q(supervisor=F("mentee"))),
                name="supervisor_is_not_in_pair",
            ),
            models.UniqueConstraint(
                fields=["cohort", "mentor", "mentee"],
                condition=Q(status="active"),
                name="one_active_mentorship_per_pair",
            ),
            # A mentee has one mentor at a time in a cohort.
            models.UniqueConstraint(
                fields=["cohort", "mentee"],
                condition=Q(status="active"),
                name="one_active_mentorship_per_mentee",
            ),
            models.CheckConstraint(
                condition=Q(ended_on=None) | Q(ended_on__gte=F("started_on")),
                name="mentorship_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} mentoring {self.mentee}"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:mentorship_detail", args=[self.public_id])

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_drifting(self) -> bool:
        return self.drifting_since is not None

    def is_pair_member(self, user: User | AnonymousUser) -> bool:
        return user.pk is not None and user.pk in (self.mentor_id, self.mentee_id)

    def partner_of(self, user: User | AnonymousUser) -> User:
        return self.mentee if user.pk == self.mentor_id else self.mentor

    def role_of(self, user: User | AnonymousUser) -> str | None:
        if user.pk == self.mentor_id:
            return Role.MENTOR
        if user.pk == self.mentee_id:
            return Role.MENTEE
        if user.pk == self.supervisor_id:
            return Role.SUPERVISOR
        return None
