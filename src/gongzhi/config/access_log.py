"""Query strings in the server's logs without personal data.

A search box sends what was typed in the URL (`/residents/?q=510104199001011234`): full ID numbers,
phones and names would otherwise sit in every access log, readable by whoever reads the logs and
kept as long as they are. A logged query keeps the values of the parameters known to carry no
personal data (area codes, row ids, filters, paging) and shows every other value as `***`; a
`next` parameter (a URL) is kept with its own query redacted the same way. The path is kept whole.

gunicorn's access log uses `RedactingLogger` (config/gunicorn.py); Django's log lines go through
`RedactQueriesFilter` on the console handler (settings LOGGING), which covers runserver's request
lines and any message that quotes a URL.
"""

import logging
import re
from typing import Any
from urllib.parse import quote, unquote_plus

from gunicorn.glogging import Logger

# Parameters whose values are codes, ids, dates or choices, never typed personal data.
NON_PERSONAL = frozenset(
    {
        "area_code",
        "community_code",
        "community",
        "grid_id",
        "building_id",
        "household",
        "round",
        "tag",
        "status",
        "level",
        "kind",
        "day",
        "since",
        "until",
        "full",
        "prevalence",
        "page",
        "page_size",
        "format",
    }
)
# Parameters holding a URL of this site (login's `next`): kept, with their query redacted.
URL_PARAMETERS = frozenset({"next"})
REDACTED = "***"


def redact_query(query: str) -> str:
    """The query string with every value not known to be non-personal replaced by ***."""
    if not query:
        return query
    parts = []
    for part in query.split("&"):
        name, sep, value = part.partition("=")
        key = unquote_plus(name).strip().lower()
        if not value or key in NON_PERSONAL:
            parts.append(part)
        elif key in URL_PARAMETERS:
            parts.append(f"{name}={quote(redact_url(unquote_plus(value)), safe='/*')}")
        else:
            parts.append(f"{name}={REDACTED}")
    return "&".join(parts)


def redact_url(url: str) -> str:
    """A path or full URL with its query redacted (redact_query); the rest unchanged."""
    base, sep, query = url.partition("?")
    if not sep:
        return url
    query, hash_sep, fragment = query.partition("#")
    return f"{base}?{redact_query(query)}{hash_sep}{fragment}"


# Atoms of gunicorn's access log format that carry a URL or a query string.
_URL_ATOMS = ("f", "{referer}i", "{location}o", "{raw_uri}e", "{http_referer}e", "{request_uri}e")


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger with query strings redacted in every atom of the access log format."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        raw_uri = redact_url(environ.get("RAW_URI", ""))
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {raw_uri} {environ.get('SERVER_PROTOCOL')}"
        atoms["q"] = redact_query(environ.get("QUERY_STRING") or "")
        atoms["{query_string}e"] = atoms["q"]
        for key in _URL_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_url(atoms[key])
        return atoms


_URL_IN_TEXT = re.compile(r"[^\s\"'?]*\?[^\s\"']*")


class RedactQueriesFilter(logging.Filter):
    """Redacts the query of every URL a log message quotes (runserver's request line; a warning that
    names a URL). The message is formatted here, once, and its arguments dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), message)
            record.args = None
        return True
