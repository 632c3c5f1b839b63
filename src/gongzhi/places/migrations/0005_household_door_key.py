"""Households get a door key apart from their public id: the door code (H:<door key>) was the public
id, which staff pages, links and route sheets show, so anyone who had seen one could act as the
household on its pages and confirm a delivery at a door they never reached. Existing households get
a random key each from the database (the column's default is evaluated per row); the door codes
printed before must be printed again (docs/decisions.md)."""

from django.db import migrations, models

import gongzhi.places.models


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0004_household_household_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="door_key",
            field=models.CharField(
                db_default=gongzhi.places.models.RandomDoorKey(),
                default=gongzhi.places.models.new_door_key,
                max_length=24,
                unique=True,
                verbose_name="门牌码",
            ),
        ),
    ]
