"""Fixture the guardian-get-objects-for-user-explicit-flags rule must flag (3
findings). Never imported."""

from guardian.shortcuts import get_objects_for_user

from mentorship.models import Note


def readable(user):
    everything = get_objects_for_user(user, "mentorship.view_note", klass=Note)
    no_superuser_flag = get_objects_for_user(
        user, "mentorship.view_note", klass=Note, accept_global_perms=False
    )
    no_groups_flag = get_objects_for_user(
        user,
        "mentorship.view_note",
        klass=Note,
        accept_global_perms=False,
        with_superuser=False,
    )
    safe = get_objects_for_user(
        user,
        "mentorship.view_note",
        klass=Note,
        use_groups=False,
        with_superuser=False,
        accept_global_perms=False,
    )
    return everything, no_superuser_flag, no_groups_flag, safe
