from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_FAILURE_LIMIT = 5
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run in the process that enqueues them (after the commit that publishes their message).
HUEY = {"huey_class": "huey.MemoryHuey", "name": "gongzhi-test", "immediate": True}

# A second database standing in for a streaming replica (tests/config/test_replica_router.py): a test
# database of its own, not a mirror of the default one, so a row written only there shows where a read
# came from. pytest-django creates it only for a test that asks for it (databases=[..., "replica"]).
# Its tables are made from the models, not by the migrations (their data steps read and write the
# default database). No router here, whatever GONGZHI_REPLICA_URL says: the suite reads and writes
# "default" as before; the replica tests install the router themselves.
_REPLICA_TEST: dict[str, object] = {"MIGRATE": False}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405  (SQLite: in memory, per alias)
    _REPLICA_TEST["NAME"] = f"test_{DATABASES['default']['NAME']}_replica"  # noqa: F405
DATABASES["replica"] = {**DATABASES["default"], "TEST": _REPLICA_TEST}  # noqa: F405
DATABASE_ROUTERS = []
