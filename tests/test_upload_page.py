"""AppTest of the "Your data" page: a pasted table gets its three fits; every kind of bad input gets
its own message naming the row or column at fault and keeps what the user entered; a sampler
failure is a message, not a traceback. (AppTest cannot upload files: the file path is covered by
the pure functions here and by tests/browser/test_upload.py.)"""

from __future__ import annotations

import pytest

from hbm_core.data.csv_input import MAX_UPLOAD_BYTES, read_table
from hbm_core.data.groups import DataError
from hbm_core.lessons.glossary import term

UPLOAD = "app_pages/upload.py"
QUICK = {"upload_draws": 250, "upload_tune": 250, "upload_chains": 2}

GOOD = "class,score,hours\n7A,69,1\n7A,63,5\n7A,77,5\n7B,73,4\n7B,75,2\n7B,81,3\n7C,68,2\n7C,55,1\n"


@pytest.fixture
def upload(open_page):
    return open_page(UPLOAD, state=QUICK)


def paste(at, text: str):
    at.text_area(key="upload_text").input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def estimates(at):
    return next(df.value for df in at.dataframe if "Partial pooling" in df.value.columns)


def test_empty_page_invites_data(upload):
    assert any("Upload a CSV file or paste a table" in i.value for i in upload.info)
    assert not upload.error


@pytest.mark.slow
def test_pasted_table_gets_three_fits(upload, open_lazy_boxes):
    paste(upload, GOOD)
    assert not errors(upload), errors(upload)
    assert upload.session_state["upload_group"] == "class"
    assert upload.session_state["upload_y"] == "score"
    assert upload.session_state["upload_kind"] == "measurement"
    table = estimates(upload)
    assert list(table.group) == ["7A", "7B", "7C"]
    assert {"Complete pooling", "No pooling", "Partial pooling"} <= set(table.columns)
    # partial pooling lies between no pooling and complete pooling for every group
    lo = table[["No pooling", "Complete pooling"]].min(axis=1) - 0.5
    hi = table[["No pooling", "Complete pooling"]].max(axis=1) + 0.5
    assert ((table["Partial pooling"] >= lo) & (table["Partial pooling"] <= hi)).all()
    # the diagnostics table lists the three fits, none failed
    diag = next(df.value for df in upload.dataframe if "status" in df.value.columns)
    assert list(diag.fit) == ["Complete pooling", "No pooling", "Partial pooling"]
    assert "failed" not in set(diag.status)
    # glossary terms defined where they first appear on this page: the sections' headings (#18)
    helps = {h.value: h.proto.help for h in upload.header}
    assert term("hdi").definition in helps["3 · All three fits side by side"]
    population = helps["4 · The population: μ, τ and how much each group is pooled"]
    assert term("tau").definition in population and term("pooling_factor").definition in population
    sampler = helps["5 · Did the sampler work?"]
    assert all(term(k).definition in sampler for k in ("rhat", "ess", "divergences"))
    # the code behind it reads the pasted table by name
    open_lazy_boxes(upload)
    code = upload.get("code")
    assert code and "pasted_table.csv" in code[0].value and "pm.sample(" in code[0].value


@pytest.mark.slow
def test_counts_example_fits_binomial(upload):
    upload.button(key="upload_paste_throws").click().run()
    assert not upload.exception
    assert not errors(upload), errors(upload)
    assert upload.session_state["upload_kind"] == "counts"
    assert upload.session_state["upload_trials"] == "attempts"
    table = estimates(upload)
    assert len(table) == 8
    assert table["Partial pooling"].between(0, 1).all()
    dev = table.set_index("group").loc["Dev"]  # 2 of 2: pulled well below 100%
    assert dev["observed proportion"] == 1.0 and dev["Partial pooling"] < 0.9


