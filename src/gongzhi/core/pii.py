"""Personal information: who sees it in full and where, how it is shown otherwise, and how it may
be searched. Every app shows ID numbers, phones and birth dates through here.

- In full only with `pii.full` (community and grid workers, street staff: they call and visit
  people), decided for each row against that row's own place (`pii_visible`), and only on request
  or where the work needs it (a recall list), every time audited by the service that shows it.
- Otherwise masked (core.masking): the region and last 4 of an ID number, the first 3 and last 4 of
  a phone, an age group instead of the birth date.
- Search by number: the last 4 digits for everyone; a full ID number or phone only for viewers
  holding `pii.full`, matched only among the rows whose numbers they may see, and audited
  (core.services.full_number_search_record). Other digit strings search names and addresses.
"""

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from gongzhi.core import access, masking, roles
from gongzhi.core.errors import ApplicationError
from gongzhi.core.masking import NumberQuery, number_query
from gongzhi.core.messages import CORE
from gongzhi.core.scope import AreaPaths, scope_q


def prefix_q(field: str, text: str) -> Q:
    """Values beginning with `text`, as a range a plain btree index answers (in order, so a list
    sorted by the field reads only its page): values are compared by code point, as SQLite's BINARY
    collation and PostgreSQL's C and C.UTF-8 collations do (docs/deploy.md: the database's
    collation), where every value that begins with `text` lies below `text` + U+10FFFF. A LIKE prefix
    would need the pattern operator class on PostgreSQL, which cannot sort, and SQLite refuses its
    index whenever Django adds an ESCAPE clause."""
    return Q(**{f"{field}__gte": text, f"{field}__lt": text + "\U0010ffff"})


def pii_visible(user: Any, row: models.Model) -> bool:
    """True when the user may see this row's personal information in full (on request)."""
    return access.may(user, roles.SEE_FULL_PII, row)


def pii_scope_q(user: Any, model: type[models.Model]) -> Q:
    """The rows of a model whose personal information the user may see in full."""
    paths: AreaPaths = getattr(model, "area_paths", AreaPaths())
    return scope_q(user, capability=roles.SEE_FULL_PII, paths=paths)


@dataclass(frozen=True)
class PersonalData:
    """A person's numbers as one viewer sees them."""

    id_number: str
    phone: str
    birth_date: dt.date | None  # None unless shown in full
    age_group: str  # words, e.g. 60岁以下
    full: bool


def personal_data(
    *, id_number: str, phone: str, birth_date: dt.date | None, full: bool, today: dt.date | None = None
) -> PersonalData:
    """The numbers in full (`full`), or masked with an age group instead of the birth date."""
    group = masking.age_group(birth_date, today or timezone.localdate())
    words = CORE.text(group) if group else ""
    if full:
        return PersonalData(id_number, phone, birth_date, words, True)
    return PersonalData(masking.mask_id_number(id_number), masking.mask_phone(phone), None, words, False)


def number_search_q(
    user: Any,
    model: type[models.Model],
    text: str,
    *,
    id_field: str | None = "id_number",
    phone_field: str | None = "phone",
    text_fields: tuple[str, ...] = ("name",),
    narrow: bool = True,
    prefix_fields: tuple[str, ...] = ("name",),
) -> tuple[Q, NumberQuery]:
    """The condition for a search box's text over a model's rows, and what was asked.

    Text matches anywhere in `text_fields` when the list is `narrow` (one community or less: a few
    thousand rows to read), and the beginning of `prefix_fields` otherwise (a district's or the
    city's millions: an index answers it, a substring would read them all). The last 4 digits are
    matched on the model's `<field>_tail` columns where it has them (indexed), else by suffix.

    Raises ApplicationError (403) when a viewer without `pii.full` anywhere types a full number.
    A full-number search matches only rows whose numbers the user may see in full; the caller audits
    it (`query.is_full`)."""
    query = number_query(text)
    if query.kind == masking.NONE:
        return Q(), query
    if query.kind == masking.TEXT:
        condition = Q(pk__in=[])
        if narrow:
            for name in text_fields:
                condition |= Q(**{f"{name}__contains": query.value})
        else:
            for name in prefix_fields:
                condition |= prefix_q(name, query.value)
            query = replace(query, anywhere=False)
        return condition, query
    if query.kind == masking.TAIL:
        condition = Q(pk__in=[])
        names = {f.name for f in model._meta.get_fields()}
        for field in (id_field, phone_field):
            if field and f"{field}_tail" in names:
                condition |= Q(**{f"{field}_tail": query.value})
            elif field:
                condition |= Q(**{f"{field}__endswith": query.value})
        return condition, query
    if not access.holds(user, roles.SEE_FULL_PII):
        raise ApplicationError(CORE.text("full_number_forbidden"), status=403)
    field = id_field if query.kind == masking.FULL_ID else phone_field
    if field is None:
        return Q(pk__in=[]), query
    return Q(**{field: query.value}) & pii_scope_q(user, model), query
