"""Create the white paper's taxonomy terms, so every database starts with them."""

from django.db import migrations


def load(apps, schema_editor):
    from matchmaking.taxonomy.services import taxonomy_load

    taxonomy_load(
        models={
            "sectors": apps.get_model("taxonomy", "Sector"),
            "app_types": apps.get_model("taxonomy", "ApplicationType"),
            "layers": apps.get_model("taxonomy", "Layer"),
            "offering_kinds": apps.get_model("taxonomy", "OfferingKind"),
            "deployment_modes": apps.get_model("taxonomy", "DeploymentMode"),
        }
    )


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
