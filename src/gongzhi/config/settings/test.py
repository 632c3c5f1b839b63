from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_FAILURE_LIMIT = 5
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
