"""Reference numbers: VTJ/<year>/<number>, sequential per year, unique and gap-free."""

from django.db import connection

from permits.models import ReferenceCounter


def next_reference(year: int) -> str:
    """Issue the next reference number of `year`; call inside the transaction that uses it.

    The counter row stays locked until that transaction ends, so concurrent submissions queue on it
    one at a time; if the submission rolls back, so does the counter, which leaves no gap.
    """
    with connection.cursor() as cursor:
        # Creates the year's row on its first use; a concurrent creator makes this a no-op.
        cursor.execute(
            "INSERT INTO permits_referencecounter (year, last) VALUES (%s, 0) ON CONFLICT DO NOTHING",
            [year],
        )
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"VTJ/{year}/{counter.last:06d}"
