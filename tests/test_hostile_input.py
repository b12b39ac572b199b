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
import re

import numpy as np
import pytest

from hbm_core.codegen import CsvSpec, csv_format, pymc_script
from hbm_core.data.csv_input import grouped_from_table, load_csv, read_table
from hbm_core.data.groups import DataError, GroupedData
from hbm_core.exact.preview import preview
from hbm_core.inference.jobs import FitError
from hbm_core.inference.service import fit_all
from hbm_core.inference.settings import FitSettings
from hbm_core.lessons.page_tables import estimates_table
from hbm_core.lessons.your_data import constant_groups, rounded_priors
from hbm_core.markdown_text import escape
from hbm_core.models.inputs import check_inputs
from hbm_core.priors import default_priors, number_text

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


# ----------------------------------------------------------------------------- item 4: far from zero

OFFSETS = (0.0, 1e3, 1e6)
SCALES = (1e-6, 1.0, 1e6)


def _far_data(offset: float, scale: float) -> GroupedData:
    """5 groups x 8 rows: offset + scale * (group mean in -2..2 + N(0, 1)), read as the page reads them."""
    rng = np.random.default_rng(7)
    rows = [f"G{j},{float(offset + scale * (j - 2 + z))!r}" for j in range(5) for z in rng.standard_normal(8)]
    return grouped_from_table(read_table("g,y\n" + "\n".join(rows)), "g", "y")


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("offset", OFFSETS)
def test_your_data_priors_are_centred_and_scaled_on_the_outcome(offset, scale):
    data = _far_data(offset, scale)
    priors = rounded_priors(data.y, data.family)
    sd = float(np.std(data.y))
    assert abs(priors.mu_loc - np.mean(data.y)) < 0.01 * sd
    assert sd <= priors.mu_scale <= 5 * sd
    assert sd <= priors.tau_scale <= 5 * sd and sd <= priors.sigma_scale <= 5 * sd
    # the page's caption shows the centre with the digits it needs
    assert f"Normal({number_text(priors.mu_loc)}," in priors.describe()
    assert float(number_text(priors.mu_loc)) == priors.mu_loc


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("offset", OFFSETS)
def test_exact_preview_and_table_at_any_offset_and_scale(offset, scale):
    data = _far_data(offset, scale)
    quick = preview(data, rounded_priors(data.y, data.family), sigma="shared")
    means = data.group_summary()["mean"].to_numpy()
    est = quick.estimates.set_index(["fit", "group"])["mean"]
    unpooled = est.loc["unpooled"].reindex(data.groups).to_numpy()
    partial = est.loc["hierarchical"].reindex(data.groups).to_numpy()
    np.testing.assert_allclose(unpooled, means, rtol=0, atol=0.05 * scale)
    assert np.all(np.abs(partial - means) < 0.5 * scale)
    # the table keeps the differences between groups (no 0.0 for values around 3e-6)
    table = estimates_table(quick.estimates, data)
    shown = table["sample mean"].to_numpy()
    np.testing.assert_allclose(shown, means, rtol=0, atol=0.01 * scale)
    assert len(set(shown)) == data.n_groups


@pytest.mark.slow
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("offset", OFFSETS)
def test_mcmc_fits_at_any_offset_and_scale(offset, scale):
    """The three fits agree with the exact engine in any units (small draws: tolerance 0.2 sd),
    without divergences and with converged chains. Failed before the engine sampled in model units
    (hbm_core.models.inputs.Units): the chains started at the compiled model's placeholder point."""
    data = _far_data(offset, scale)
    priors = rounded_priors(data.y, data.family)
    quick = preview(data, priors, sigma="shared").estimates.set_index(["fit", "group"])["mean"]
    results = fit_all(data, priors, FitSettings(draws=300, tune=300, chains=2, seed=2), sigma="shared")
    for pooling, result in results.items():
        got = result.estimates.set_index("group")["mean"].reindex(data.groups).to_numpy()
        want = quick.loc[pooling].reindex(data.groups).to_numpy()
        assert np.all(np.abs(got - want) < 0.2 * scale), (pooling, (got - want) / scale)
        assert result.diagnostics.max_rhat < 1.05, (pooling, result.diagnostics.max_rhat)
        assert result.diagnostics.divergences == 0, (pooling, result.diagnostics.divergences)


def test_the_script_uses_the_pages_priors_far_from_zero():
    data = _far_data(1e6, 1.0)
    priors = rounded_priors(data.y, data.family)
    spec = CsvSpec("far.csv", "g", "y")
    script = pymc_script(spec, priors, FitSettings(draws=100, tune=100, chains=1), data=data)
    assert f"mu={float(priors.mu_loc)!r}, sigma={float(priors.mu_scale)!r}" in script
    assert f'pm.HalfNormal("sigma", sigma={float(priors.sigma_scale)!r}' in script


# ----------------------------------------------------------------------------- item 6: Markdown


@pytest.mark.parametrize(
    ("name", "hidden"),
    [
        ("[x](http://evil.example)", "](http://"),
        ("**bold**", "**"),
        ("`code`", "`"),
        (":material/home:", ":material"),
        ("$x^2$", "$x"),
        ("<http://evil.example>", "<http"),
        ("a\n# heading", "\n"),
    ],
)
def test_markdown_in_names_is_escaped(name, hidden):
    shown = escape(f"Column '{name}' has text in row 3: 'x'")
    assert re.search(r"(?<!\\)" + re.escape(hidden), shown) is None, shown  # only escaped, if at all
    assert shown.replace("\\", "") == f"Column '{name}' has text in row 3: 'x'".replace("\n", " ")


def test_constant_groups_are_found():
    d = load_csv("g,y\nA,5\nA,5\nB,1\nB,2\nC,7\n", "g", "y")
    assert constant_groups(d) == ["A"]  # C has one row: no sd to speak of, not constant


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"family": "known_se", "se": np.array([1.0, 0.0, 2.0])}, "positive, finite standard error"),
        ({"family": "known_se", "se": np.array([1.0, np.nan, 2.0])}, "positive, finite standard error"),
        ({"family": "known_se", "se": None}, "positive, finite standard error"),
        ({"family": "binomial", "trials": None}, "number of trials"),
        ({"family": "binomial", "y": np.ones(3), "trials": np.array([5.0, -1, 9])}, "number of trials"),
        ({"family": "binomial", "y": np.array([1.0, 7, 3]), "trials": np.full(3, 6.0)}, "between 0 and"),
    ],
)
def test_data_that_are_a_distributions_parameters_are_checked_before_a_fit(changes, message):
    """The models skip PyMC's run-time parameter checks (check_bounds=False), so standard errors and
    numbers of trials that no distribution accepts get a message from the fit instead."""
    data = GroupedData(
        family="known_se",
        groups=("a", "b", "c"),
        group_idx=np.arange(3),
        y=np.array([1.0, 2.0, 3.0]),
        se=np.ones(3),
        trials=np.full(3, 9.0),
    )
    check_inputs(data, default_priors(data.y))  # valid as it is
    bad = GroupedData(**{**data.__dict__, **changes})
    with pytest.raises(DataError, match=message):
        check_inputs(bad, default_priors(data.y))
    with pytest.raises(FitError, match=message):  # what a page shows: the message, no traceback
        fit_all(bad, default_priors(data.y), FitSettings(draws=50, tune=50, chains=1), ("pooled",))
