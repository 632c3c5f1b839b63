from django.db import migrations, models
from django.db.models import Count


def fill_expected(apps, schema_editor):
    """Rounds made before this migration: their expected counts are the residents registered now
    (one grouped count of residents by community, then one row per round and community)."""
    Round = apps.get_model("testing", "Round")
    RoundProgress = apps.get_model("testing", "RoundProgress")
    Resident = apps.get_model("people", "Resident")
    rounds = list(Round.objects.values_list("id", "area_code"))
    if not rounds:
        return
    per_community = dict(
        Resident.objects.values("community_code").annotate(n=Count("id")).values_list("community_code", "n")
    )
    for round_id, area_code in rounds:
        known = set(RoundProgress.objects.filter(round_id=round_id).values_list("community_code", flat=True))
        mine = {code: n for code, n in per_community.items() if code.startswith(area_code)}
        for code in known & set(mine):
            RoundProgress.objects.filter(round_id=round_id, community_code=code).update(expected=mine[code])
        RoundProgress.objects.bulk_create(
            [
                RoundProgress(round_id=round_id, community_code=code, expected=n)
                for code, n in mine.items()
                if code not in known
            ],
            batch_size=1000,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("testing", "0012_tube_without_foreign_key_constraints"),
        ("people", "0005_name_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="roundprogress",
            name="expected",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(fill_expected, migrations.RunPython.noop),
    ]
