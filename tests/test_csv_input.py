"""User CSV loader: good files parse, every kind of bad input gets its own clear message."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from hbm_core.data import csv_input
from hbm_core.data.csv_input import (
    MAX_GROUPS,
    MAX_UPLOAD_BYTES,
    grouped_from_table,
    load_csv,
    read_table,
)
from hbm_core.data.groups import DataError

GOOD = b"class,score,hours\nB,71,2\nA,65,1\nB,80,3\nC,55,0\nA,60,2\nC,58,1\n"


# ----------------------------------------------------------------------------- good input


def test_good_normal_file():
    d = load_csv(GOOD, "class", "score", x_col="hours")
    assert d.family == "normal"
    assert d.groups == ("B", "A", "C")  # order of first appearance
    np.testing.assert_array_equal(d.group_idx, [0, 1, 0, 2, 1, 2])
    np.testing.assert_array_equal(d.y, [71, 65, 80, 55, 60, 58])
    np.testing.assert_array_equal(d.x, [2, 1, 3, 0, 2, 1])
    assert d.y.dtype == np.float64 and d.group_idx.dtype == np.int64
    assert d.trials is None and d.se is None
    assert d.y_label == "score" and d.x_label == "hours" and d.name == "your data"
    np.testing.assert_array_equal(d.meta["row_numbers"], [2, 3, 4, 5, 6, 7])
    d.y[0] = 0.0  # arrays are ordinary writable copies


def test_good_binomial_file_and_single_row_groups_allowed():
    raw = "team,wins,games\nX,3,10\nY,7,10\nZ,5,12\n"
    d = load_csv(raw, "team", "wins", trials_col="games")
    assert d.family == "binomial"
    assert d.groups == ("X", "Y", "Z")
    np.testing.assert_array_equal(d.trials, [10, 10, 12])
    np.testing.assert_array_equal(d.y, [3, 7, 5])


def test_normal_some_single_row_groups_allowed():
    d = load_csv("g,y\nA,1\nA,2\nB,3\n", "g", "y")
    assert d.groups == ("A", "B") and d.n_obs == 3


def test_read_table_index_numbers_and_cleaning():
    raw = b"\xef\xbb\xbf g , y ,note\r\n A ,1.5, hi \r\n\r\n ,,\r\nB , 2 ,\r\n"
    df = read_table(raw)
    assert list(df.columns) == ["g", "y", "note"]
    assert df.index.name == "row" and df.index.tolist() == [2, 5]
    assert df["g"].tolist() == ["A", "B"]
    assert df["y"].tolist() == [1.5, 2.0] and pd.api.types.is_float_dtype(df["y"])
    assert df.loc[2, "note"] == "hi" and pd.isna(df.loc[5, "note"])


def test_group_labels_are_stripped_strings():
    d = load_csv("tank,s,n\n 10 ,1,5\n2,3,5\n10,2,5\n", "tank", "s", trials_col="n")
    assert d.groups == ("10", "2")
    np.testing.assert_array_equal(d.group_idx, [0, 1, 0])


def test_latin1_semicolon_decimal_comma():
    raw = "Stadt;Wert\nZürich;1,5\nGöteborg;2,25\nZürich;3\nGöteborg;4,0\n".encode("latin-1")
    d = load_csv(raw, "Stadt", "Wert")
    assert d.groups == ("Zürich", "Göteborg")
    np.testing.assert_allclose(d.y, [1.5, 2.25, 3.0, 4.0])


def test_tab_delimited_and_utf8_bom():
    raw = "\ufeffgroup\tvalue\nMünchen\t1\nMünchen\t2\nParis\t3\n".encode()
    d = load_csv(raw, "group", "value")
    assert d.groups == ("München", "Paris")
    np.testing.assert_array_equal(d.y, [1, 2, 3])


def test_utf16_excel_unicode_text():
    raw = "g\ty\nA\t1\nA\t2\nB\t3\n".encode("utf-16")
    assert load_csv(raw, "g", "y").groups == ("A", "B")


def test_quoted_cells_and_str_and_file_like_input():
    raw = 'name,y\n"Smith, J.",1\n"Smith, J.",2\n"Doe, A.",3\n'
    assert load_csv(raw, "name", "y").groups == ("Smith, J.", "Doe, A.")
    assert load_csv(io.BytesIO(raw.encode()), "name", "y").n_obs == 3


def test_grouped_from_plain_dataframe_uses_position_plus_two():
    df = pd.DataFrame({"g": ["a", "b", "a"], "y": [1.0, None, 3.0]})
    with pytest.raises(DataError, match=r"Column 'y' has empty cells in row 3\."):
        grouped_from_table(df, "g", "y")


# ----------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("raw", [b"", b"   \n\n", ""])
def test_empty_file(raw):
    with pytest.raises(DataError, match="The file is empty"):
        read_table(raw)


@pytest.mark.parametrize("raw", [b"group,score\n", b"group,score\n\n,\n"])
def test_header_only(raw):
    with pytest.raises(DataError, match="header row but no data rows"):
        read_table(raw)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(40)), "PNG image"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(30), "Excel workbook or a zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(30), "old Excel"),
        (b"g,y\nA,1\x00\x00\x01\x02\n", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
    ],
)
def test_not_a_csv(raw, kind):
    with pytest.raises(DataError, match=f"not a CSV file: it looks like .*{kind}"):
        read_table(raw)


def test_file_too_large():
    with pytest.raises(DataError, match=r"the limit is 5 MB"):
        read_table(b"a" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(DataError, match=r"The file is 20 bytes; the limit is 10 bytes"):
        read_table(b"g,y\nA,1\nB,2\nC,3\nD,4\n", max_bytes=10)


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(csv_input, "MAX_ROWS", 5)
    raw = "g,y\n" + "".join(f"{i % 2},{i}\n" for i in range(7))
    with pytest.raises(DataError, match="The file has 7 data rows; the limit is 5"):
        read_table(raw)
    df = pd.DataFrame({"g": [0, 1] * 4, "y": range(8)})
    with pytest.raises(DataError, match="The table has 8 rows; the limit is 5"):
        grouped_from_table(df, "g", "y")


def test_too_many_groups():
    raw = "g,y\n" + "".join(f"G{j},{k}\n" for j in range(MAX_GROUPS + 1) for k in range(2))
    with pytest.raises(
        DataError, match=f"Column 'g' has {MAX_GROUPS + 1} different groups; the limit is 200"
    ):
        load_csv(raw, "g", "y")


@pytest.mark.parametrize("header", ["a,b,a", "a, b ,b", "a;b;a"])
def test_duplicate_headers(header):
    with pytest.raises(DataError, match="column name '(a|b)' more than once"):
        read_table(header + "\n" + header.replace("a", "1").replace("b", "2") + "\n")


def test_ragged_row():
    with pytest.raises(DataError, match="Row 4 has 3 cells but the header has 2 columns"):
        read_table("g,y\nA,1\nB,2\nC,1,000\n")
    df = read_table("g,y\nA,1,\nB,2,,\n")  # trailing empty cells are fine
    assert list(df.columns) == ["g", "y"]


def test_single_column():
    with pytest.raises(DataError, match="only one column \\('g y'\\)"):
        read_table("g y\nA 1\nB 2\n")


# ----------------------------------------------------------------------------- bad columns


def test_missing_column_lists_available():
    with pytest.raises(
        DataError,
        match=r"There is no column 'scor' for the outcome\. The columns are: 'class', 'score', 'hours'\.",
    ):
        load_csv(GOOD, "class", "scor")
    with pytest.raises(DataError, match=r"no column 'Score'.*Did you mean 'score'\?"):
        load_csv(GOOD, "class", "Score")
    with pytest.raises(DataError, match=r"no column 'n' for the trials"):
        load_csv(GOOD, "class", "score", trials_col="n")


def test_same_column_twice():
    with pytest.raises(DataError, match="'score' is chosen for both the outcome and the predictor"):
        load_csv(GOOD, "class", "score", x_col="score")


def test_text_in_numeric_column():
    raw = "g,score\nA,1\nA,2\nB,abc\nB,3\nA,4\nB,5\nA,6\nB,n/a\n"
    with pytest.raises(
        DataError,
        match=r"^Column 'score' has text in rows 4, 9: 'abc', 'n/a'\. It must contain numbers only\.$",
    ):
        load_csv(raw, "g", "score")


def test_many_offending_rows_are_summarised():
    raw = "g,y\n" + "".join(f"{'AB'[i % 2]},x{i}\n" for i in range(9))
    with pytest.raises(DataError, match=r"rows 2, 3, 4, 5, 6 and 4 more: 'x0', 'x1', 'x2', 'x3', 'x4'\."):
        load_csv(raw, "g", "y")


@pytest.mark.parametrize(
    ("raw", "col", "rows"),
    [
        ("g,y\nA,1\nA,\nB,3\nB,\n", "y", "rows 3, 5"),
        ("g,y\nA,1\n,2\nB,3\n", "g", "row 3"),
        ("g,y\nA,1\n  ,2\nB,3\n", "g", "row 3"),
    ],
)
def test_missing_values(raw, col, rows):
    with pytest.raises(DataError, match=f"Column '{col}' has empty cells in {rows}\\. Fill them in"):
        load_csv(raw, "g", "y")


@pytest.mark.parametrize(
    ("raw", "outcome", "column", "message"),
    [
        ("g,s,n\nA,1,10\nB,2,ten\n", "s", {"trials_col": "n"}, r"Column 'n' has text in row 3: 'ten'"),
        ("g,y,x\nA,1,yes\nB,2,0\nA,3,1\n", "y", {"x_col": "x"}, r"Column 'x' has text in row 2: 'yes'"),
        ("g,s,n\nA,1,10\nB,2,\n", "s", {"trials_col": "n"}, r"Column 'n' has empty cells in row 3"),
        ("g,y,x\nA,1,0\nB,2,1\nA,3,\n", "y", {"x_col": "x"}, r"Column 'x' has empty cells in row 4"),
    ],
)
def test_text_or_missing_values_in_trials_and_predictor(raw, outcome, column, message):
    with pytest.raises(DataError, match=message):
        load_csv(raw, "g", outcome, **column)


def test_row_numbers_count_blank_lines():
    with pytest.raises(DataError, match=r"text in row 6: 'oops'"):
        load_csv("\ng,y\nA,1\n\nB,2\noops,oops\n", "g", "y")


def test_infinite_values():
    with pytest.raises(DataError, match=r"Column 'y' has infinite values in rows 3, 4: 'inf', '-inf'"):
        load_csv("g,y\nA,1\nA,inf\nB,-inf\nB,2\n", "g", "y")


def test_fewer_than_two_groups():
    with pytest.raises(
        DataError, match=r"Column 'g' has only one group \('A'\)\. Partial pooling needs at least two groups"
    ):
        load_csv("g,y\nA,1\nA,2\n A ,3\n", "g", "y")


def test_every_group_single_row_normal():
    with pytest.raises(
        DataError, match="Every group in column 'g' has only one row.*no within-group variation"
    ):
        load_csv("g,y\nA,1\nB,2\nC,3\n", "g", "y")


def test_constant_outcome():
    with pytest.raises(DataError, match=r"Column 'y' has the same value in every row \(4\): nothing to pool"):
        load_csv("g,y\nA,4\nA,4\nB,4.0\n", "g", "y")
    with pytest.raises(DataError, match=r"same proportion 's' / 'n' \(0\): nothing to pool"):
        load_csv("g,s,n\nA,0,10\nB,0,12\n", "g", "s", trials_col="n")


def test_constant_predictor():
    with pytest.raises(
        DataError,
        match=r"Column 'x' has the same value in every row \(1\), so its effect cannot be estimated",
    ):
        load_csv("g,y,x\nA,1,1\nA,2,1\nB,3,1\n", "g", "y", x_col="x")


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        (
            "A,-1,10\nB,2,10\n",
            r"Column 's' has negative numbers in row 2: '-1'\. Counts of successes cannot be negative",
        ),
        ("A,1,-10\nB,2,10\n", r"Column 'n' has negative numbers in row 2: '-10'"),
        (
            "A,1.5,10\nB,2,10\n",
            r"Column 's' has numbers that are not whole in row 2: '1.5'\. Counts of successes must be whole",
        ),
        ("A,1,10\nB,2,10.5\n", r"Column 'n' has numbers that are not whole in row 3: '10.5'"),
        (
            "A,1,10\nB,0,0\nC,0,0\n",
            r"Column 'n' has zero trials in rows 3, 4\. Every row needs at least one trial",
        ),
        (
            "A,11,10\nB,2,10\nC,9,8\n",
            r"Column 's' is larger than column 'n' in rows 2, 4 \(11 > 10, 9 > 8\)\. "
            r"Successes cannot exceed trials",
        ),
    ],
)
def test_binomial_count_problems(body, pattern):
    with pytest.raises(DataError, match=pattern):
        load_csv("g,s,n\n" + body, "g", "s", trials_col="n")


def test_messages_are_single_sentences_for_students():
    with pytest.raises(DataError) as info:
        load_csv("g,y\nA,1\nB,x\n", "g", "y")
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message and "dtype" not in message
