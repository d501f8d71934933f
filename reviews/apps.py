from typing import Any

from django.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Progress reviews and consent")

    def ready(self) -> None:
        from mentorship.signals import demo_seeded, mentorship_ended, terms_applied
        from reviews import demo, services

        def plan(sender: Any, **kwargs: Any) -> None:
            services.plan_reviews(mentorship=kwargs["mentorship"])

        def drop_ahead(sender: Any, **kwargs: Any) -> None:
            services.drop_reviews_ahead(
                mentorship=kwargs["mentorship"], now=timezone.now()
            )

        terms_applied.connect(plan, weak=False, dispatch_uid="reviews.plan_reviews")
        mentorship_ended.connect(
            drop_ahead, weak=False, dispatch_uid="reviews.drop_reviews_ahead"
        )
        demo_seeded.connect(demo.seed, dispatch_uid="reviews.demo.seed")
