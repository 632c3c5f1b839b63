# The answers of each scan batch are kept compressed (a tenth of their JSON size); existing
# batches are converted, so a replay after the upgrade still gets its stored answers.
import json
import zlib

from django.db import migrations, models


def pack_existing(apps, schema_editor):
    ScanBatch = apps.get_model("testing", "ScanBatch")
    for batch in ScanBatch.objects.only("id", "outcomes").iterator(chunk_size=500):
        rows = [[o["event_id"], o["status"], o["code"], o["message"], o.get("added", 0)] for o in batch.outcomes]
        packed = zlib.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode(), 1)
        ScanBatch.objects.filter(pk=batch.pk).update(answers=packed)


class Migration(migrations.Migration):
    dependencies = [
        ("testing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="scanbatch",
            name="answers",
            field=models.BinaryField(default=b"", help_text="The answers given, as zlib-compressed JSON rows"),
        ),
        migrations.RunPython(pack_existing, migrations.RunPython.noop),
        migrations.RemoveField(model_name="scanbatch", name="outcomes"),
    ]
