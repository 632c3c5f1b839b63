"""Residents' phones may be landlines (028-85551234, or 85551234 alone): many elderly residents have
no mobile. The column grows from 11 to 13 characters and its check admits the landline forms.

PostgreSQL cannot change the type of a column a generated column is computed from, so the phone
tail (and its index) is dropped first and added again after: on PostgreSQL that rewrites the
residents table once (minutes at a city's 21 million rows, under an exclusive lock: run it in a
maintenance window; docs/decisions.md)."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_chinese_field_labels"),
        ("places", "0004_household_household_address"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="resident", name="resident_phone_tail"),
        migrations.RemoveField(model_name="resident", name="phone_tail"),
        migrations.RemoveConstraint(model_name="resident", name="resident_phone_shape"),
        migrations.AlterField(
            model_name="resident",
            name="phone",
            field=models.CharField(blank=True, max_length=13, verbose_name="联系电话"),
        ),
        migrations.AddField(
            model_name="resident",
            name="phone_tail",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Right("phone", 4),
                output_field=models.CharField(max_length=4),
            ),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(fields=["phone_tail", "community_code"], name="resident_phone_tail"),
        ),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("phone", ""),
                    ("phone__regex", "^1[0-9]{10}$"),
                    ("phone__regex", "^(0[0-9]{2,3}-)?[2-9][0-9]{6,7}$"),
                    _connector="OR",
                ),
                name="resident_phone_shape",
            ),
        ),
    ]
