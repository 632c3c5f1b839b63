"""gunicorn settings for `gongzhi serve`; the benchmarks run the server with this same file.

Threads, not sync workers: a request waiting for the database then waits inside the application,
where the load-shedding gates (core/overload.py: scan batches, households' new requests) answer
503 with Retry-After once it has waited too long, instead of in the socket queue, where no one sees
it and callers time out.
Each thread may hold a database connection: workers x threads must stay under PostgreSQL's
max_connections (100 by default)."""

import os

worker_class = "gthread"
workers = int(os.environ.get("GONGZHI_WORKERS", "2"))
threads = int(os.environ.get("GONGZHI_THREADS", "16"))
backlog = 2048
keepalive = 5
timeout = 60

# Search boxes send ID numbers, phones and names in query strings: the access log keeps the path and
# the non-personal parameters only (config/access_log.py).
logger_class = "gongzhi.config.access_log.RedactingLogger"
