"""Recompute every offering's hype flags: the detector (listings/hype.py) now also flags box-ticking
in the text (sector spread) and keyword lists. Flags are otherwise recomputed only when an
offering is saved, so the moderation queue would not show the listings already live."""

from django.db import migrations

BATCH = 2000


def recompute_hype_flags(apps, schema_editor):
    from matchmaking.listings.hype import offering_hype_flags

    Offering = apps.get_model("listings", "Offering")
    last_pk = 0
    while True:
        batch = list(
            Offering.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .prefetch_related("sectors", "app_types")[:BATCH]
        )
        if not batch:
            return
        changed = []
        for offering in batch:
            flags = offering_hype_flags(
                title=offering.title,
                summary=offering.summary,
                description=offering.description,
                tags=offering.tags,
                sectors=[term.code for term in offering.sectors.all()],
                app_types=[term.code for term in offering.app_types.all()],
            )
            if offering.hype_flags != flags:
                offering.hype_flags = flags
                changed.append(offering)
        Offering.objects.bulk_update(changed, ["hype_flags"])
        last_pk = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0008_need_suggestions_revision"),
    ]

    operations = [
        migrations.RunPython(recompute_hype_flags, migrations.RunPython.noop, elidable=True),
    ]
