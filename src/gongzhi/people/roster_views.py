# Replaced by the roster import/export views.
from django.http import Http404


def resident_export(request):
    raise Http404


def roster_template(request):
    raise Http404


def roster_import(request):
    raise Http404


def roster_import_detail(request, public_id):
    raise Http404
