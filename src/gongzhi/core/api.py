"""The JSON API: one NinjaAPI, session or device-token auth, one error shape {"message", "extra"}."""

import json
from typing import Any, TypeVar

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, RawPostDataException
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.utils import check_csrf

from gongzhi.core.errors import ApplicationError
from gongzhi.core.keyset import cursor_of, keyset_page
from gongzhi.core.messages import CORE
from gongzhi.core.services import api_token_user

M = TypeVar("M", bound=Model)


class DeviceToken(HttpBearer):
    """`Authorization: Bearer gz_...` issued with `gongzhi create-token`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(key=token)
        if user is not None:
            request.user = user
        return user


class DeviceTokenHeader(APIKeyHeader):
    param_name = "X-Api-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        user = api_token_user(key=key)
        if user is not None:
            request.user = user
        return user


class LoggedInSession(APIKeyCookie):
    """The browser's session, with Django's CSRF check. Only a logged-in session is checked for CSRF:
    a request with no session and no valid token is unauthenticated (401, "log in or give a token"),
    which tells a device to reissue its token, where ninja's session auth answered 403 "CSRF check
    failed" to every credential-less POST."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest) -> str | None:
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise HttpError(403, _("安全校验失败，请刷新页面后重试"))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


class JSONBody(Parser):
    """Request bodies read with orjson: the standard library's decoder was 7 % of a server's time
    under a load of collectors' 500-event batches (profiled). What orjson refuses and the standard
    library reads (numbers beyond 64 bits, a `\\ud800` escape with no pair) is read by the standard
    library, each lone surrogate made U+FFFD (no UTF-8 text, and so no database, holds one), so a
    wrong field stays that field's error; a body neither reads is ninja's 400."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            return orjson.loads(request.body)
        except orjson.JSONDecodeError:
            return _without_lone_surrogates(json.loads(request.body))


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, list):
        return [_without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


api = NinjaAPI(
    title="gongzhi 共治 API",
    parser=JSONBody(),
    version="1",
    urls_namespace="api",
    auth=[DeviceToken(), DeviceTokenHeader(), LoggedInSession()],
    docs_url="/docs",
)


class ErrorOut(Schema):
    message: str
    extra: dict[str, Any] = {}


class PageParams(Schema):
    page: int = 1
    page_size: int = 50


def paginate(queryset: QuerySet[M], *, page: int, page_size: int) -> tuple[list[M], bool]:
    """One page and whether another follows; no COUNT(*) over a city-sized table."""
    if page < 1 or page > 10_000:
        raise ApplicationError(_("页码必须在1到10000之间"), status=422)
    if page_size < 1 or page_size > 200:
        raise ApplicationError(_("每页条数必须在1到200之间"), status=422)
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    return rows[:page_size], len(rows) > page_size


# Offset pages read every row they skip: numbered pages reach this many rows, cursors go further.
OFFSET_ROWS_MAX = 10_000


def paginate_keyset(
    queryset: QuerySet[M], *, keys: tuple[str, ...], page: int, page_size: int, after: str, before: str
) -> tuple[list[M], bool, str, str]:
    """A page of a long list: by cursor (`after`/`before`, core.keyset) at any depth, or by number
    within the first OFFSET_ROWS_MAX rows. Returns (rows, has_next, next cursor, previous cursor)."""
    if page_size < 1 or page_size > 200:
        raise ApplicationError(_("每页条数必须在1到200之间"), status=422)
    if after or before:
        found = keyset_page(queryset, keys=keys, size=page_size, after=after, before=before)
        return found.rows, bool(found.next_cursor), found.next_cursor, found.previous_cursor
    if page < 1 or (page - 1) * page_size >= OFFSET_ROWS_MAX:
        raise ApplicationError(CORE.text("offset_too_deep", limit=OFFSET_ROWS_MAX), status=422)
    rows, has_next = paginate(queryset.order_by(*keys), page=page, page_size=page_size)
    return rows, has_next, cursor_of(rows[-1], keys) if has_next else "", ""


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    response = api.create_response(request, {"message": exc.message, "extra": exc.extra}, status=exc.status)
    if exc.status in (429, 503):
        response["Retry-After"] = str(exc.extra.get("retry_after", 2))
    return response


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    extra = exc.message_dict if hasattr(exc, "error_dict") else {"errors": exc.messages}
    return api.create_response(request, {"message": _("输入有误"), "extra": extra}, status=422)


# The words for pydantic's error types, in the interface's language (its own `msg` is English).
_INPUT_PROBLEMS = {
    "missing": gettext_lazy("必填"),
    "int_parsing": gettext_lazy("应为整数"),
    "int_type": gettext_lazy("应为整数"),
    "int_from_float": gettext_lazy("应为整数"),
    "float_parsing": gettext_lazy("应为数字"),
    "float_type": gettext_lazy("应为数字"),
    "decimal_parsing": gettext_lazy("应为数字"),
    "decimal_type": gettext_lazy("应为数字"),
    "string_type": gettext_lazy("应为文字"),
    "string_too_long": gettext_lazy("过长：最多{max_length}个字"),
    "string_too_short": gettext_lazy("过短：至少{min_length}个字"),
    "bool_parsing": gettext_lazy("应为 true 或 false"),
    "bool_type": gettext_lazy("应为 true 或 false"),
    "list_type": gettext_lazy("应为列表"),
    "too_long": gettext_lazy("项数过多：最多{max_length}项"),
    "dict_type": gettext_lazy("应为对象"),
    "model_type": gettext_lazy("应为对象"),
    "model_attributes_type": gettext_lazy("应为对象"),
    "greater_than_equal": gettext_lazy("不能小于{ge}"),
    "less_than_equal": gettext_lazy("不能大于{le}"),
    "greater_than": gettext_lazy("应大于{gt}"),
    "less_than": gettext_lazy("应小于{lt}"),
    "date_parsing": gettext_lazy("应为日期，如 2022-09-05"),
    "date_type": gettext_lazy("应为日期，如 2022-09-05"),
    "date_from_datetime_parsing": gettext_lazy("应为日期，如 2022-09-05"),
    "datetime_parsing": gettext_lazy("应为日期时间，如 2022-09-05T10:00:00+08:00"),
    "datetime_type": gettext_lazy("应为日期时间，如 2022-09-05T10:00:00+08:00"),
    "datetime_from_date_parsing": gettext_lazy("应为日期时间，如 2022-09-05T10:00:00+08:00"),
    "literal_error": gettext_lazy("不是可选的值"),
    "enum": gettext_lazy("不是可选的值"),
    "json_invalid": gettext_lazy("不是有效的JSON"),
}


def _input_problem(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic error with its `msg` in the interface's language (`type` and `loc` kept)."""
    words = _INPUT_PROBLEMS.get(str(error.get("type")), gettext_lazy("格式不对"))
    try:
        message = str(words).format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        message = str(words)
    return {**error, "msg": message}


@api.exception_handler(NinjaValidationError)
def _ninja_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [_input_problem(e) if isinstance(e, dict) else e for e in exc.errors]
    return api.create_response(request, {"message": _("输入有误"), "extra": {"errors": errors}}, status=422)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Values no database column can hold, e.g. NUL characters inside a string.
    return api.create_response(request, {"message": _("输入含有无法保存的字符"), "extra": {}}, status=422)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"message": _("未找到"), "extra": {}}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"message": _("请先登录或提供有效的接口令牌"), "extra": {}}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):  # django-ninja's words
        message = _("请求内容无法读取：请以JSON格式发送")
    return api.create_response(request, {"message": message, "extra": {}}, status=exc.status_code)


@api.exception_handler(RawPostDataException)
def _body_already_read(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A form (multipart) sent where JSON is expected: its body was read as a form before the
    # operation asked for it.
    return api.create_response(request, {"message": _("请求内容无法读取：请以JSON格式发送"), "extra": {}}, status=400)
