from django.db import migrations


def copy_aid_events(apps, schema_editor):
    """Hardship-aid steps become workflow events (core.WorkflowEvent), the one timeline of every flow."""
    AidEvent = apps.get_model("volunteers", "AidEvent")
    WorkflowEvent = apps.get_model("core", "WorkflowEvent")
    WorkflowEvent.objects.bulk_create(
        [
            WorkflowEvent(
                flow="aid",
                row_key=e.request.public_id,
                from_status=e.from_status,
                to_status=e.to_status,
                actor_id=e.actor_id,
                actor_name=getattr(e.actor, "username", "") or "system",
                reason=e.note,
                area_code=e.request.community_code,
                at=e.at,
            )
            for e in AidEvent.objects.select_related("request", "actor").order_by("id")
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0002_standard_courses"),
        ("core", "0002_workflow_events_and_outbox"),
    ]

    operations = [
        migrations.RunPython(copy_aid_events, migrations.RunPython.noop),
        migrations.DeleteModel(name="AidEvent"),
    ]
