"""Your data: upload a CSV file (or paste a table), choose its columns, and fit complete, no and
partial pooling to it, with the Explore page's views, downloads and the code behind them.

Everything the user enters stays in ``st.session_state`` under ``upload_*`` keys: a bad file or a
bad choice of columns shows one message naming the row or column at fault and keeps the rest. The
settings, the pasted table, the chosen columns and the uploaded file (its name and bytes) are also
copied under keys no widget owns, so a visit to another page comes back to all of them. Names from
the user's file are escaped before they reach Markdown.
Tests may preset the sampler keys (``upload_draws``, ``upload_tune``, ``upload_chains``) before
the first run.
"""

from __future__ import annotations

import re

import numpy as np
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from hbm_core import codegen, viz
from hbm_core.data.csv_input import MAX_ROWS, MAX_UPLOAD_BYTES, grouped_from_table, read_table
from hbm_core.data.groups import DataError, GroupedData
from hbm_core.exact.preview import preview
from hbm_core.lessons.your_data import (
    EXAMPLE_SCORES,
    EXAMPLE_THROWS,
    NO_X,
    checked_choices,
    constant_groups,
    counts_table,
    guess_columns,
    rounded_priors,
)
from hbm_core.markdown_text import escape
from ui import common, controls, results, views

common.start_page()

# ---------------------------------------------------------------------------------------------
# Defaults

PASTED_NAME = "pasted_table.csv"
LIMIT_MB = MAX_UPLOAD_BYTES / 1_000_000
# Files up to this size reach the page, which then says on the page why one over LIMIT_MB is refused.
BROWSER_LIMIT_MB = 10 * LIMIT_MB
KEPT_FILE = "upload_kept_file"  # (name, bytes) of the uploaded file, kept across pages

KINDS = {
    "measurement": "A measurement (one number per row)",
    "counts": "Successes out of trials (counts)",
}
SIGMA_MODES = {"shared": "one shared by all groups", "group": "one per group"}
DEFAULTS = {
    "upload_kind": "measurement",
    "upload_sigma": "shared",
    "upload_seed": 1,
    "upload_draws": 1000,
    "upload_tune": 500,
    "upload_chains": 4,
    "upload_text": "",
}
COLUMN_KEYS = ("upload_group", "upload_y", "upload_trials", "upload_x")


def _remember() -> None:
    """Copy the column choices where no widget owns them: they survive visits to other pages."""
    for key in (*COLUMN_KEYS, "upload_sig"):
        if key in st.session_state:
            st.session_state[f"_keep_{key}"] = st.session_state[key]


# Keep every setting, including those of widgets not drawn this run (a broken table hides the
# column choices, "measurement" hides the trials column), and across visits to other pages.
for _key in (*COLUMN_KEYS, "upload_sig"):
    if _key not in st.session_state and f"_keep_{_key}" in st.session_state:
        st.session_state[_key] = st.session_state[f"_keep_{_key}"]
controls.init_state(DEFAULTS, keep=(*COLUMN_KEYS, "upload_sig"), across_pages=True)
_remember()


def _file_changed() -> None:
    """File box callback: keep the new file (name and bytes), or forget the one removed with ✕."""
    new = st.session_state.get("upload_file")
    if new is None:
        st.session_state.pop(KEPT_FILE, None)
    elif isinstance(new, UploadedFile):  # a file this server holds (not a stand-in, see below)
        st.session_state[KEPT_FILE] = (new.name, new.getvalue())


def _forget_file() -> None:
    st.session_state.pop(KEPT_FILE, None)


def _shared_sigma() -> None:
    st.session_state["upload_sigma"] = "shared"


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
    common.radio(
        "Observation sd σ",
        SIGMA_MODES,
        "upload_sigma",
        disabled=st.session_state["upload_kind"] == "counts",
        help="For measurements. One shared sd is the robust choice when the groups' spreads are alike "
        "or some groups are tiny; one sd per group fits groups with clearly different spreads. "
        "Counts need no σ: their spread follows from the success probability.",
    )
    fit_settings = controls.sampler_controls("upload_")

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
        max_upload_size=int(np.ceil(BROWSER_LIMIT_MB)),
        on_change=_file_changed,
        help="A plain-text .csv file. From Excel or Google Sheets: File › Save as / Download › CSV.",
    )
    st.caption(
        f"Up to {LIMIT_MB:g} MB and {MAX_ROWS:,} rows; a larger file gets a message here. (One over "
        f"{BROWSER_LIMIT_MB:g} MB is refused by the browser and shows in red: remove it.) Counts can be "
        "summed to one row per group."
    )
