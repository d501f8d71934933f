"""Mentoring agreements: templates, versions with their sections, signatures and events.

An Agreement belongs to one Mentorship and is a chain of AgreementVersions. A version
is drafted by both parties, proposed (frozen, with its content hash), signed by both
(effective), and superseded by a later effective version. Signatures and events are
append-only and hash-chained, so any change to stored content can be detected.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mentorship.models import (
    Cadence,
    Mentorship,
    Program,
    ReviewCadence,
    TimeStampedModel,
    default_scorecard_dimensions,
    public_id_field,
)


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video call")


class RetentionAnchor(models.TextChoices):
    WRITTEN = "written", _("after the note is written")
    CLOSED = "closed", _("after the mentorship closes")


class SupervisorSharing(models.TextChoices):
    NOTHING = "nothing", _("Nothing is shared with the supervisor")
    WITH_CONSENT = (
        "with_consent",
        _("A progress summary, only with the mentee's consent"),
    )


class ExceptionKind(models.TextChoices):
    SAFETY = "safety", _("Safety risk")
    LEGAL = "legal", _("Legal obligation")
    ORGANISATIONAL = "organisational", _("Organisational requirement")
    OTHER = "other", _("Other")


class AssessmentMethod(models.TextChoices):
    DELIVERABLE = "deliverable", _("Deliverable")
    QUARTERLY_REVIEW = "quarterly_review", _("Quarterly review")
    SUPERVISOR_FEEDBACK = "supervisor_feedback", _("Supervisor feedback")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    OTHER = "other", _("Other")


class AgreementContent(models.Model):
    """Every section of an agreement: shared by templates and versions."""

    # Purpose
    purpose = models.TextField(_("shared purpose"), max_length=4000, blank=True)
    # Scope
    cadence = models.CharField(
        _("meeting cadence"), max_length=10, choices=Cadence, default=Cadence.BIWEEKLY
    )
    cadence_days = models.PositiveSmallIntegerField(
        _("days between meetings"), null=True, blank=True
    )
    formats = models.JSONField(_("meeting formats"), default=list, blank=True)
    channels = models.JSONField(_("communication channels"), default=list, blank=True)
    feedback_baseline = models.TextField(
        _("feedback baseline"), max_length=4000, blank=True
    )
    out_of_scope = models.TextField(_("out of scope"), max_length=4000, blank=True)
    # Roles and responsibilities
    mentor_commitments = models.TextField(
        _("the mentor's commitments"), max_length=4000, blank=True
    )
    mentee_commitments = models.TextField(
        _("the mentee's commitments"), max_length=4000, blank=True
    )
    # Boundaries
    boundaries = models.TextField(
        _("boundaries: availability, formats, sensitive topics"),
        max_length=4000,
        blank=True,
    )
    # Confidentiality
    private_matters = models.TextField(
        _("what stays private"), max_length=4000, blank=True
    )
    confidential_kinds = models.JSONField(
        _("kinds of information held confidential"), default=list, blank=True
    )
    notes_handling = models.TextField(
        _("how notes are stored and who may see them"), max_length=4000, blank=True
    )
    supervisor_sharing = models.CharField(
        _("sharing with the supervisor"),
        max_length=12,
        choices=SupervisorSharing,
        default=SupervisorSharing.WITH_CONSENT,
    )
    retention_days = models.PositiveSmallIntegerField(
        _("note retention (days)"), default=365
    )
    retention_anchor = models.CharField(
        _("retention counted from"),
        max_length=10,
        choices=RetentionAnchor,
        default=RetentionAnchor.WRITTEN,
    )
    # Reviews
    review_cadence = models.CharField(
        _("review cadence"),
        max_length=10,
        choices=ReviewCadence,
        default=ReviewCadence.QUARTERLY,
    )
    scorecard_dimensions = models.JSONField(
        _("scorecard dimensions"), default=default_scorecard_dimensions
    )
    # Renegotiation
    notice_days = models.PositiveSmallIntegerField(
        _("minimum notice for changes (days)"), default=14
    )
    renegotiation_triggers = models.TextField(
        _("what triggers a review of these terms"), max_length=4000, blank=True
    )
    change_recording = models.TextField(
        _("how changes are recorded"), max_length=4000, blank=True
    )
    # Tone
    mentor_aspirations = models.TextField(
        _("the mentor's aspirations"), max_length=4000, blank=True
    )
    mentee_aspirations = models.TextField(
        _("the mentee's aspirations"), max_length=4000, blank=True
    )

    CONTENT_FIELDS = [
        "purpose",
        "cadence",
        "cadence_days",
        "formats",
        "channels",
        "feedback_baseline",
        "out_of_scope",
        "mentor_commitments",
        "mentee_commitments",
        "boundaries",
        "private_matters",
        "confidential_kinds",
        "notes_handling",
        "supervisor_sharing",
        "retention_days",
        "retention_anchor",
        "review_cadence",
        "scorecard_dimensions",
        "notice_days",
        "renegotiation_triggers",
        "change_recording",
        "mentor_aspirations",
        "mentee_aspirations",
    ]

    class Meta:
        abstract = True

    def content(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}


class AgreementTemplate(AgreementContent, TimeStampedModel):
    """A program's starting point for its agreements, managed by its coordinators."""

    public_id = public_id_field()
    program = models.ForeignKey(
        Program, models.CASCADE, related_name="agreement_templates"
    )
    name = models.CharField(_("name"), max_length=120)
    default_exceptions = models.JSONField(
        _("default confidentiality exceptions"),
        default=list,
        blank=True,
        help_text=_("A list of {kind, description} entries."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"], name="template_name_unique_in_program"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CohortTemplate(models.Model):
    """The template a cohort's agreements start from.

    It lives here rather than on Cohort so the program app never depends on this one.
    """

    cohort = models.OneToOneField(
        "mentorship.Cohort", models.CASCADE, related_name="agreement_template_choice"
    )
    template = models.ForeignKey(
        AgreementTemplate, models.PROTECT, related_name="cohort_choices"
    )

    def __str__(self) -> str:
        return f"{self.cohort} → {self.template}"


class Agreement(TimeStampedModel):
    public_id = public_id_field()
    mentorship = models.OneToOneField(
        Mentorship, models.PROTECT, related_name="agreement"
    )

    def __str__(self) -> str:
        return f"Agreement of {self.mentorship}"

    def get_absolute_url(self) -> str:
        return reverse("agreements:detail", args=[self.mentorship.public_id])


class AgreementVersion(AgreementContent, TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed, awaiting signatures")
        EFFECTIVE = "effective", _("In effect")
        SUPERSEDED = "superseded", _("Superseded")

    OPEN = (Status.DRAFT, Status.PROPOSED)
    SIGNED = (Status.EFFECTIVE, Status.SUPERSEDED)

    public_id = public_id_field()
    agreement = models.ForeignKey(Agreement, models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.DRAFT
    )
    amends = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        help_text=_("The version in force when this one was drafted as an amendment."),
    )
    rationale = models.TextField(_("why this change"), max_length=4000, blank=True)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    # Who changed each section last while drafting: {section key: {"by": user id,
    # "at": ISO time}}, the keys those of agreements.diff.SECTIONS.
    section_edits = models.JSONField(default=dict, blank=True)
    # Each proposal opens a new round; only signatures of the current round count, so
    # editing a proposed version voids its signatures without touching them.
    round = models.PositiveIntegerField(default=0)
    proposed_at = models.DateTimeField(_("proposed"), null=True, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    earliest_effective_at = models.DateTimeField(
        _("takes effect no earlier than"), null=True, blank=True
    )
    mentor_waived_notice = models.BooleanField(default=False)
    mentee_waived_notice = models.BooleanField(default=False)
    effective_at = models.DateTimeField(_("in effect from"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status__in=["draft", "proposed"]),
                name="one_open_version_per_agreement",
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status="effective"),
                name="one_effective_version_per_agreement",
            ),
            models.CheckConstraint(
                condition=Q(cadence=Cadence.CUSTOM, cadence_days__isnull=False)
                | (~Q(cadence=Cadence.CUSTOM) & Q(cadence_days=None)),
                name="version_custom_cadence_has_days",
            ),
            models.CheckConstraint(
                condition=Q(cadence_days=None) | Q(cadence_days__gte=1),
                name="version_cadence_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def notice_waived(self) -> bool:
        return self.mentor_waived_notice and self.mentee_waived_notice


class SuccessCriterion(models.Model):
    version = models.ForeignKey(
        AgreementVersion, models.CASCADE, related_name="criteria"
    )
    position = models.PositiveSmallIntegerField()
    description = models.CharField(_("criterion"), max_length=500)
    metric = models.CharField(_("measure"), max_length=300)
    target = models.CharField(_("target"), max_length=300)
    due_on = models.DateField(_("due"))
    method = models.CharField(_("assessed by"), max_length=20, choices=AssessmentMethod)
    competency = models.CharField(
        _("competency of the framework"), max_length=200, blank=True
    )

    FIELDS = ["description", "metric", "target", "due_on", "method", "competency"]

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="criterion_position_unique"
            ),
            models.CheckConstraint(
                condition=~Q(metric="") & ~Q(target=""),
                name="criterion_has_measure_and_target",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class ConfidentialityException(models.Model):
    version = models.ForeignKey(
        AgreementVersion, models.CASCADE, related_name="exceptions"
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=20, choices=ExceptionKind)
    description = models.CharField(_("description"), max_length=1000)

    FIELDS = ["kind", "description"]

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="exception_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


class AgreementEvent(models.Model):
    """One step in an agreement's life, chained to the previous one by its hash.

    Append-only: the code never updates or deletes one, and on PostgreSQL a trigger
    refuses UPDATE and DELETE.
    """

    class Kind(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        WITHDRAWN = "withdrawn", _("Returned to draft")
        SIGNED = "signed", _("Signed")
        EFFECTIVE = "effective", _("Took effect")
        SUPERSEDED = "superseded", _("Superseded")
        AMENDMENT_PROPOSED = "amendment_proposed", _("Amendment proposed")
        NOTICE_WAIVED = "notice_waived", _("Notice waived")

    agreement = models.ForeignKey(Agreement, models.PROTECT, related_name="events")
    version = models.ForeignKey(AgreementVersion, models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()
    content_hash = models.CharField(max_length=64, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["agreement", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "sequence"], name="event_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of v{self.version_id} at {self.at:%Y-%m-%d %H:%M}"


class Signature(models.Model):
    """A party's signature of a proposed version. Append-only, like events."""

    version = models.ForeignKey(
        AgreementVersion, models.PROTECT, related_name="signatures"
    )
    event = models.OneToOneField(
        AgreementEvent, models.PROTECT, related_name="signature"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="signatures"
    )
    round = models.PositiveIntegerField()
    role = models.CharField(max_length=10)
    typed_name = models.CharField(_("name as typed"), max_length=150)
    email = models.EmailField(_("email at signing"))
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=500, blank=True)
    content_hash = models.CharField(max_length=64)
    intent_version = models.CharField(max_length=20)
    previous_event_hash = models.CharField(max_length=64, blank=True)

    FIELDS = [
        "signer_id",
        "round",
        "role",
        "typed_name",
        "email",
        "signed_at",
        "ip_address",
        "user_agent",
        "content_hash",
        "intent_version",
        "previous_event_hash",
    ]

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "round", "role"], name="one_signature_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.typed_name} ({self.role})"


class RenderedPdf(models.Model):
    """The SHA-256 of a PDF delivered for a signed version.

    Verification compares an uploaded file's digest with these and never re-renders;
    every distinct rendering delivered is kept, so each copy handed out verifies.
    """

    version = models.ForeignKey(
        AgreementVersion, models.PROTECT, related_name="rendered_pdfs"
    )
    sha256 = models.CharField(max_length=64, unique=True)
    rendered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rendered_at"]

    def __str__(self) -> str:
        return f"PDF of v{self.version.number} ({self.sha256[:12]})"


class Disclosure(TimeStampedModel):
    """A confidentiality exception invoked: kept as recorded, with no edit path.

    Both parties read it in full; the program's coordinators see its metadata (which
    kind of exception, when, recorded by whom) but not to whom or what was disclosed.
    """

    public_id = public_id_field()
    agreement = models.ForeignKey(Agreement, models.PROTECT, related_name="disclosures")
    exception = models.ForeignKey(
        ConfidentialityException, models.PROTECT, related_name="disclosures"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+"
    )
    disclosed_to = models.CharField(_("disclosed to"), max_length=200)
    disclosed_on = models.DateField(_("disclosed on"))
    description = models.TextField(
        _("what was disclosed, in brief"),
        max_length=1000,
        help_text=_("Only what the other party needs to know. No more than that."),
    )
    other_party_informed_on = models.DateField(
        _("other party informed on"), null=True, blank=True
    )
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-disclosed_on", "-created_at"]

    def __str__(self) -> str:
        return f"Disclosure under {self.exception.get_kind_display()} on {self.disclosed_on}"
