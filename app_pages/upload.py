"""Your data: upload a CSV file (or paste a table), choose its columns, and fit complete, no and
partial pooling to it, with the Explore page's views, downloads and the code behind them.

Everything the user enters stays in ``st.session_state`` under ``upload_*`` keys: a bad file or a
bad choice of columns shows one message naming the row or column at fault and keeps the rest.
Tests may preset the sampler keys (``upload_draws``, ``upload_tune``, ``upload_chains``) before
the first run.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import streamlit as st

from hbm_core import codegen
from hbm_core.data.csv_input import MAX_ROWS, MAX_UPLOAD_BYTES, grouped_from_table, read_table
from hbm_core.data.groups import DataError, GroupedData
from hbm_core.exact.preview import preview
from hbm_core.inference.settings import FitSettings
from hbm_core.priors import default_priors
from hbm_core.viz import charts
from hbm_core.viz.palette import FIT_LABELS
from ui import common, fitting, views

common.start_page()

# ---------------------------------------------------------------------------------------------
# Examples and defaults

EXAMPLE_SCORES = """class,score,hours
7A,69,1
7A,63,5
7A,77,5
7A,71,4
7A,64,2
7A,63,0
7A,83,5
7A,76,1
7A,55,1
7A,60,1
7A,76,0
7A,79,4
7B,73,4
7B,75,4
7B,75,4
7B,74,2
7B,81,3
7B,66,0
7B,70,3
7B,76,2
7B,71,0
7C,68,2
7C,68,5
7C,55,2
8A,62,2
8A,58,1
8A,73,4
8A,84,5
8A,69,3
8A,79,4
8A,80,5
8A,71,1
8A,61,1
8A,83,2
8B,86,5
8B,70,2
8B,83,1
8B,77,3
8B,87,5
8B,82,5
8C,78,2
8C,79,3
"""
EXAMPLE_THROWS = """player,made,attempts
Ana,41,52
Ben,7,12
Cleo,60,81
Dev,2,2
Eli,23,35
Fay,15,18
Gus,30,47
Hana,4,9
"""
PASTED_NAME = "pasted_table.csv"
NO_X = "(none)"  # the predictor box's "no predictor"
LIMIT_MB = MAX_UPLOAD_BYTES / 1_000_000

KINDS = {
    "measurement": "A measurement (one number per row)",
    "counts": "Successes out of trials (counts)",
}
SIGMA_MODES = {"shared": "one shared by all groups", "group": "one per group"}
DRAWS = (250, 500, 1000, 2000)
TUNE = (250, 500, 1000, 2000)
DEFAULTS = {
    "upload_text": "",
    "upload_kind": "measurement",
    "upload_sigma": "shared",
    "upload_seed": 1,
    "upload_draws": 1000,
    "upload_tune": 500,
    "upload_chains": 4,
}
COLUMN_KEYS = ("upload_group", "upload_y", "upload_trials", "upload_x")
GROUP_NAMES = (
    "group", "class", "school", "team", "county", "tank", "site", "player", "clinic", "hospital",
    "ward", "unit", "subject", "cluster", "region", "state", "country", "village", "store", "id",
)  # fmt: skip
TRIALS_NAMES = ("trials", "attempts", "tries", "total", "shots", "games", "n", "at_bats", "atbats")

# Keep every setting, including those of widgets not drawn this run (a broken table hides the
# column choices, "measurement" hides the trials column).
for key, value in DEFAULTS.items():
    st.session_state.setdefault(key, value)
for key in (*DEFAULTS, *COLUMN_KEYS, "upload_sig"):
    if key in st.session_state and key != "upload_text":
        st.session_state[key] = st.session_state[key]


def _paste(text: str, kind: str, columns: tuple[str | None, ...]) -> None:
    """Button callback: put an example in the text area and choose its columns."""
    st.session_state["upload_text"] = text
    st.session_state["upload_kind"] = kind
    for key, column in zip(COLUMN_KEYS, columns, strict=True):
        st.session_state[key] = NO_X if key == "upload_x" and column is None else column
    st.session_state["upload_sig"] = tuple(text.splitlines()[0].split(","))


# ---------------------------------------------------------------------------------------------
# Sidebar: model and sampler

with st.sidebar:
    st.header("Model")
    st.radio(
        "Observation sd σ",
        list(SIGMA_MODES),
        format_func=SIGMA_MODES.get,
        key="upload_sigma",
        disabled=st.session_state["upload_kind"] == "counts",
        help="For measurements. One shared sd is the robust choice when the groups' spreads are alike "
        "or some groups are tiny; one sd per group fits groups with clearly different spreads. "
        "Counts need no σ: their spread follows from the success probability.",
    )
    st.header("Sampler")
    st.number_input(
        "Seed",
        0,
        1_000_000,
        step=1,
        key="upload_seed",
        help="Random seed of the sampler: same seed, same numbers.",
    )
    with st.expander("Draws and chains"):
        st.select_slider("Draws per chain", DRAWS, key="upload_draws")
        st.select_slider("Tuning steps per chain", TUNE, key="upload_tune")
        st.slider("Chains", 1, 4, key="upload_chains")

# ---------------------------------------------------------------------------------------------
# Step 1: the table

st.title("Your data")
st.markdown(
    "Fit complete, no and partial pooling to a table of your own. The table needs **one row per "
    "observation**: a **group** column (class, school, player, …), an **outcome** column with a number "
    "per row, and — if the outcome counts successes — a **trials** column saying out of how many. "
    "A numeric **predictor** column is optional. The first row holds the column names; commas, "
    "semicolons or tabs separate the cells."
)

upload_col, paste_col = st.columns(2, gap="large")
with upload_col:
    uploaded = st.file_uploader(
        f"Upload a CSV file (up to {LIMIT_MB:g} MB)",
        type=["csv"],
        key="upload_file",
        max_upload_size=int(np.ceil(LIMIT_MB)),
        help="A plain-text .csv file. From Excel or Google Sheets: File › Save as / Download › CSV.",
    )
    st.caption(
        f"Up to {LIMIT_MB:g} MB and {MAX_ROWS:,} rows. A file over the limit is refused and shows in red "
        "(hover over it for the reason): remove it and upload a smaller one. Counts can be summed to "
        "one row per group."
    )
with paste_col:
    st.text_area(
        "…or paste a small table",
        key="upload_text",
        height=190,
        max_chars=200_000,
        placeholder="class,score\n7A,69\n7A,63\n7B,73\n7B,75\n…",
        help="Copy cells from a spreadsheet (tab separated) or type comma-separated rows, header first. "
        "Press Ctrl+Enter (⌘+Enter) to apply.",
    )

examples = st.container(horizontal=True, vertical_alignment="center")
examples.markdown("**No data at hand?**", width="content")
examples.download_button(
    "Try this example: test scores (CSV)",
    data=EXAMPLE_SCORES,
    file_name="example_test_scores.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    key="upload_example_download",
    help="42 pupils in 6 classes (7A to 8C): test score and hours of study. Download it and upload it "
    "above, or paste it straight into the box.",
)
examples.button(
    "Paste example: test scores",
    on_click=_paste,
    args=(EXAMPLE_SCORES, "measurement", ("class", "score", None, NO_X)),
    icon=":material/content_paste:",
    key="upload_paste_scores",
)
examples.button(
    "Paste example: free throws",
    on_click=_paste,
    args=(EXAMPLE_THROWS, "counts", ("player", "made", "attempts", NO_X)),
    icon=":material/content_paste:",
    key="upload_paste_throws",
    help="8 basketball players: free throws made out of attempted (successes out of trials).",
)

text = st.session_state.get("upload_text") or ""
if uploaded is not None:
    raw: bytes | str = uploaded.getvalue()
    source_name = uploaded.name
    if text.strip():
        st.caption(
            f"Using the uploaded file **{uploaded.name}**; remove it (✕) to use the pasted table instead."
        )
elif text.strip():
    raw, source_name = text, PASTED_NAME
else:
    st.info(
        "Upload a CSV file or paste a table to begin, or try one of the examples.", icon=":material/info:"
    )
    st.stop()

try:
    table = read_table(raw)
except DataError as err:
    st.error(f"**{source_name}:** {err}", icon=":material/error:")
    st.stop()

with st.expander(f"The table: {len(table):,} rows, {table.shape[1]} columns"):
    st.dataframe(table.head(500), width="stretch", height=min(38 + 35 * min(len(table), 500), 300))
    if len(table) > 500:
        st.caption("The first 500 rows; the fits use all of them.")

# ---------------------------------------------------------------------------------------------
# Step 2: the columns


def _numeric_share(column: pd.Series) -> float:
    """Share of the filled cells that are numbers."""
    filled = column.dropna()
    if filled.empty:
        return 0.0
    return float(pd.to_numeric(filled.astype(str), errors="coerce").notna().mean())


def _guess_columns(frame: pd.DataFrame) -> dict[str, str | None]:
    """Likely roles of the columns, from their names and contents."""
    columns = list(frame.columns)
    lower = {c: str(c).strip().lower() for c in columns}
    numeric = {c: _numeric_share(frame[c]) >= 0.5 for c in columns}
    group = next((c for c in columns if lower[c] in GROUP_NAMES), None)
    group = group or next((c for c in columns if not numeric[c]), columns[0])
    rest = [c for c in columns if c != group]
    trials = next((c for c in rest if lower[c] in TRIALS_NAMES), None)
    outcome = next((c for c in rest if numeric[c] and c != trials), None) or next(
        (c for c in rest if c != trials), rest[0]
    )
    return {
        "upload_group": group,
        "upload_y": outcome,
        "upload_trials": trials,
        "upload_x": NO_X,
        "upload_kind": "counts" if trials is not None and trials != outcome else "measurement",
    }


columns = list(table.columns)
signature = tuple(columns)
if st.session_state.get("upload_sig") != signature:  # a new table: guess its columns afresh
    st.session_state.update(_guess_columns(table))
    st.session_state["upload_sig"] = signature
guess = _guess_columns(table)
for key in ("upload_group", "upload_y"):
    if st.session_state.get(key) not in columns:
        st.session_state[key] = guess[key]
if st.session_state.get("upload_trials") not in (None, *columns):
    st.session_state["upload_trials"] = guess["upload_trials"]
if st.session_state.get("upload_x") not in (NO_X, *columns):
    st.session_state["upload_x"] = NO_X
if st.session_state.get("upload_kind") == "counts" and st.session_state.get("upload_trials") is None:
    st.session_state["upload_trials"] = next((c for c in columns if c != st.session_state["upload_y"]), None)

st.subheader("Which column is which?")
st.radio("The outcome is", list(KINDS), format_func=KINDS.get, key="upload_kind", horizontal=True)
counts = st.session_state["upload_kind"] == "counts"
role_cols = st.columns(4 if counts else 3)
role_cols[0].selectbox("Groups", columns, key="upload_group", help="Which group each row belongs to.")
role_cols[1].selectbox(
    "Successes" if counts else "Outcome",
    columns,
    key="upload_y",
    help="The number of successes in each row." if counts else "The measurement, one number per row.",
)
if counts:
    role_cols[2].selectbox("Out of (trials)", columns, key="upload_trials", help="Trials in each row.")
role_cols[-1].selectbox(
    "Predictor (optional)",
    [NO_X, *columns],
    key="upload_x",
    help="A numeric column with one common slope for all groups (like floor in the radon example). "
    "Group estimates then are intercepts: the outcome where the predictor is 0.",
)

group_col = st.session_state["upload_group"]
y_col = st.session_state["upload_y"]
trials_col = st.session_state["upload_trials"] if counts else None
x_col = None if st.session_state["upload_x"] == NO_X else st.session_state["upload_x"]
sigma = "shared" if counts else st.session_state["upload_sigma"]

try:
    data: GroupedData = grouped_from_table(table, group_col, y_col, trials_col, x_col, name=source_name)
except DataError as err:
    st.error(str(err), icon=":material/error:")
    st.stop()

summary = data.group_summary()
sizes = np.bincount(data.group_idx)  # rows per group
low, high = int(sizes.min()), int(sizes.max())
per_group = f"{low} row{'s' if low > 1 else ''}" if low == high else f"{low} to {high} rows"
st.caption(
    f"{data.n_groups} groups, {data.n_obs:,} rows ({per_group} per group)"
    + (f"; {int(data.trials.sum()):,} trials in all" if counts else "")
    + "."
)

# ---------------------------------------------------------------------------------------------
# Priors, settings, preview


def _round(value: float) -> float:
    """3 significant digits: priors that read well on screen and in the code."""
    return float(f"{value:.3g}")


defaults = default_priors(data.y, data.family)
priors = defaults.with_(
    **{
        name: _round(getattr(defaults, name))
        for name in ("mu_scale", "tau_scale", "sigma_scale", "beta_scale")
    }
)
fit_settings = FitSettings(
    draws=int(st.session_state["upload_draws"]),
    tune=int(st.session_state["upload_tune"]),
    chains=int(st.session_state["upload_chains"]),
    seed=int(st.session_state["upload_seed"]),
)
outcome_label = f"proportion {y_col} / {trials_col}" if counts else y_col
y_label = f"{outcome_label} at {x_col} = 0" if x_col else outcome_label
if counts:
    scale_label = "logit scale"
    st.caption(
        f"Priors on the log-odds scale: mu ~ Normal({priors.mu_loc:g}, {priors.mu_scale:g}), "
        f"tau ~ HalfNormal({priors.tau_scale:g})"
        + (f", beta ~ Normal(0, {priors.beta_scale:g})" if x_col else "")
        + ". Weakly informative: a priori, a typical group's success rate lies between 5% and 95%."
    )
else:
    scale_label = f"{y_col} units"
    st.caption(
        f"Priors scaled to your outcome: {priors.describe()}"
        + (f", beta ~ Normal(0, {priors.beta_scale:g})" if x_col else "")
        + f" (σ: {SIGMA_MODES[sigma]})."
    )

try:
    quick = preview(data, priors, sigma=sigma)
except Exception:  # the preview is a courtesy: the MCMC fits below are the real results
    quick = None

if not counts and sigma == "group":
    tiny = [g for g, n in zip(data.groups, summary["n"], strict=False) if n < 3]
    if tiny:
        st.info(
            f"{len(tiny)} group{'s' if len(tiny) > 1 else ''} ({', '.join(tiny[:5])}"
            f"{', …' if len(tiny) > 5 else ''}) {'have' if len(tiny) > 1 else 'has'} fewer than 3 rows: "
            "its own standard deviation is barely identified. One shared σ (sidebar) is the safer model.",
            icon=":material/info:",
        )

# ---------------------------------------------------------------------------------------------
# Results: the data, then the exact preview replaced by the MCMC fits

st.subheader("1 · The data")
drawn: dict = {}
if counts:
    st.dataframe(
        pd.DataFrame(
            {
                "group": list(data.groups),
                "rows": sizes,
                "successes": summary["successes"].to_numpy(),
                "trials": summary["n"].to_numpy(),
                "observed proportion": summary["mean"].to_numpy(),
            }
        ),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * data.n_groups, 400),
        column_config={
            "observed proportion": st.column_config.ProgressColumn(
                format="%.3f", min_value=0.0, max_value=1.0
            )
        },
    )
    st.caption(
        "Each group's successes and trials, summed over its rows. Below, **n** is a group's number of "
        "trials: a group with few trials has a proportion that can land far from its true rate."
    )
else:
    drawn["data"] = charts.data_strip(data.to_frame(), outcome_label)
    common.chart(
        drawn["data"],
        "Each dot is one row of your table; the black tick is the group's sample mean. Small groups have "
        "means that can land far from where a larger sample would put them.",
    )

st.subheader("2 · Shrinkage")
shrink_slot = st.empty()
st.subheader("3 · All three fits side by side")
forest_slot = st.empty()
st.subheader("4 · The population: μ, τ and how much each group is pooled")
population_slot = st.empty()
st.subheader("5 · Did the sampler work?")
status_slot = st.empty()
diagnostics_slot = st.empty()


def _estimates_table(estimates: pd.DataFrame) -> pd.DataFrame:
    wide = estimates.pivot(index="group", columns="fit", values="mean").reindex(list(data.groups))
    raw_label = "observed proportion" if counts else "sample mean"
    out = pd.DataFrame(
        {"group": wide.index, "n": summary["n"].to_numpy(), raw_label: summary["mean"].round(3).to_numpy()}
    )
    for fit in ("pooled", "unpooled", "hierarchical"):
        if fit in wide.columns:
            out[FIT_LABELS[fit]] = wide[fit].round(3).to_numpy()
    return out


def draw_estimates(estimates: pd.DataFrame, note: str) -> None:
    with shrink_slot.container():
        drawn["shrinkage"] = views.shrinkage_view(estimates, y_label, note)
        with st.expander("Estimates as a table"):
            st.dataframe(_estimates_table(estimates), hide_index=True, width="stretch")
    with forest_slot.container():
        drawn["forest"] = views.forest_view(estimates, y_label)


def draw_population(outcome) -> None:
    hier = outcome.results.get("hierarchical") if outcome is not None else None
    with population_slot.container():
        drawn.update(views.population_view(hier, quick, scale_label))


if quick is not None:
    draw_estimates(quick.estimates, "Showing the exact preview while the sampler runs.")
    draw_population(None)
else:
    shrink_slot.info(
        "No instant preview for this model"
        + (" (a predictor)" if x_col else "")
        + "; the sampler's results follow.",
        icon=":material/hourglass_top:",
    )

with status_slot.container():
    with st.spinner("Loading the sampler…", show_time=True):
        fitting.warm_up(data, sigma=sigma)
        requests = fitting.request_fits(data, priors, fit_settings, sigma=sigma)
    outcome = fitting.wait_for_fits(requests, label="Sampling the three models")

estimates = common.estimates_frame(outcome, quick.estimates if quick is not None else None)
complete = {"unpooled", "hierarchical"} <= set(estimates.fit) if estimates is not None else False
if complete:
    note = "" if outcome.complete else "Fits that failed show the exact preview instead."
    draw_estimates(estimates, note)
    draw_population(outcome)
else:
    shrink_slot.warning(
        "The fits did not finish, so there are no estimates to show. The reasons are under "
        "*Did the sampler work?*",
        icon=":material/warning:",
    )
    forest_slot.empty()
    population_slot.empty()
with diagnostics_slot.container():
    st.caption(
        f"Each fit ran {fit_settings.chains} chain(s) of {fit_settings.draws} draws with NUTS (nutpie) "
        f"after {fit_settings.tune} tuning steps. Problems are spelled out below."
    )
    common.diagnostics_panel(outcome)

# ---------------------------------------------------------------------------------------------
# Downloads and the code

stem = re.sub(r"\.csv$", "", source_name, flags=re.IGNORECASE)
st.subheader("6 · Download")
views.downloads(outcome.results, estimates if complete else None, drawn if complete else {}, stem)

st.subheader("7 · The code behind it")
spec = codegen.CsvSpec(
    file_name=source_name,
    group_col=group_col,
    y_col=y_col,
    trials_col=trials_col,
    x_col=x_col,
    **codegen.csv_format(raw),
)
try:
    script_name = f"{views.slug(stem)}_pymc.py"
    script = codegen.pymc_script(spec, priors, fit_settings, sigma=sigma, data=data, script_name=script_name)
except ValueError as err:  # e.g. a prior the script cannot write
    st.warning(f"The code cannot be shown for these settings: {err}", icon=":material/warning:")
else:
    pasted = uploaded is None
    reads = f"the pasted table saved as `{PASTED_NAME}` (download it below)" if pasted else f"`{source_name}`"
    views.show_code(
        script,
        file_name=script_name,
        data_files={PASTED_NAME: text.encode("utf-8")} if pasted else None,
        note=(
            "The complete PyMC script behind this page: it reads "
            + (
                f"the pasted table saved as `{PASTED_NAME}` (download it below)"
                if pasted
                else f"`{source_name}`"
            )
            + ", builds the same three models with the same priors and sampler settings, and prints "
            "each fit's summary and group estimates. Keep the data file next to the script and run it "
            "with `python`. Its numbers match this page's within Monte Carlo error."
        ),
    )
