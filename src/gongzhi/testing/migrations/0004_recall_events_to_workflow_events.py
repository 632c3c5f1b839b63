from django.db import migrations


def copy_recall_events(apps, schema_editor):
    """Recall steps become workflow events (core.WorkflowEvent), the one timeline of every flow."""
    RecallEvent = apps.get_model("testing", "RecallEvent")
    WorkflowEvent = apps.get_model("core", "WorkflowEvent")
    batch = []
    for e in RecallEvent.objects.select_related("recall", "actor").order_by("id").iterator(chunk_size=2000):
        batch.append(
            WorkflowEvent(
                flow="recall",
                row_key=e.recall.public_id,
                from_status=e.from_status,
                to_status=e.to_status,
                actor_id=e.actor_id,
                actor_name=getattr(e.actor, "username", "") or "system",
                reason=e.note,
                area_code=e.recall.community_code,
                at=e.at,
            )
        )
        if len(batch) >= 2000:
            WorkflowEvent.objects.bulk_create(batch)
            batch = []
    WorkflowEvent.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("testing", "0003_ingest_indexes"),
        ("core", "0002_workflow_events_and_outbox"),
    ]

    operations = [
        migrations.RunPython(copy_recall_events, migrations.RunPython.noop),
        migrations.DeleteModel(name="RecallEvent"),
    ]
