"""Scorecard trends: one per dimension, from held check-ins and completed reviews,
drawn as an accessible SVG with the same figures in a table."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from mentorship.models import CheckIn, ScorecardRating
from reviews.trends import AXIS, trends_for
from tests.reviews.helpers import completed_review, in_force


def _held(mentorship, days_ago, ratings, status="held"):
    checkin = CheckIn.objects.create(
        mentorship=mentorship,
        scheduled_at=timezone.now() - timedelta(days=days_ago),
        status=status,
        format="video",
        recorded_at=timezone.now(),
    )
    ScorecardRating.objects.bulk_create(
        ScorecardRating(checkin=checkin, dimension=d, rating=r)
        for d, r in ratings.items()
    )


def test_trends_join_check_ins_and_reviews_in_date_order(mentorship):
    in_force(mentorship)
    mentorship.refresh_from_db()
    first = mentorship.scorecard_dimensions[0]
    _held(mentorship, 20, {first: 2})
    _held(mentorship, 10, {first: 3})
    _held(mentorship, 5, {first: 1}, status="missed")  # not a meeting: left out
    completed_review(mentorship)  # rates every dimension 3
    trend = trends_for(mentorship)[0]
    assert trend.dimension == first
    assert [(p.rating, p.is_review) for p in trend.points] == [
        (2, False),
        (3, False),
        (3, True),
    ]
    xs = [p.x for p in trend.points]
    assert xs == sorted(xs) and xs[0] == AXIS.left and xs[-1] == AXIS.right
    assert trend.points[0].y > trend.points[1].y  # a higher rating is drawn higher
    assert len(trends_for(mentorship)) == len(mentorship.scorecard_dimensions)


def test_the_chart_is_an_image_with_a_text_alternative_and_a_table(
    client, mentorship, mentee
):
    in_force(mentorship)
    mentorship.refresh_from_db()
    first = mentorship.scorecard_dimensions[0]
    _held(mentorship, 20, {first: 2})
    _held(mentorship, 10, {first: 5})
    client.force_login(mentee)
    body = client.get(
        reverse("reviews:list", args=[mentorship.public_id])
    ).content.decode()
    svg = re.search(r"<svg[^>]*>.*?</svg>", body, re.S).group(0)
    assert 'role="img"' in svg and "aria-labelledby=" in svg
    assert f'<title id="trend-1-title">Scorecard trend: {first}</title>' in svg
    assert "2 ratings from 1 to 5" in svg and "the latest 5" in svg
    assert svg.count("<circle") == 2 and "<polyline" in svg
    table = body[body.index("The ratings as a table") :]
    assert re.search(
        r"<td>Check-in</td><td>2</td>.*<td>Check-in</td><td>5</td>", table, re.S
    )
    # The dimensions without ratings say so instead of drawing an empty chart.
    assert "No ratings yet." in body


def test_dimension_names_are_escaped_in_the_chart(client, mentorship, mentee):
    in_force(mentorship)
    _held(mentorship, 3, {"<script>x</script>": 4})
    client.force_login(mentee)
    body = client.get(
        reverse("reviews:list", args=[mentorship.public_id])
    ).content.decode()
    assert "<script>x</script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body
