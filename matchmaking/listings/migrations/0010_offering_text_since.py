"""Offerings dated before this have no text date: the matcher and the dating rule use their
publication (listings/text_dating.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("listings", "0009_recompute_hype_flags")]

    operations = [
        migrations.AddField(
            model_name="offering",
            name="text_since",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="text live since"
            ),
        ),
        migrations.AddField(
            model_name="offering",
            name="dated_text",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
