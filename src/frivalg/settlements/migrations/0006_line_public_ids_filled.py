import uuid

from django.db import migrations


def give_lines_public_ids(apps, schema_editor):
    """Each existing line its own id (a default would give them all the same one)."""
    line = apps.get_model("settlements", "SettlementLine")
    batch = []
    for pk in line.objects.filter(public_id__isnull=True).values_list("pk", flat=True).iterator(chunk_size=5000):
        batch.append(line(pk=pk, public_id=uuid.uuid4()))
        if len(batch) >= 5000:
            line.objects.bulk_update(batch, ["public_id"])
            batch = []
    line.objects.bulk_update(batch, ["public_id"])


class Migration(migrations.Migration):
    dependencies = [("settlements", "0005_line_public_id_after_calculation")]

    operations = [migrations.RunPython(give_lines_public_ids, migrations.RunPython.noop)]
