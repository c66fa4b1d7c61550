import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("settlements", "0006_line_public_ids_filled")]

    operations = [
        migrations.AlterField(
            model_name="settlementline",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
