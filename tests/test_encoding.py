import json

import numpy as np
import pytest

from rnnmem_helpers.chapters import encoding as E

# The only marker symbols plotly's scatter3d accepts, minus "x" (drawn as a hollow box in Chromium).
PLOTLY_3D = {"circle", "circle-open", "cross", "diamond", "diamond-open", "square", "square-open"}


def test_every_count_has_its_own_look_and_a_3d_symbol():
    styles = [E.point_style(n) for n in range(E.MANY_UNSTABLE + 1)]
    assert len({(s.mpl_marker, s.filled) for s in styles}) == len(styles)
    assert len({s.plotly_symbol for s in styles}) == len(styles)
    assert len({s.color for s in styles}) == len(styles)
    assert {s.plotly_symbol for s in styles} <= PLOTLY_3D
    # plotly's open symbols are the hollow ones
    assert all(s.filled == (not s.plotly_symbol.endswith("-open")) for s in styles)


def test_many_unstable_share_the_last_style():
    assert E.point_style(E.MANY_UNSTABLE + 5) == E.point_style(E.MANY_UNSTABLE)
    assert E.point_style(np.int64(2)) == E.FIXED_POINT_STYLES[2]


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError)])
def test_point_style_refuses_bad_counts(bad, error):
    with pytest.raises(error, match="n_unstable"):
        E.point_style(bad)


def test_channels_are_numbered_from_one():
    assert [E.channel_label(i) for i in range(3)] == ["1", "2", "3"]
    with pytest.raises(ValueError, match="index"):
        E.channel_label(3)


def test_browser_spec_is_json_and_matches_python():
    spec = json.loads(json.dumps(E.to_browser()))
    assert [p["symbol"] for p in spec["fixed_points"]] == [s.plotly_symbol for s in E.FIXED_POINT_STYLES]
    assert spec["channel_labels"] == list(E.CHANNEL_LABELS)
    assert spec["many_unstable"] == E.MANY_UNSTABLE
    assert set(spec["eigenvalue_colors"]) == {"bulk", "real_outlier", "rotation"}
