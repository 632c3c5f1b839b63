"""Full ID numbers, phones and names typed into a search box travel in GET query strings
(/residents/?q=510104199001011234); the server's logs keep the path and the non-personal parameters
and never the searched value."""

import datetime as dt
import logging

import pytest
from gunicorn.config import Config

from gongzhi.config import gunicorn as gunicorn_settings

ID_NUMBER, PHONE = "510104199001011234", "13912345678"


def _gunicorn_config(tmp_path) -> Config:
    cfg = Config()
    for name, value in vars(gunicorn_settings).items():
        if name in cfg.settings:
            cfg.set(name, value)
    cfg.set("accesslog", str(tmp_path / "access.log"))
    return cfg


class _Response:
    status = "302 Found"
    sent = 0
    headers = [("Location", f"/login/?next=/residents/%3Fq%3D{PHONE}%26page%3D2")]


def _access_line(tmp_path, raw_uri: str, referer: str) -> str:
    cfg = _gunicorn_config(tmp_path)
    log = cfg.logger_class(cfg)
    path, _, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "phone",
    }

    class Request:
        headers = [("REFERER", referer), ("USER-AGENT", "phone")]

    log.access(_Response(), Request(), environ, dt.timedelta(milliseconds=12))
    for handler in log.access_log.handlers:
        handler.flush()
    return (tmp_path / "access.log").read_text()


@pytest.mark.parametrize(
    "uri",
    [
        f"/residents/?q={ID_NUMBER}&area_code=510104017001&page=2",
        f"/api/residents?area_code=510104017001&q={PHONE}&page=2",
        f"/residents/?q=%E5%BC%A0%E4%B8%89{ID_NUMBER[:6]}&id_number={ID_NUMBER}&page=2&area_code=510104017001",
    ],
)
def test_gunicorn_access_log_drops_the_searched_numbers_and_keeps_the_rest(tmp_path, uri):
    line = _access_line(tmp_path, uri, referer=f"https://gz.example.cn/residents/?q={ID_NUMBER}&page=2")
    assert ID_NUMBER not in line and PHONE not in line and "%E5%BC%A0" not in line
    assert uri.split("?")[0] in line  # the path
    assert "area_code=510104017001" in line and "page=2" in line  # the non-personal parameters
    assert "GET" in line and "302" in line


def test_gunicorn_access_log_format_with_the_query_atom_is_redacted_too(tmp_path):
    cfg = _gunicorn_config(tmp_path)
    log = cfg.logger_class(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/x/?q={PHONE}",
        "QUERY_STRING": f"q={PHONE}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "-",
    }
    atoms = log.atoms(_Response(), {}, environ, dt.timedelta(0))
    assert all(PHONE not in str(value) for value in atoms.values())


def test_django_log_lines_with_a_url_drop_the_searched_numbers(settings):
    from logging.config import dictConfig

    dictConfig(settings.LOGGING)
    handler = logging.getLogger().handlers[0]
    assert handler.filters, "the console handler redacts query strings"
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /residents/?q={ID_NUMBER}&page=2&area_code=510104017001 HTTP/1.1", "200", "1234"),
        None,
    )
    assert all(f.filter(record) for f in handler.filters)
    message = record.getMessage()
    assert ID_NUMBER not in message
    assert "/residents/?" in message and "page=2" in message and "area_code=510104017001" in message


def test_runservers_request_lines_are_written_redacted(settings):
    # django.server does not pass its records on to the root handler: its own handler must redact
    import io
    from logging.config import dictConfig

    dictConfig(settings.LOGGING)
    logger = logging.getLogger("django.server")
    stream = io.StringIO()
    for handler in logger.handlers:
        handler.setStream(stream)
    logger.info('"%s" %s %s', f"GET /residents/?q={ID_NUMBER}&page=2 HTTP/1.1", "200", "1234")
    written = stream.getvalue()
    assert "/residents/?" in written and "page=2" in written
    assert ID_NUMBER not in written
