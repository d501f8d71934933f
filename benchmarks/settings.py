"""Production settings plus one trivial view, the yardstick every page is compared to."""

from mentorship.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
