from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Mentoring agreements")

    def ready(self) -> None:
        from agreements import demo
        from mentorship.signals import demo_seeded

        demo_seeded.connect(demo.seed, dispatch_uid="agreements.demo.seed")
