"""Issue #21: hostile and awkward input to the CSV loader, the priors of Your data and the scripts.

Each test here failed on the code before the fix it belongs to (group codes merged, counts beyond
int64, a 1e308 outcome failing with a message about priors, an unclosed quote read as one group,
priors centred on 0 for data far from zero, estimates rounded to 0.0).
"""

from __future__ import annotations

import numpy as np
import pytest

from hbm_core.data.csv_input import grouped_from_table, load_csv, read_table
from hbm_core.data.groups import DataError

# ----------------------------------------------------------------------------- item 5: group codes


@pytest.mark.parametrize(
    "codes",
    [("0101", "101"), ("1e2", "100"), ("1.0", "1", "01"), ("0", "-0"), ("7", "7.00")],
)
def test_distinct_group_codes_stay_distinct(codes):
    rows = [f"{code},{i + j}" for i, code in enumerate(codes) for j in range(3)]
    d = load_csv("g,y\n" + "\n".join(rows) + "\n", "g", "y")
    assert d.groups == codes
    np.testing.assert_array_equal(d.group_idx, np.repeat(np.arange(len(codes)), 3))


def test_group_codes_as_written_survive_a_slice_of_the_table():
    table = read_table("g,y\n0101,1\n101,2\n0101,3\n101,5\n9,1\n")
    d = grouped_from_table(table.iloc[:4], "g", "y")
    assert d.groups == ("0101", "101")


# ----------------------------------------------------------------------------- item 6: the loader


def test_an_outcome_too_large_to_fit_names_the_column_and_row():
    with pytest.raises(DataError, match=r"Column 'y' .*row 3") as err:
        load_csv("g,y\nA,1\nA,1e308\nB,2\nB,3\n", "g", "y")
    assert "prior" not in str(err.value)


def test_counts_beyond_a_sane_bound_are_refused():
    with pytest.raises(DataError, match=r"Column 'n' has counts too large in row 2"):
        load_csv("g,s,n\nA,1,1e20\nB,2,5\n", "g", "s", trials_col="n")


def test_an_unclosed_quote_is_named_with_its_line():
    with pytest.raises(DataError, match=r"Row 3 opens a quote .* never closed"):
        read_table('g,y\nA,1\n"B,2\nC,3\nD,4\n')
