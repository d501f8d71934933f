"""Scorecard trends per dimension, from the ratings of check-ins and of reviews.

The chart's geometry is computed here, so the template only draws what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from mentorship.models import CheckIn, Mentorship, ScorecardRating
from reviews.models import ProgressReview, ReviewRating

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


@dataclass(frozen=True)
class Point:
    day: date
    rating: int
    is_review: bool
    x: float = 0
    y: float = 0

    @property
    def source(self) -> str:
        return _("Review") if self.is_review else _("Check-in")

    @property
    def label(self) -> str:
        return _("%(source)s on %(day)s: %(rating)s of 5") % {
            "source": self.source,
            "day": formats.date_format(self.day, "j M Y"),
            "rating": self.rating,
        }


@dataclass(frozen=True)
class Trend:
    dimension: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def description(self) -> str:
        if not self.points:
            return _("No ratings yet.")
        first, last = self.points[0], self.points[-1]
        return _(
            "%(count)s ratings from 1 to 5 between %(start)s and %(end)s; the first "
            "%(first)s, the latest %(latest)s."
        ) % {
            "count": len(self.points),
            "start": formats.date_format(first.day, "j M Y"),
            "end": formats.date_format(last.day, "j M Y"),
            "first": first.rating,
            "latest": last.rating,
        }


@dataclass(frozen=True)
class Axis:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    def y(self, rating: float) -> float:
        return self.bottom - (rating - 1) / 4 * (self.bottom - self.top)

    @property
    def levels(self) -> list[tuple[int, float]]:
        return [(level, self.y(level)) for level in range(1, 6)]


AXIS = Axis()


def _place(points: list[Point], first: date, last: date) -> list[Point]:
    span = (last - first).days
    width = AXIS.right - AXIS.left
    placed = []
    for p in points:
        share = (p.day - first).days / span if span else 0.5
        x = AXIS.left + share * width
        placed.append(Point(p.day, p.rating, p.is_review, x, AXIS.y(p.rating)))
    return placed


def trends_for(mentorship: Mentorship) -> list[Trend]:
    """Return one trend per scorecard dimension: held check-ins and completed reviews.

    Two queries, whatever the number of ratings.
    """
    rows: list[tuple[str, date, int, bool]] = [
        (dimension, timezone.localdate(at), rating, False)
        for dimension, at, rating in ScorecardRating.objects.filter(
            checkin__mentorship=mentorship, checkin__status=CheckIn.Status.HELD
        ).values_list("dimension", "checkin__scheduled_at", "rating")
    ]
    rows += [
        (dimension, timezone.localdate(at), rating, True)
        for dimension, at, rating in ReviewRating.objects.filter(
            review__mentorship=mentorship,
            review__status=ProgressReview.Status.COMPLETED,
        ).values_list("dimension", "review__completed_at", "rating")
    ]
    names = list(mentorship.scorecard_dimensions)
    names += sorted({row[0] for row in rows} - set(names))
    if not rows:
        return [Trend(name, []) for name in names]
    first = min(row[1] for row in rows)
    last = max(row[1] for row in rows)
    trends = []
    for name in names:
        points = sorted(
            (
                Point(day, rating, is_review)
                for dim, day, rating, is_review in rows
                if dim == name
            ),
            key=lambda p: (p.day, p.is_review),
        )
        trends.append(Trend(name, _place(points, first, last)))
    return trends
