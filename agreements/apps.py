from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Mentoring agreements")

    def ready(self) -> None:
        from agreements import demo, services
        from mentorship.signals import demo_seeded, mentorship_ended

        def withdraw_on_close(sender: Any, **kwargs: Any) -> None:
            services.withdraw_open_proposal(
                mentorship=kwargs["mentorship"], actor=kwargs["ended_by"]
            )

        demo_seeded.connect(demo.seed, dispatch_uid="agreements.demo.seed")
        mentorship_ended.connect(
            withdraw_on_close,
            weak=False,
            dispatch_uid="agreements.services.withdraw_open_proposal",
        )
