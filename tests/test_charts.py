"""Charts: valid Vega-Lite, render to PNG, palette colours, labelled axes, clear errors."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from hbm_core import viz
from hbm_core.viz import density, palette
from hbm_core.viz.palette import DIVERGENT_COLOR, FIT_COLORS, FIT_LABELS, FITS, TRUE_COLOR
from hbm_core.viz.theme import OBS_LABEL, SAMPLE_MEAN_LABEL, TRUE_LABEL

Y = "outcome (units)"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------ sample data


def make_estimates(
    groups=("A", "B", "C", "D"),
    n=(20, 40, 60, 2),
    raw=(3.0, 5.6, 7.2, 9.5),
    true=(4.0, 5.4, 6.9, 6.0),
    pooled=5.5,
    sigma=4.0,
    tau=1.0,
) -> pd.DataFrame:
    """The engine's long estimates table for a normal model with known shrinkage."""
    n, raw = np.asarray(n, float), np.asarray(raw, float)
    se2 = sigma**2 / n
    factor = se2 / (se2 + tau**2)
    hier = raw + factor * (pooled - raw)
    rows = []
    for j, g in enumerate(groups):
        for fit, mean, sd, pool in (
            ("pooled", pooled, 0.3, np.nan),
            ("unpooled", raw[j], np.sqrt(se2[j]), np.nan),
            ("hierarchical", hier[j], np.sqrt(1 / (1 / se2[j] + 1 / tau**2)), factor[j]),
        ):
            rows.append(
                {
                    "group": g,
                    "fit": fit,
                    "mean": mean,
                    "sd": sd,
                    "hdi_low": mean - 1.88 * sd,
                    "hdi_high": mean + 1.88 * sd,
                    "n": int(n[j]),
                    "raw_mean": raw[j],
                    "true_mean": np.nan if true is None else true[j],
                    "pooling": pool,
                }
            )
    return pd.DataFrame(rows)


def make_many(J: int) -> pd.DataFrame:
    rng = np.random.default_rng(J)
    n = rng.integers(1, 40, J)
    return make_estimates(
        groups=[f"county {j}" for j in range(J)], n=n, raw=rng.normal(5, 2, J), true=None, pooled=5.0
    )


@pytest.fixture(scope="module")
def est() -> pd.DataFrame:
    return make_estimates()


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"group": np.repeat(["A", "B", "C"], [5, 8, 3]), "y": rng.normal(5, 2, 16)})


