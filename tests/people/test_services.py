import datetime as dt

import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.people import id_rules
from gongzhi.people.messages import PEOPLE
from gongzhi.people.models import Resident, ResidentTag
from gongzhi.people.services import ResidentData, resident_create, resident_reveal, resident_update
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _id(born=dt.date(1950, 3, 8), male=False, seq=7):
    return id_rules.make_id_number("510104", born, seq, male)


def test_create_derives_gender_and_birth_date_and_audits(worker_a, community_a):
    household = HouseholdFactory()
    data = ResidentData(
        name=" 王 秀英 ", id_number=_id().lower(), phone="１３８ 1234 5678", tags=["elderly_alone", "insulin"]
    )
    resident = resident_create(actor=worker_a, household=household, data=data)
    assert resident.name == "王 秀英"
    assert resident.gender == "F"
    assert resident.birth_date == dt.date(1950, 3, 8)
    assert resident.phone == "13812345678"
    assert resident.community_code == community_a.code
    assert set(resident.tags.values_list("tag", flat=True)) == {"elderly_alone", "insulin"}
    event = AuditEvent.objects.get(action="create")
    assert event.row_ids == [resident.public_id] and event.area_code == community_a.code


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "姓名不能为空"),
        ("id_number", "5.10104E+17", PEOPLE.text(id_rules.ID_SCIENTIFIC)),
        ("id_number", "510104195003080140", PEOPLE.text(id_rules.ID_CHECK)),
        ("phone", "23812345678", PEOPLE.text(id_rules.PHONE)),
        ("tags", ["vip"], "未知的重点人群标签：vip"),
    ],
)
def test_invalid_data_writes_nothing(worker_a, field, value, message):
    household = HouseholdFactory()
    data = ResidentData(name="李四", id_number=_id(), phone="13812345678")
    setattr(data, field, value)
    with pytest.raises(ApplicationError) as exc:
        resident_create(actor=worker_a, household=household, data=data)
    assert exc.value.extra["fields"][field] == message
    assert Resident.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_id_number_is_refused(worker_a):
    existing = ResidentFactory()
    with pytest.raises(ApplicationError, match="该身份证号已登记"):
        resident_create(
            actor=worker_a, household=HouseholdFactory(), data=ResidentData(name="重复", id_number=existing.id_number)
        )
    assert Resident.objects.count() == 1


def test_update_changes_fields_and_tags(worker_a):
    resident = ResidentFactory()
    ResidentTag.objects.create(resident=resident, community_code=resident.community_code, tag="chronic")
    data = ResidentData(name="新名字", id_number=resident.id_number, phone="", tags=["dialysis"])
    resident_update(actor=worker_a, resident=resident, data=data)
    resident.refresh_from_db()
    assert resident.name == "新名字" and resident.phone == ""
    assert list(resident.tags.values_list("tag", flat=True)) == ["dialysis"]
    assert AuditEvent.objects.filter(action="update", row_ids=[resident.public_id]).exists()


def test_update_cannot_take_another_residents_id_number(worker_a):
    first, second = ResidentFactory(), ResidentFactory()
    with pytest.raises(ApplicationError, match="该身份证号已登记"):
        resident_update(actor=worker_a, resident=second, data=ResidentData(name=second.name, id_number=first.id_number))


def test_reveal_is_audited(worker_a):
    resident = ResidentFactory()
    resident_reveal(actor=worker_a, resident=resident, ip_address="127.0.0.1")
    event = AuditEvent.objects.get(action="view_full")
    assert event.actor == worker_a and event.row_ids == [resident.public_id]