BAD = {
    "text in a numeric column": (
        "class,score\nA,1\nA,x\nB,3\nB,4\n",
        "Column 'score' has text in row 3: 'x'",
    ),
    "one group only": (
        "class,score\nA,1\nA,2\nA,3\n",
        "Column 'class' has only one group ('A')",
    ),
    "missing values": (
        "class,score\nA,1\nA,\nB,3\nB,4\n",
        "Column 'score' has empty cells in row 3",
    ),
    "successes above trials": (
        "player,made,attempts\nA,5,3\nB,2,4\n",
        "Column 'made' is larger than column 'attempts' in row 2 (5 > 3)",
    ),
    "negative counts": (
        "player,made,attempts\nA,-1,3\nB,2,4\n",
        "Column 'made' has negative numbers in row 2",
    ),
    "duplicate headers": (
        "class,score,score\nA,1,2\nB,3,4\n",
        "The header row has the column name 'score' more than once",
    ),
    "constant outcome": (
        "class,score\nA,5\nA,5\nB,5\nB,5\n",
        "Column 'score' has the same value in every row (5)",
    ),
    "a group with one row": (
        "class,score\nA,1\nB,2\nC,3\n",
        "Every group in column 'class' has only one row",
    ),
    "one column only": ("just one column\n1\n2\n", "The file has only one column"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_message_names_the_fault_and_keeps_the_text(upload, case):
    text, message = BAD[case]
    paste(upload, text)
    shown = errors(upload)
    assert len(shown) == 1, shown
    assert message in shown[0], shown
    assert upload.text_area(key="upload_text").value == text
    assert not upload.get("code")  # nothing is fitted from bad data


@pytest.mark.slow
def test_choices_survive_a_bad_edit(upload):
    paste(upload, GOOD)
    upload.selectbox(key="upload_y").set_value("hours").run()
    assert not errors(upload), errors(upload)
    broken = GOOD.replace("7B,73,4", "7B,73,four")
    paste(upload, broken)
    assert "Column 'hours' has text in row 5: 'four'" in errors(upload)[0]  # the user's choice is kept
    assert upload.text_area(key="upload_text").value == broken
    paste(upload, GOOD)  # fixed: the choice is still there
    assert not errors(upload)
    assert upload.session_state["upload_y"] == "hours"
    assert upload.selectbox(key="upload_y").value == "hours"


@pytest.mark.slow
def test_sampler_failure_is_a_message_not_a_traceback(upload, monkeypatch):
    from hbm_core.inference.jobs import FitJob

    def broken(self, compiled):
        raise RuntimeError("the numbers caught fire")

    monkeypatch.setattr(FitJob, "_sample_nutpie", broken)
    upload.session_state["upload_seed"] = 987_654  # a fit no earlier test has cached
    paste(upload, GOOD)
    assert not upload.exception
    shown = errors(upload)
    assert len(shown) == 3, shown
    assert all("The sampler failed: RuntimeError: the numbers caught fire" in e for e in shown)
    # the charts fall back on the exact preview, and say so
    assert any("Fits that failed show the instant preview instead" in c.value for c in upload.caption)


# ----------------------------------------------------------------------------- the file path


def test_file_that_is_not_csv_is_named():
    with pytest.raises(DataError, match="This is not a CSV file: it looks like an Excel workbook"):
        read_table(b"PK\x03\x04" + b"\x00" * 100)


def test_file_over_the_size_limit_says_so():
    with pytest.raises(DataError, match=r"The file is 5 MB; the limit is 5 MB|the limit is 5 MB"):
        read_table(b"g,y\n" + b"A,1\n" * (MAX_UPLOAD_BYTES // 4 + 1))


# ----------------------------------------------------------------------------- issue #21

HOME = "app_pages/home.py"
ONE_GROUP = "class,score\nA,1\nA,2\nA,3\n"  # read, columns chosen, then refused: no fits to wait for


def test_table_and_choices_survive_a_visit_to_another_page(upload):
    paste(upload, ONE_GROUP)
    upload.radio(key="upload_sigma").set_value("group").run()
    upload.selectbox(key="upload_group").set_value("score").run()
    upload.switch_page(HOME).run()
    upload.switch_page(UPLOAD).run()
    assert not upload.exception
    assert upload.text_area(key="upload_text").value == ONE_GROUP
    assert upload.session_state["upload_sigma"] == "group"
    assert upload.session_state["upload_group"] == "score"
    assert upload.session_state["upload_draws"] == QUICK["upload_draws"]
    assert errors(upload), "the table is read again"


def test_an_uploaded_file_comes_back_after_another_page_until_forgotten(upload):
    # AppTest cannot upload: put the file where the upload box's callback keeps it.
    upload.session_state["upload_kept_file"] = ("my *file*.csv", ONE_GROUP.encode())
    upload.switch_page(HOME).run()
    upload.switch_page(UPLOAD).run()
    assert any("uploaded earlier" in c.value and "my \\*file\\*.csv" in c.value for c in upload.caption)
    assert any("only one group" in e for e in errors(upload))
    upload.button(key="upload_forget").click().run()
    assert any("Upload a CSV file or paste a table" in i.value for i in upload.info)


def test_a_long_paste_is_read_not_dropped(upload):
    text = "class,score\n" + "A,1\n" * 60_000  # 240,000 characters
    paste(upload, text)
    assert any("only one group" in e for e in errors(upload)), errors(upload)


def test_markdown_in_names_is_shown_as_written(upload):
    paste(upload, "[x](http://evil.example),**score**\nA,1\nA,2\nA,3\n")
    shown = errors(upload)
    assert len(shown) == 1 and "\\[x\\](http\\://evil.example)" in shown[0] and "](http://" not in shown[0]


def test_a_constant_group_with_one_sd_per_group_is_caught_before_fitting(upload):
    paste(upload, "class,score\nA,5\nA,5\nA,5\nB,1\nB,2\nC,3\nC,4\n")
    upload.radio(key="upload_sigma").set_value("group").run()
    shown = errors(upload)
    assert len(shown) == 1 and "(A) has the same value in every row" in shown[0], shown
    assert upload.button(key="upload_use_shared") is not None
    assert not upload.get("code")  # nothing was fitted


@pytest.mark.slow
def test_markdown_in_group_and_column_names_is_shown_as_written_in_the_readings(upload):
    """The captions that read the results name groups and the outcome's unit: never as live Markdown."""
    # The odd group is noisy and far from the others: it moves most whatever the Monte Carlo error.
    groups = [("[x](http://e.vil)", 20, 20), ("B", 1, 1), ("C", 2, 1)]
    paste(upload, "g,**score**\n" + "".join(f"{g},{v + i * d}\n" for g, v, d in groups for i in range(3)))
    captions = [c.value for c in upload.main.caption]
    reading = next(c for c in captions if "moved most" in c)
    assert "](http://" not in reading and "\\[x\\](http\\://e.vil)" in reading, reading
    assert "**score**" not in " ".join(captions)


def test_a_file_this_server_never_received_gets_a_message_not_a_traceback(upload, monkeypatch):
    """The file box can name a file the server does not hold (an upload that broke off, a tab that
    reconnected to another replica): Streamlit then hands over a stand-in without name or bytes."""
    upload.file_uploader(key="upload_file").set_value(("scores.csv", GOOD.encode(), "text/csv"))
    # The file's state reaches the page, but the file itself never reaches the server.
    monkeypatch.setattr(type(upload), "_register_uploaded_files", lambda self, runner: None)
    upload.run()
    assert not upload.exception, [e.value for e in upload.exception]
    assert any("did not reach the server" in w.value for w in upload.warning)
    assert any("Upload a CSV file or paste a table" in i.value for i in upload.info)
