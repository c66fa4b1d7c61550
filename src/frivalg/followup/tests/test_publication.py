import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from frivalg.followup.publication import SMALL_COUNT, suppress


def test_small_counts_are_hidden_and_zero_and_large_are_not():
    table = pa.table({"district_id": [1, 2, 3, 4], "clients": [0, 3, 5, 40], "share": [None, 0.5, 0.2, 0.3]})
    out, hidden = suppress(table, ["clients"], ["clients", "share"])
    assert hidden == 1
    assert out.to_pylist() == [
        {"district_id": 1, "clients": 0, "share": None},
        {"district_id": 2, "clients": None, "share": None},
        {"district_id": 3, "clients": 5, "share": 0.2},
        {"district_id": 4, "clients": 40, "share": 0.3},
    ]


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=30))
def test_no_published_count_is_between_one_and_the_threshold(counts):
    table = pa.table({"n": pa.array(counts, pa.int64())})
    out, hidden = suppress(table, ["n"], ["n"])
    published = [n for n in out.column("n").to_pylist() if n is not None]
    assert all(n == 0 or n >= SMALL_COUNT for n in published)
    assert hidden == sum(1 for n in counts if 0 < n < SMALL_COUNT)
    assert out.num_rows == len(counts)
