import math

import numpy as np
import pytest

from rnnmem_helpers.analyses.stats import wilson_ci
from rnnmem_helpers.analyses.table import (
    check_columns,
    collect,
    format_table,
    group_proportion,
    groups,
    n_rows,
    select,
    show_table,
)


def _table():
    """Six rows: two groups of delay, three seeds each, with a NaN in the numeric column."""
    return {
        "delay": np.array([0, 0, 0, 8, 8, 8]),
        "seed": np.array([0, 1, 2, 0, 1, 2]),
        "ok": np.array([True, True, False, True, False, False]),
        "x": np.array([1.0, 3.0, np.nan, 10.0, 20.0, 40.0]),
        "name": np.array(["a", "b", "c", "d", "e", "f"]),
    }


def _spread(n=25, seed=0):
    """Two groups of distinct continuous values, so that different resamples give different intervals."""
    values = np.random.default_rng(seed).normal(size=2 * n)
    return {"g": np.repeat([1, 2], n), "v": values}


def test_n_rows_and_check_columns():
    assert n_rows(_table()) == 6
    with pytest.raises(TypeError, match="non-empty dict"):
        n_rows({})
    with pytest.raises(ValueError, match="1-D arrays of one length"):
        n_rows({"a": np.arange(2), "b": np.arange(3)})
    with pytest.raises(ValueError, match="1-D arrays of one length"):
        n_rows({"a": np.zeros((2, 2))})
    check_columns(_table(), ["x", "ok"])
    with pytest.raises(ValueError, match=r"column \['zzz'\] not in the table"):
        check_columns(_table(), ["x", "zzz"])


def test_select():
    t = _table()
    assert select(t, delay=8)["seed"].tolist() == [0, 1, 2]
    assert select(t, delay=[0, 8], seed=1)["delay"].tolist() == [0, 8]
    assert select(t, t["x"] > 2, seed=0)["delay"].tolist() == [8]
    assert select(t, delay=3)["delay"].shape == (0,)
    kept = select(t)
    kept["x"][0] = -1.0
    assert t["x"][0] == 1.0  # a copy
    with pytest.raises(ValueError, match="colour"):
        select(t, colour=1)
    with pytest.raises(ValueError, match="mask"):
        select(t, [True, False])


def test_groups_are_sorted_with_their_rows():
    t = {"a": np.array([2, 1, 2, 1]), "b": np.array(["y", "x", "x", "x"])}
    got = [(by, combo, mask.tolist()) for by, combo, mask in groups(t, ("a", "b"))]
    assert got == [
        (("a", "b"), (1, "x"), [False, True, False, True]),
        (("a", "b"), (2, "x"), [False, False, True, False]),
        (("a", "b"), (2, "y"), [True, False, False, False]),
    ]
    with pytest.raises(ValueError, match="at least one column"):
        list(groups(t, ()))


def test_collect_keeps_the_dtype_of_empty_columns():
    rows = [{"k": "a", "n": 1}, {"k": "b", "n": 2}]
    assert collect(rows, ["n", "k"])["k"].tolist() == ["a", "b"]
    empty = collect([], ["k", "n"], like={"k": np.array(["a"])})
    assert empty["k"].dtype.kind == "U" and empty["n"].shape == (0,)


def test_group_proportion_against_wilson():
    p = group_proportion(_table(), "ok", by="delay")
    assert p["delay"].tolist() == [0, 8] and p["k"].tolist() == [2, 1] and p["n"].tolist() == [3, 3]
    assert (p["frac_lo"][1], p["frac_hi"][1]) == wilson_ci(1, 3)
    with pytest.raises(TypeError, match="boolean"):
        group_proportion(_table(), "seed", by="delay")


def test_format_table():
    table = {
        "name": np.array(["a", "bb"]),
        "k": np.array([3, 12]),
        "x": np.array([0.12345, np.nan]),
        "ok": np.array([True, False]),
    }
    text = format_table(table, formats={"x": ".2f"})
    lines = text.splitlines()
    assert lines[0].split() == ["name", "k", "x", "ok"]
    assert lines[1].split() == ["a", "3", "0.12", "True"]
    assert lines[2].split() == ["bb", "12", "—", "False"]
    assert len({len(line) for line in lines}) == 1  # aligned
    assert format_table(table, ["k"], missing="nan").splitlines()[1].strip() == "3"
    assert format_table({"v": np.array([math.pi])}).splitlines()[1].strip() == "3.142"
    with pytest.raises(ValueError, match="zzz"):
        format_table(table, ["zzz"])
    with pytest.raises(ValueError, match="formats key"):
        format_table(table, formats={"zzz": "d"})
    with pytest.raises(ValueError, match="1-D arrays of one length"):
        format_table({"a": np.arange(2), "b": np.arange(3)})


def test_show_table_is_the_text_table_in_plain_output_and_an_escaped_html_table():
    table = {"name": np.array(["a<b", "c"]), "x": np.array([1.234, math.nan])}
    view = show_table(table, formats={"x": ".1f"}, missing="n/a")
    assert repr(view) == format_table(table, formats={"x": ".1f"}, missing="n/a")
    page = view._repr_html_()
    assert page.count("<tr>") == 3 and page.count("<th>") == 2
    assert "<td>a&lt;b</td><td>1.2</td>" in page and "<td>c</td><td>n/a</td>" in page
    empty = show_table(select(table, name="zzz"))
    assert empty._repr_html_().count("<tr>") == 1
    with pytest.raises(ValueError, match="zzz"):
        show_table(table, ["zzz"])


def test_summaries_of_an_empty_table_are_empty():
    t = select(_table(), delay=99)
    assert group_proportion(t, "ok", by=("name", "delay"))["name"].dtype.kind == "U"
    assert format_table(group_proportion(t, "ok", by="delay"), ["delay", "n"]).split() == ["delay", "n"]


def test_group_median_interval_per_group_with_real_coverage():
    from rnnmem_helpers.analyses.table import group_median_interval

    runs = {"delay": np.array([0, 0, 0, 8, 8, 8, 8, 8, 16]),
            "x": np.array([1.0, 2.0, 3.0, 5.0, np.nan, 4.0, 6.0, 7.0, np.nan])}
    out = group_median_interval(runs, "x", by="delay")
    assert out["delay"].tolist() == [0, 8, 16] and out["n"].tolist() == [3, 4, 0]
    assert out["median"][:2].tolist() == [2.0, 5.5] and np.isnan(out["median"][2])
    assert (out["lo"][0], out["hi"][0], out["coverage"][0]) == (1.0, 3.0, 0.75)  # n = 3: [min, max] covers 75 %
    assert out["coverage"][1] == 0.875