@pytest.fixture(scope="module")
def curves() -> pd.DataFrame:
    taus = np.linspace(0, 20, 21)
    y, se = np.array([28.0, 8.0, -3.0]), np.array([15.0, 10.0, 16.0])
    rows = []
    for t in taus:
        w = 1 / (se**2 + t**2)
        mu = np.sum(w * y) / np.sum(w)
        b = se**2 / (se**2 + t**2)
        for g, yj, bj, sj in zip("ABC", y, b, se, strict=False):
            rows.append(
                {
                    "tau": t,
                    "group": g,
                    "mean": yj + bj * (mu - yj),
                    "sd": np.sqrt(1 / (1 / sj**2 + 1 / t**2)) if t > 0 else 0.0,
                    "pooling": bj,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def chain_draws() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    return pd.DataFrame(
        {
            "chain": np.tile(np.repeat([0, 1], 50), 2),
            "draw": np.tile(np.arange(50), 4),
            "value": rng.normal(0, 1, 200),
            "parameter": np.repeat(["mu", "tau"], 100),
        }
    )


@pytest.fixture(scope="module")
def funnel_draws() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    log_tau = rng.normal(1, 1, 200)
    return pd.DataFrame(
        {
            "log_tau": log_tau,
            "theta": 4 + np.exp(log_tau) * rng.normal(0, 1, 200),
            "diverging": log_tau < 0,
            "form": np.repeat(["centered", "non-centered"], 100),
        }
    )


@pytest.fixture(scope="module")
def fit_draws() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame({"value": rng.normal(0, 1, 300), "fit": np.repeat(FITS, 100)})


# ----------------------------------------------------------------------------- helpers


def walk(node):
    """Every dict inside a chart's dict, depth first."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def color_map(spec: dict) -> dict[str, str]:
    """label -> colour from every colour scale with an explicit domain and range."""
    out = {}
    for d in walk(spec):
        scale = d.get("scale") if isinstance(d.get("scale"), dict) else {}
        explicit = "domain" in scale and "range" in scale and d.get("field") in ("key", "chain")
        if explicit and all(isinstance(r, str) and r.startswith("#") for r in scale["range"]):
            out.update(zip(scale["domain"], scale["range"], strict=False))
    return out


def titles(spec: dict) -> list[str]:
    """Every title on an encoding channel or axis."""
    found = []
    for d in walk(spec):
        for t in (
            d.get("title"),
            (d.get("axis") or {}).get("title") if isinstance(d.get("axis"), dict) else None,
        ):
            if isinstance(t, str):
                found.append(t)
    return found


def render(chart) -> bytes:
    return vlc.vegalite_to_png(chart.to_json(), scale=0.5)


# ------------------------------------------------------------ every chart: the basics


def build_all(est, obs, curves, chain_draws, funnel_draws, fit_draws):
    """(name, chart, the label the chart was given) for every public chart function."""
    w = 400
    grid = pd.DataFrame({"x": np.linspace(0, 10, 50), "density": np.exp(-np.linspace(0, 10, 50))})
    truth = est[est["fit"] == "unpooled"][["group", "true_mean"]]
    return [
        ("data_strip", viz.data_strip(obs, Y, truth, width=w), Y),
        ("complete_pooling_strip", viz.complete_pooling_strip(obs, est, Y, truth, width=w), Y),
        ("shrinkage arrows", viz.shrinkage(est, Y, width=w), Y),
        ("shrinkage by_n", viz.shrinkage(est, Y, style="by_n", width=w), Y),
        ("forest", viz.forest(est, Y, width=w), Y),
        (
            "posterior_density",
            viz.posterior_density(fit_draws, "effect (points)", width=w),
            "effect (points)",
        ),
        ("grid_density", viz.grid_density(grid, "τ (points)", 2.0, width=w), "τ (points)"),
        ("tau_curves", viz.tau_curves(curves, "mean", 5.0, Y, width=w), Y),
        ("funnel", viz.funnel(funnel_draws, "θ_A (points)", width=200), "θ_A (points)"),
        ("rank_plot", viz.rank_plot(chain_draws, width=100), "rank"),
        ("trace_plot", viz.trace_plot(chain_draws, width=300), "draw (iteration)"),
        ("pooling_bars", viz.pooling_bars(est, width=w), "pooling factor"),
    ]


@pytest.fixture(scope="module")
def built(est, obs, curves, chain_draws, funnel_draws, fit_draws):
    return build_all(est, obs, curves, chain_draws, funnel_draws, fit_draws)


def test_every_chart_validates_renders_and_labels_its_axes(built):
    for name, chart, label in built:
        spec = chart.to_dict()  # altair validates against the Vega-Lite schema here
        assert any(label in t for t in titles(spec)), (name, titles(spec))
        assert render(chart).startswith(PNG_MAGIC), name


def test_fit_colours_are_the_palette_on_every_chart(built):
    checked = 0
    for name, chart, _ in built:
        colours = color_map(chart.to_dict())
        for fit in FITS:
            if FIT_LABELS[fit] in colours:
                assert colours[FIT_LABELS[fit]] == FIT_COLORS[fit], (name, fit)
                checked += 1
        if TRUE_LABEL in colours:
            assert colours[TRUE_LABEL] == TRUE_COLOR, name
    assert checked >= 12  # shrinkage x2, forest and density show all three fits


def test_the_three_fits_are_distinct_colours():
    assert len(set(FIT_COLORS.values())) == 3
    assert set(FIT_COLORS) == set(FITS) == set(FIT_LABELS)
    assert TRUE_COLOR not in FIT_COLORS.values()


def test_charts_need_a_width_only_when_asked(est):
    assert viz.shrinkage(est, Y).to_dict()["width"] == "container"
    assert viz.forest(est, Y, width=500).to_dict()["width"] == 500


# ------------------------------------------------------------------- missing columns


@pytest.mark.parametrize(
    ("func", "frame", "column", "args"),
    [
        (viz.data_strip, "obs", "y", (Y,)),
        (viz.shrinkage, "est", "mean", (Y,)),
        (viz.shrinkage, "est", "fit", (Y,)),
        (viz.forest, "est", "hdi_low", (Y,)),
        (viz.pooling_bars, "est", "pooling", ()),
        (viz.tau_curves, "curves", "tau", ("mean", None, Y)),
        (viz.tau_curves, "curves", "sd", ("sd", None, Y)),
        (viz.posterior_density, "fit_draws", "value", ("x",)),
        (viz.funnel, "funnel_draws", "diverging", ("θ",)),
        (viz.rank_plot, "chain_draws", "chain", ()),
        (viz.trace_plot, "chain_draws", "draw", ()),
    ],
)
def test_missing_column_is_a_clear_value_error(request, func, frame, column, args):
    df = request.getfixturevalue(frame).drop(columns=[column])
    with pytest.raises(ValueError, match=rf"{func.__name__}\(\) needs column\(s\) \['{column}'\]"):
        func(df, *args)


def test_other_bad_input_is_a_clear_value_error(est, curves):
    with pytest.raises(ValueError, match="density"):
        viz.grid_density(pd.DataFrame({"x": [0.0, 1.0]}), "x")
    with pytest.raises(ValueError, match="style"):
        viz.shrinkage(est, Y, style="spiral")
    with pytest.raises(ValueError, match="hierarchical"):
        viz.shrinkage(est[est["fit"] != "hierarchical"], Y)
    with pytest.raises(ValueError, match="hierarchical"):
        viz.pooling_bars(est[est["fit"] == "pooled"])
    with pytest.raises(ValueError, match="value"):
        viz.tau_curves(curves, "median", None, Y)
    with pytest.raises(ValueError, match="empty"):
        viz.forest(est.iloc[:0], Y)
    with pytest.raises(ValueError, match="data_strip"):
        viz.data_strip(
            pd.DataFrame({"group": ["A"], "y": [1.0]}), Y, true_means=pd.DataFrame({"group": ["A"]})
        )


# ------------------------------------------------------------------ chart specifics


def rows_of(spec: dict, node: dict) -> list[dict] | None:
    """The data rows of ``node`` in ``spec``: inline values, or a named dataset of the spec."""
    data = node.get("data")
    if not isinstance(data, dict):
        return None
    if "values" in data:
        return data["values"]
    return spec.get("datasets", {}).get(data.get("name"))


def layer_values(spec: dict) -> list[list[dict]]:
    """The data rows of every view of ``spec`` that has data, in the order of the spec."""
    rows = (rows_of(spec, d) for d in walk(spec))
    return [r for r in rows if r is not None]


def axis_labels_top_down(chart) -> list[str]:
    """The group labels ("A  (n=20)") on the rendered chart's y axis, from top to bottom."""
    svg = vlc.vegalite_to_svg(chart.to_dict())
    found = re.findall(r'<text[^>]*translate\([-\d.]+,([-\d.]+)\)"[^>]*>([^<]*\(n=\d+\))</text>', svg)
    return [label for _, label in sorted(found, key=lambda hit: float(hit[0]))]


def test_shrinkage_keeps_group_order_and_shows_n(est):
    assert axis_labels_top_down(viz.shrinkage(est, Y, width=400)) == [
        "A  (n=20)",
        "B  (n=40)",
        "C  (n=60)",
        "D  (n=2)",
    ]
    spec = viz.shrinkage(est, Y).to_dict()
    rows = next(v for v in layer_values(spec) if v and "shift" in v[0])
    by_group = {r["group"]: r for r in rows}
    # the tiny group moves most; arrowheads point the way each group moves
    assert abs(by_group["D"]["shift"]) == max(abs(r["shift"]) for r in rows)
    assert by_group["A"]["angle"] == 0 and by_group["D"]["angle"] == 180
    tips = {d.get("title") for d in walk(spec) if "format" in d or d.get("field") == "group"}
    assert {"n", FIT_LABELS["unpooled"], FIT_LABELS["hierarchical"]} <= tips
    assert any(
        d.get("field") == "n" and d.get("type") == "quantitative" and "scale" in d for d in walk(spec)
    )  # point size by n


def test_groups_keep_their_order_not_the_alphabet(obs):
    est = make_estimates(groups=("Z", "A", "M", "B"))
    expected = ["Z  (n=20)", "A  (n=40)", "M  (n=60)", "B  (n=2)"]
    for chart in (
        viz.shrinkage(est, Y, width=400),
        viz.forest(est, Y, width=400),
        viz.pooling_bars(est, width=400),
    ):
        assert axis_labels_top_down(chart) == expected
    renamed = obs.assign(group=obs["group"].map({"A": "Z", "B": "A", "C": "M"}))
    truth = pd.DataFrame({"group": ["M", "Z", "A"], "true_mean": [1.0, 2.0, 3.0]})  # another order
    assert axis_labels_top_down(viz.data_strip(renamed, Y, truth, width=400)) == [
        "Z  (n=5)",
        "A  (n=8)",
        "M  (n=3)",
    ]


def test_many_groups_drop_names_but_keep_tooltips_and_grow(est):
    small = viz.forest(make_many(12), Y).to_dict()
    big = viz.forest(make_many(85), Y).to_dict()
    assert big["height"] > small["height"]
    axes = [d["axis"] for d in walk(big) if d.get("field") == "label" and "axis" in d]
    assert axes and axes[0]["labels"] is False and "85" in axes[0]["title"]
    assert any(d.get("field") == "group" for d in walk(big) if "title" in d)  # tooltip
    for style in ("arrows", "by_n"):
        assert render(viz.shrinkage(make_many(85), Y, style=style, width=500))[:8] == PNG_MAGIC


def test_group_names_that_look_like_numbers_stay_labels():
    est = make_estimates(groups=("10", "2", "1"), n=(5, 6, 7), raw=(1.0, 2.0, 3.0), true=(1.0, 2.0, 3.0))
    labels = axis_labels_top_down(viz.forest(est, Y, width=400))
    assert [s.split()[0] for s in labels] == ["10", "2", "1"]  # in the data's order, not 1, 2, 10


def test_unknown_truth_is_not_drawn(est):
    no_truth = est.assign(true_mean=np.nan)
    for chart in (viz.shrinkage(no_truth, Y), viz.forest(no_truth, Y)):
        assert TRUE_LABEL not in color_map(chart.to_dict())
    assert TRUE_LABEL in color_map(viz.shrinkage(est, Y).to_dict())


def test_funnel_highlights_divergences_per_form(funnel_draws):
    spec = viz.funnel(funnel_draws, "θ").to_dict()
    scales = [d["scale"] for d in walk(spec) if d.get("field") == "key" and "scale" in d]
    assert dict(zip(scales[0]["domain"], scales[0]["range"], strict=False))["divergent transition"] == (
        DIVERGENT_COLOR
    )
    values = layer_values(spec)[0]
    panels = {r["panel"] for r in values}
    n_div = int((funnel_draws["diverging"] & (funnel_draws["form"] == "centered")).sum())
    assert f"centered: {n_div} divergent of 100" in panels
    assert values[-1]["diverging"] is True  # divergent draws come last, drawn on top


def test_rank_plot_ranks_all_chains_together(chain_draws):
    spec = viz.rank_plot(chain_draws, bins=10).to_dict()
    counts = pd.DataFrame([r for v in layer_values(spec) for r in v])
    assert counts.groupby("parameter")["count"].sum().to_dict() == {"mu": 100, "tau": 100}
    assert counts["bin"].between(0, 9).all()
    # all chains ranked together: each bin holds 10 draws across the two chains
    assert (counts.groupby(["parameter", "bin"])["count"].sum() == 10).all()


def test_grid_density_takes_the_exact_tau_frame():
    frame = pd.DataFrame({"tau": np.linspace(0, 5, 20), "density": np.linspace(1, 0, 20)})
    spec = viz.grid_density(frame, "τ", marker=1.5, marker_label="τ").to_dict()
    assert "τ = 1.5" in json.dumps(spec, ensure_ascii=False)


def test_posterior_density_by_parameter_and_positive_support():
    rng = np.random.default_rng(5)
    draws = pd.DataFrame(
        {"value": np.abs(rng.normal(0, 1, 400)), "parameter": np.repeat(["tau", "sigma"], 200)}
    )
    spec = viz.posterior_density(draws, "sd (units)", width=300).to_dict()
    rows = pd.DataFrame(layer_values(spec)[0])
    assert set(rows["key"]) == {"tau", "sigma"} and rows["value"].min() == 0.0
    assert not set(color_map(spec).values()) & set(FIT_COLORS.values())


def test_tau_curves_label_each_group_and_mark_tau_now(curves):
    spec = viz.tau_curves(curves, "pooling", tau_now=4.0).to_dict()
    text = json.dumps(spec, ensure_ascii=False)
    assert "τ = 4" in text and "pooling factor" in text
    labels = [v for v in layer_values(spec) if v and "ylab" in v[0]]
    assert sorted(r["group"] for r in labels[0]) == ["A", "B", "C"]


def test_classroom_theme_is_larger():
    normal, big = viz.theme(False)["config"], viz.theme(True)["config"]
    assert big["axis"]["labelFontSize"] >= 1.4 * normal["axis"]["labelFontSize"]
    assert big["legend"]["labelFontSize"] > normal["legend"]["labelFontSize"]
    assert normal["axis"]["labelFontSize"] >= 12  # readable on screen too


def test_classroom_marks_are_thicker(est):
    def widths(spec):
        return [d["strokeWidth"] for d in walk(spec) if d.get("type") == "rule" and "strokeWidth" in d]

    assert max(widths(viz.forest(est, Y, classroom=True).to_dict())) > max(
        widths(viz.forest(est, Y).to_dict())
    )


def test_complete_pooling_strip_draws_one_line_over_the_data(est, obs):
    spec = viz.complete_pooling_strip(obs, est, Y).to_dict()
    pooled = est[est["fit"] == "pooled"].iloc[0]
    layers = spec["layer"]
    marks = [lyr["mark"]["type"] for lyr in layers]
    assert marks[0] == "rect" and marks[-1] == "rule"  # the interval under the dots, the line on top
    band, line = layers[0], layers[-1]
    assert band["encoding"]["x"]["field"] == "hdi_low" and band["encoding"]["x2"]["field"] == "hdi_high"
    assert "y" not in band["encoding"] and "y" not in line["encoding"]  # across every group
    assert line["encoding"]["x"]["field"] == "mean" and line["mark"]["strokeDash"]
    assert rows_of(spec, line) == [
        {"mean": pytest.approx(pooled["mean"]), "hdi_low": pytest.approx(pooled["hdi_low"]),
         "hdi_high": pytest.approx(pooled["hdi_high"])}
    ]  # fmt: skip
    assert {t["title"] for t in line["encoding"]["tooltip"]} == {
        "Complete pooling estimate",
        "94% HDI low",
        "94% HDI high",
    }
    colours = color_map(spec)
    assert colours[FIT_LABELS["pooled"]] == FIT_COLORS["pooled"]
    assert {OBS_LABEL, SAMPLE_MEAN_LABEL} <= set(colours)
    assert Y in titles(spec) and "group" in titles(spec)
    # the groups keep their rows and n, as in the data strip
    chart = viz.complete_pooling_strip(obs, est, Y, width=400)
    assert axis_labels_top_down(chart) == ["A  (n=5)", "B  (n=8)", "C  (n=3)"]


def test_complete_pooling_strip_needs_the_pooled_fit(est, obs):
    with pytest.raises(ValueError, match="fit == 'pooled'"):
        viz.complete_pooling_strip(obs, est[est["fit"] != "pooled"], Y)
    with pytest.raises(ValueError, match="hdi_high"):
        viz.complete_pooling_strip(obs, est.drop(columns="hdi_high"), Y)


def contrast_ratio(colour: str, background: str = "#FFFFFF") -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours: 1 (none) to 21 (black on white)."""

    def luminance(hex_colour: str) -> float:
        rgb = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(colour), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_projector_colours_are_dark_enough_and_keep_their_hue():
    import colorsys

    def hls(colour: str) -> tuple[float, float, float]:
        return colorsys.rgb_to_hls(*[int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])

    assert contrast_ratio("#000000") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio(FIT_COLORS["hierarchical"]) < 4.5  # the variants are needed
    for colour in (*FIT_COLORS.values(), TRUE_COLOR, palette.DATA_COLOR):
        dark = palette.for_projector(colour)
        assert contrast_ratio(dark) >= 4.5, (colour, dark)
        if dark != colour:  # same hue (a grey stays grey), only darker
            (h0, l0, s0), (h1, l1, s1) = hls(colour), hls(dark)
            assert l1 < l0 and abs(h1 - h0) * 360 < 5 and (s0 == 0) == (s1 == 0), (colour, dark)


def test_classroom_charts_use_the_projector_colours(est, obs):
    truth = est[est["fit"] == "unpooled"][["group", "true_mean"]]
    for chart in (
        viz.shrinkage(est, Y, classroom=True),
        viz.forest(est, Y, classroom=True),
        viz.data_strip(obs, Y, truth, classroom=True),
        viz.complete_pooling_strip(obs, est, Y, truth, classroom=True),
    ):
        colours = color_map(chart.to_dict())
        assert colours, chart
        for label, colour in colours.items():
            assert contrast_ratio(colour) >= 4.5, (label, colour)
    big = color_map(viz.shrinkage(est, Y, classroom=True).to_dict())
    assert big[FIT_LABELS["hierarchical"]] == palette.for_projector(FIT_COLORS["hierarchical"])
    assert big[TRUE_LABEL] == palette.for_projector(TRUE_COLOR)


def test_core_charts_do_not_import_streamlit():
    for path in sorted(Path(viz.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in imported if m.split(".")[0] == "streamlit"], path.name


def _kde_by_sum(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The textbook estimate: one Gaussian kernel per draw (mirrored at 0 for positive draws)."""
    v = values[np.isfinite(values)]
    iqr = np.subtract(*np.percentile(v, [75, 25]))
    spread = min(v.std(ddof=1), iqr / 1.34) if iqr > 0 else v.std(ddof=1)
    bw = 0.9 * spread * v.size**-0.2
    points = np.concatenate([v, -v]) if v.min() >= 0 else v
    kernels = np.exp(-0.5 * ((grid[:, None] - points[None, :]) / bw) ** 2)
    return kernels.sum(axis=1) / (v.size * bw * np.sqrt(2 * np.pi))


@pytest.mark.parametrize(
    "draws",
    [
        np.random.default_rng(0).normal(5, 1, 4000),
        np.abs(np.random.default_rng(1).normal(0, 2, 4000)),  # tau: reflected at 0
        np.random.default_rng(2).lognormal(0, 1.5, 4000),  # a long right tail
        np.random.default_rng(3).standard_cauchy(4000),  # far outliers
        np.r_[np.random.default_rng(4).normal(-5, 0.3, 2000), np.random.default_rng(5).normal(5, 0.3, 2000)],
        np.array([1.0, 2.0, np.nan, np.inf]),
    ],
    ids=["normal", "half-normal", "lognormal", "cauchy", "two modes", "two draws and non-finite"],
)
def test_binned_density_is_the_sum_of_kernels(draws):
    grid, dens = density.kde_curve(draws)
    exact = _kde_by_sum(draws, grid)
    assert np.max(np.abs(dens - exact)) < 2e-3 * exact.max()
    if draws.min() >= 0:
        assert grid[0] == 0.0
