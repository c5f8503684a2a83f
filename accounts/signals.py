"""Signals that accounts sends for other apps to act on, without importing them (imports flow the other way).

`organisation_changed` is sent inside the transaction of the change, with `organisation`, `actor` and
`fields`: the names of the organisation's fields that changed, or "member_removed" with `removed_email`
when a member was removed. permits reminds a permit holder's signatories to notify the change.
"""

from django.dispatch import Signal

organisation_changed = Signal()
