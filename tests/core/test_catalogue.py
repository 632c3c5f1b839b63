"""The English catalogue is complete: every text of the interface, every message table of the rule
modules, translated, with the same placeholders."""

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from gongzhi.appeals.messages import APPEALS
from gongzhi.core.messages import CORE
from gongzhi.people.messages import PEOPLE
from gongzhi.testing.messages import TESTING
from gongzhi.volunteers.messages import VOLUNTEERS

CATALOGUE = Path(__file__).resolve().parents[2] / "src" / "gongzhi" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries():
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        fields, key = {}, None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid") and not any(line.startswith("#~") for line in lines):
            yield fields, [line for line in lines if line.startswith("#,")]


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{[a-z_]*(?::[^}]*)?\}|%\([a-z_]+\)[sd]|%[sd]", text))


def test_every_text_is_translated_and_none_is_fuzzy():
    entries = list(_entries())
    assert len(entries) > 500
    untranslated = [f["msgid"] for f, _ in entries if not all(v for k, v in f.items() if k.startswith("msgstr"))]
    fuzzy = [f["msgid"] for f, flags in entries if any("fuzzy" in flag for flag in flags)]
    assert untranslated == [] and fuzzy == []


def test_translations_keep_the_placeholders():
    wrong = [
        (f["msgid"], f["msgstr"])
        for f, _ in _entries()
        if "msgstr" in f and _placeholders(f["msgid"]) != _placeholders(f["msgstr"])
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "table", [CORE, PEOPLE, TESTING, VOLUNTEERS, APPEALS], ids=["core", "people", "testing", "volunteers", "appeals"]
)
def test_every_message_of_the_rule_modules_is_in_english(table):
    with translation.override("en"):
        for code, text in table.texts.items():
            source, english = str(text), str(text)
            with translation.override("zh-hans"):
                source = str(text)
            if source:
                assert english != source, (code, source)
                assert re.search(r"[A-Za-z]", english), (code, english)


def test_every_code_a_rule_module_returns_has_words():
    from gongzhi.appeals import hotline_file, sla, triage
    from gongzhi.core import tabular
    from gongzhi.people import id_rules, register_rules
    from gongzhi.supplies import allocation, baseline, route_plan
    from gongzhi.supplies.messages import SUPPLIES
    from gongzhi.testing import collection
    from gongzhi.volunteers import rostering

    assert set(tabular.CODES) <= set(CORE.texts)
    assert set(id_rules.CODES) | set(register_rules.CODES) <= set(PEOPLE.texts)
    assert set(collection.CODES) <= set(TESTING.texts)
    assert set(rostering.CODES) <= set(VOLUNTEERS.texts)
    assert set(allocation.CODES) | set(baseline.CODES) | set(route_plan.CODES) <= set(SUPPLIES.texts)
    assert set(triage.CODES) | set(sla.CODES) | set(hotline_file.CODES) <= set(APPEALS.texts)
    from gongzhi.zones import rules as zone_rules
    from gongzhi.zones.messages import ZONES

    assert set(zone_rules.CODES) <= set(ZONES.texts)
