from gongzhi.core.db import _copy_text


def test_copy_text_leaves_values_that_need_escaping_or_nulls_to_psycopg():
    assert _copy_text([(1, "水井街1号", "")], 3) == "1\t水井街1号\t\n"
    for awkward in ("a\tb", "a\nb", "a\\b", "a\rb", None):
        assert _copy_text([(1, awkward, "")], 3) is None
