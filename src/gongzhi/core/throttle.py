"""Limits on public forms: fixed-window counters in Django's cache (local memory on one machine,
Redis shared by every server at city scale)."""

import hashlib
import time
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache


def client_address(request: Any) -> str:
    """The client's address, found the way the login lockout finds it (django-axes, which calls
    `proxied_client_address` when GONGZHI_TRUSTED_PROXIES is set), so one setting serves both."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or ""


def proxied_client_address(request: Any) -> str:
    """Behind a reverse proxy every request comes from the proxy: the client is the address the proxy
    wrote last into X-Forwarded-For, believed only when the request came from a trusted proxy
    (settings.TRUSTED_PROXIES; a client elsewhere could write any header)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if remote in settings.TRUSTED_PROXIES:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")[-1].strip()
        if forwarded:
            return forwarded
    return remote


def attempt(scope: str, key: str, *, limit: int, window: int) -> int:
    """Count one attempt under (scope, key) in the current window of `window` seconds. Returns 0
    while within `limit`, else the seconds until the window ends (for Retry-After)."""
    now = time.time()
    bucket = int(now // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    name = f"gongzhi:throttle:{scope}:{digest}:{bucket}"
    cache.add(name, 0, timeout=window + 1)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, int((bucket + 1) * window - now))
