from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentorshipConfig(AppConfig):
    name = "mentorship"
    verbose_name = _("Mentoring programs")

    def ready(self) -> None:
        # Connects the sign-in stamp of the session lifetime (stamp_login_time)
        # before any request, a test's force_login included.
        from mentorship import middleware  # noqa: F401