with paste_col:
    st.text_area(
        "…or paste a small table",
        key="upload_text",
        height=190,
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
if uploaded is None and st.session_state.get("upload_file") is not None:
    # The file box names a file this server does not hold (Streamlit keeps a stand-in without name
    # or bytes and gives the page None): the upload broke off, or the tab reconnected to another replica.
    upload_col.warning(
        "The file did not reach the server (the upload broke off, or the connection moved to another "
        "server). Remove it (✕) and upload it again.",
        icon=":material/cloud_off:",
    )
if uploaded is not None:
    raw: bytes | str = uploaded.getvalue()
    source_name = uploaded.name
    st.session_state[KEPT_FILE] = (source_name, raw)
    if text.strip():
        st.caption(
            f"Using the uploaded file **{escape(source_name)}**; remove it (✕) to use the pasted table "
            "instead."
        )
elif KEPT_FILE in st.session_state:  # uploaded before a visit to another page
    source_name, raw = st.session_state[KEPT_FILE]
    kept = st.container(horizontal=True, vertical_alignment="center")
    kept.caption(
        f"Using the file **{escape(source_name)}** uploaded earlier"
        + ("; forget it to use the pasted table instead." if text.strip() else ".")
    )
    kept.button("Forget this file", on_click=_forget_file, icon=":material/close:", key="upload_forget")
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
    st.error(f"**{escape(source_name)}:** {escape(err)}", icon=":material/error:")
    st.stop()

with st.expander(f"The table: {len(table):,} rows, {table.shape[1]} columns"):
    shown = table.head(500)
    shown.attrs = {}  # the loader's cells as written: not for the browser
    st.dataframe(shown, width="stretch", height=min(38 + 35 * min(len(table), 500), 300))
    if len(table) > 500:
        st.caption("The first 500 rows; the fits use all of them.")

# ---------------------------------------------------------------------------------------------
# Step 2: the columns


columns = list(table.columns)
signature = tuple(columns)
if st.session_state.get("upload_sig") != signature:  # a new table: guess its columns afresh
    st.session_state.update(guess_columns(table))
    st.session_state["upload_sig"] = signature
choices = {key: st.session_state.get(key) for key in (*COLUMN_KEYS, "upload_kind")}
st.session_state.update({k: v for k, v in checked_choices(choices, table).items() if v != choices[k]})
_remember()

st.header("Which column is which?")
common.radio("The outcome is", KINDS, "upload_kind", horizontal=True)
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
    st.error(escape(err), icon=":material/error:")
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


priors = rounded_priors(data.y, data.family, data.x)
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
        f"Priors centred on your outcome's mean and scaled to its spread: {escape(priors.describe())}"
        + (f", beta ~ Normal(0, {priors.beta_scale:g})" if x_col else "")
        + f" (σ: {SIGMA_MODES[sigma]})."
    )

try:
    quick = preview(data, priors, sigma=sigma)
except Exception:  # the preview is a courtesy: the MCMC fits below are the real results
    quick = None

if not counts and sigma == "group":
    flat = constant_groups(data)
    if flat:
        st.error(
            f"{len(flat)} group{'s' if len(flat) > 1 else ''} ({escape(', '.join(flat[:5]))}"
            f"{', …' if len(flat) > 5 else ''}) {'have' if len(flat) > 1 else 'has'} the same value in every "
            "row: a standard deviation of its own would be 0, which the sampler cannot reach. Use one "
            "shared σ, or check the table.",
            icon=":material/error:",
        )
        st.button("Use one shared σ", on_click=_shared_sigma, key="upload_use_shared", type="primary")
        st.stop()
    tiny = [g for g, n in zip(data.groups, summary["n"], strict=False) if n < 3]
    if tiny:
        st.info(
            f"{len(tiny)} group{'s' if len(tiny) > 1 else ''} ({escape(', '.join(tiny[:5]))}"
            f"{', …' if len(tiny) > 5 else ''}) {'have' if len(tiny) > 1 else 'has'} fewer than 3 rows: "
            "its own standard deviation is barely identified. One shared σ (sidebar) is the safer model.",
            icon=":material/info:",
        )

# ---------------------------------------------------------------------------------------------
# Results: the data, then the exact preview replaced by the MCMC fits

fits = results.Fits(data, priors, fit_settings, quick, sigma=sigma)  # a warm server starts sampling now

st.header("1 · The data")
data_chart: dict = {}
if counts:
    proportion = st.column_config.ProgressColumn(format="%.3f", min_value=0, max_value=1)
    common.table(
        counts_table(data),
        config={"observed proportion": proportion},
        height=min(38 + 35 * data.n_groups, 400),
    )
    st.caption(
        "Each group's successes and trials, summed over its rows. Below, **n** is a group's number of "
        "trials: a group with few trials has a proportion that can land far from its true rate."
    )
else:
    data_chart["data"] = viz.data_strip(data.to_frame(), outcome_label)
    common.chart(
        data_chart["data"],
        "Each dot is one row of your table; the tick is the group's sample mean. Small groups have "
        "means that can land far from where a larger sample would put them.",
    )

drawn = results.result_sections(
    fits,
    y_label,
    scale_label,
    no_preview="No instant preview for this model"
    + (" (a predictor)" if x_col else "")
    + "; the sampler's results follow.",
    charts=data_chart,
)

# ---------------------------------------------------------------------------------------------
# Downloads and the code

stem = re.sub(r"\.csv$", "", source_name, flags=re.IGNORECASE)
st.header("6 · Download")
views.downloads(drawn.outcome.results, drawn.estimates, drawn.charts, stem)

st.header("7 · The code behind it")
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
    script = codegen.pymc_script(spec, priors, fits.used, sigma=sigma, data=data, script_name=script_name)
except ValueError as err:  # e.g. a prior the script cannot write
    st.warning(f"The code cannot be shown for these settings: {err}", icon=":material/warning:")
else:
    pasted = isinstance(raw, str)  # the text box, not a file uploaded now or before another page
    reads = f"the pasted table saved as `{PASTED_NAME}` (download it below)" if pasted else f"`{source_name}`"
    views.show_code(
        script,
        file_name=script_name,
        data_files={PASTED_NAME: text.encode("utf-8")} if pasted else None,
        note=(
            f"The complete PyMC script behind this page: it reads {reads}, builds the same three models "
            "with the same priors and sampler settings, and prints "
            "each fit's summary and group estimates. Keep the data file next to the script and run it "
            "with `python`. Its numbers match this page's within Monte Carlo error."
        ),
    )
