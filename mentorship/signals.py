"""Signals the program app sends for other apps to extend it without importing them."""

from django.dispatch import Signal

# Sent by seed_demo after the demo program exists, with `users` (email → User) and
# `cohort`: later apps add their own demo content, idempotently.
demo_seeded = Signal()

# Sent by services.end_mentorship inside its transaction, with `mentorship` and
# `ended_by`: the agreements app withdraws what is still awaiting signatures.
mentorship_ended = Signal()

# Sent by services.apply_terms inside its transaction, with `mentorship` and `terms`
# (services.OperatingTerms): the reviews app plans the progress reviews ahead.
terms_applied = Signal()
