"""Issue #21: hostile and awkward input to the CSV loader, the priors of Your data and the scripts.

Each test here failed on the code before the fix it belongs to (group codes merged, counts beyond
int64, a 1e308 outcome failing with a message about priors, an unclosed quote read as one group,
priors centred on 0 for data far from zero, estimates rounded to 0.0).
"""

from __future__ import annotations

import ast
import csv
import io
import os
import random

import numpy as np
import pytest

from hbm_core.codegen import CsvSpec, csv_format, pymc_script
from hbm_core.data.csv_input import grouped_from_table, load_csv, read_table
from hbm_core.data.groups import DataError
from hbm_core.inference.settings import FitSettings
from hbm_core.priors import default_priors

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


# ----------------------------------------------------------------------------- item 1: the scripts

PIECES = (
    '"', "'", '"""', "'''", "\\", "C:\\x", "\\N{", "\n", "\t", " ", "#", ",", ";", "{", "}", "%s",
    "[link](http://evil.example)", "**bold**", "`code`", "<b>x</b>", "<script>", "😀", "ü", "$x$",
    ":material/home:", "import os", "os.system('echo PWNED')", ")", "(", "\\u0041", "0101", "nan", "NA",
)  # fmt: skip


def _random_name(rng: random.Random) -> str:
    """A nonblank name of 1 to 5 hostile pieces and letters."""
    while True:
        name = "".join(rng.choice(PIECES + ("a", "Z", "7")) for _ in range(rng.randint(1, 5)))
        if name.strip():
            return name


def _skeleton(script: str) -> str:
    """The script's syntax tree with every constant emptied: what a user's string could change."""
    tree = ast.parse(script)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            node.value = None
    return ast.dump(tree)


def _script(raw: str, names: tuple[str, str, str], file_name: str) -> tuple[str, object]:
    table = read_table(raw)
    data = grouped_from_table(table, names[0], names[1], trials_col=names[2], name=file_name)
    spec = CsvSpec(file_name, names[0], names[1], trials_col=names[2], **csv_format(raw))
    priors = default_priors(data.y, data.family)
    return pymc_script(
        spec, priors, FitSettings(draws=100, tune=100, chains=1), data=data, script_name=file_name
    ), data


def _csv(names, labels, counts: list[tuple[int, int]]) -> str:
    """A CSV file: two rows per group of (successes, trials) from ``counts``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for i, label in enumerate(labels):
        for made, trials in counts[2 * i : 2 * i + 2]:
            writer.writerow([label, made, trials])
    return out.getvalue()


@pytest.mark.parametrize("seed", range(40))
def test_random_hostile_names_never_change_the_script(seed, tmp_path):
    """Random column, group and file names through the loader and the script generator: the script
    compiles, has exactly the template's syntax tree (only constants differ from a plain script's)
    and reads the file back into the app's groups."""
    rng = random.Random(seed)
    names = tuple(_random_name(rng).strip() for _ in range(3))
    if len(set(names)) < 3:
        names = (names[0] + "1", names[1] + "2", names[2] + "3")
    labels = list(dict.fromkeys(_random_name(rng).strip() for _ in range(4)))
    labels = labels if len(labels) >= 2 else [*labels, "other"]
    file_name = _random_name(rng) + ".csv"
    counts = [
        (made, made + rng.randint(1, 15)) for made in (rng.randint(0, 10) for _ in range(2 * len(labels)))
    ]
    raw = _csv(names, labels, counts)
    hostile, data = _script(raw, names, file_name)
    assert data.groups == tuple(labels)
    plain_raw = _csv(("g", "y", "n"), [f"G{i}" for i in range(len(labels))], counts)
    plain, _ = _script(plain_raw, ("g", "y", "n"), "plain.csv")
    compile(hostile, "generated.py", "exec")
    assert _skeleton(hostile) == _skeleton(plain)
    # the data section, run on the file, sees the app's groups and numbers
    code = hostile[: hostile.index("\ndef ")]
    if "/" in file_name:
        return  # not a file name (an upload's name never has one)
    (tmp_path / file_name).write_text(raw, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        scope: dict = {}
        exec(compile(code, "generated.py", "exec"), scope)  # noqa: S102 - the script under test
    finally:
        os.chdir(cwd)
    assert scope["GROUPS"] == list(data.groups)
    np.testing.assert_array_equal(scope["group_idx"], data.group_idx)
    np.testing.assert_array_equal(scope["y"], data.y)
    np.testing.assert_array_equal(scope["trials"], data.trials)
