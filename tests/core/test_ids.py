from gongzhi.core.ids import new_public_id


def test_ids_sort_by_time_and_are_unique():
    ids = [new_public_id(now_ms=1_700_000_000_000 + i) for i in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 1000
    assert all(len(i) == 26 for i in ids)


def test_same_millisecond_ids_differ():
    assert new_public_id(now_ms=5) != new_public_id(now_ms=5)
