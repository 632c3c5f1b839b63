from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _


class RejectNulCharactersMiddleware:
    """Refuse a form, query or JSON body carrying NUL characters: no database text column can hold
    them (PostgreSQL raises), and no person types them. JSON writes NUL as \\u0000."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            message = _("输入含有无法保存的字符")
            if request.path.startswith("/api/"):
                return JsonResponse({"message": message, "extra": {}}, status=400)
            return HttpResponseBadRequest(message.encode())
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path:
            return True
        if request.content_type == "application/json":
            if b"\\u0000" in request.body:
                return True
            sources = [request.GET]
        else:
            sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        return any(
            "\x00" in key or any("\x00" in v for v in values) for data in sources for key, values in data.lists()
        )


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose English with the switch (a cookie). Unlike Django's
    LocaleMiddleware it ignores the browser's Accept-Language: a worker's phone set to English
    still gets the Chinese the rest of the office uses, until they switch."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()  # the thread serves the next request in its own language
        response.headers.setdefault("Content-Language", language)
        return response
