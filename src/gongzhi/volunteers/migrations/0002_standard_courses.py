# The standard courses every community runs; more can be added in the admin.
from django.db import migrations

COURSES = [
    ("protection", "防护培训", 180),
    ("basics", "志愿服务通识", 365),
    ("sampling", "采样点辅助", 180),
    ("counselling", "心理疏导入门", 365),
]


def add_courses(apps, schema_editor):
    Course = apps.get_model("volunteers", "Course")
    for code, name, days in COURSES:
        Course.objects.get_or_create(code=code, defaults={"name": name, "valid_days": days})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(add_courses, migrations.RunPython.noop)]
