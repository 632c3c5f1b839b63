from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    """The residents register's file uploads: "roster" now means volunteer rosters only."""

    dependencies = [
        ("people", "0002_rosterimport"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="RosterImport", new_name="RegisterImport"),
    ]
