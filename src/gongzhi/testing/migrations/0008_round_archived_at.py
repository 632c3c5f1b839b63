from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("testing", "0007_partition_tubes_samples"),
    ]

    operations = [
        migrations.AddField(
            model_name="round",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
