"""A notice as an OASIS Common Alerting Protocol 1.2 alert, for public alerting systems to relay. No
Django here.

`cap_xml(CapAlert(...))` writes one `<alert>` in the CAP 1.2 namespace with one `<info>` (Chinese)
and one `<area>`. The text is put in with xml.etree, which escapes it (`<`, `&`, quotes), and characters
XML 1.0 cannot carry are dropped. A correction is an Update whose `<references>` names the alert it
corrects (`sender,identifier,sent`), with the reason in `<note>`.

Times are written in China Standard Time with their offset and no fractions of a second
(CAP's dateTime pattern, `\\d\\d\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[-,+]\\d\\d:\\d\\d`).
"""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CHINA = dt.timezone(dt.timedelta(hours=8))

# The notice's category -> CAP's <category>.
CATEGORIES = {"health": "Health", "safety": "Safety", "infra": "Infra", "other": "Other"}
# The notice's severity -> CAP's <urgency>, <severity>, <certainty>. An official notice states what
# was decided or found: its certainty is Observed; how soon to act and how much it matters follow
# the level the publisher chose.
LEVELS = {
    "info": ("Expected", "Minor", "Observed"),
    "warning": ("Expected", "Moderate", "Observed"),
    "urgent": ("Immediate", "Severe", "Observed"),
}
# CAP forbids these in an identifier and a sender (they separate the references' triples).
_NOT_IN_KEYS = re.compile(r"[\s,<&]")
# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class CapArea:
    """Where the alert applies: its name in words and its codes, as (valueName, value) pairs."""

    description: str
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CapReference:
    """An earlier alert this one updates."""

    sender: str
    identifier: str
    sent: dt.datetime


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sent: dt.datetime  # aware
    category: str  # a key of CATEGORIES
    level: str  # a key of LEVELS
    event: str
    sender_name: str
    headline: str
    description: str
    web: str
    area: CapArea
    audience: str = ""
    references: CapReference | None = None
    note: str = ""
    language: str = "zh-CN"


def cap_time(value: dt.datetime) -> str:
    """An aware time as CAP writes it: China Standard Time, whole seconds, with the offset."""
    if value.tzinfo is None:
        raise ValueError("CAP times carry their offset: give an aware datetime")
    return value.astimezone(CHINA).replace(microsecond=0).isoformat()


def _key(value: str, what: str) -> str:
    if not value or _NOT_IN_KEYS.search(value):
        raise ValueError(f"a CAP {what} holds no spaces, commas, '<' or '&': {value!r}")
    return value


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _add(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    element.text = _text(text)
    return element


def cap_xml(alert: CapAlert) -> bytes:
    """The alert as a CAP 1.2 XML document (UTF-8, with its declaration)."""
    if alert.category not in CATEGORIES or alert.level not in LEVELS:
        raise ValueError(f"unknown category or level: {alert.category!r}, {alert.level!r}")
    root = ET.Element(f"{{{NAMESPACE}}}alert")
    _add(root, "identifier", _key(alert.identifier, "identifier"))
    _add(root, "sender", _key(alert.sender, "sender"))
    _add(root, "sent", cap_time(alert.sent))
    _add(root, "status", "Actual")
    _add(root, "msgType", "Update" if alert.references else "Alert")
    _add(root, "scope", "Public")
    if alert.note:
        _add(root, "note", alert.note)
    if alert.references:
        ref = alert.references
        triple = ",".join([_key(ref.sender, "sender"), _key(ref.identifier, "identifier"), cap_time(ref.sent)])
        _add(root, "references", triple)
    info = _add(root, "info", "")
    info.text = None
    _add(info, "language", alert.language)
    _add(info, "category", CATEGORIES[alert.category])
    _add(info, "event", alert.event)
    urgency, severity, certainty = LEVELS[alert.level]
    _add(info, "urgency", urgency)
    _add(info, "severity", severity)
    _add(info, "certainty", certainty)
    if alert.audience:
        _add(info, "audience", alert.audience)
    _add(info, "senderName", alert.sender_name)
    _add(info, "headline", alert.headline)
    _add(info, "description", alert.description)
    _add(info, "web", alert.web)
    area = _add(info, "area", "")
    area.text = None
    _add(area, "areaDesc", alert.area.description)
    for name, value in alert.area.geocodes:
        geocode = _add(area, "geocode", "")
        geocode.text = None
        _add(geocode, "valueName", name)
        _add(geocode, "value", value)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=NAMESPACE)
    return body
