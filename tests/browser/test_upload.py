"""The "Your data" page in a real browser: upload a CSV file, pick the columns, see the fits; then a bad
file gets a message naming the column and row, never a traceback; a file over the limit is refused."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# Pupils in three forms; "pupil" comes first, so the page's first guess for the groups is wrong.
GOOD = (
    "pupil,form,result,hours\n"
    "p01,7A,69,1\np02,7A,63,5\np03,7A,77,5\np04,7A,71,4\np05,7A,64,2\np06,7A,60,1\n"
    "p07,7B,73,4\np08,7B,75,4\np09,7B,81,3\np10,7B,66,0\np11,7B,70,3\n"
    "p12,7C,68,2\np13,7C,55,2\n"
)
BAD = GOOD.replace("p09,7B,81,3", "p09,7B,eighty-one,3")  # row 10


def open_page(goto_app):
    """Open /your-data after the home page: on a fresh server a deep link is first resolved against the
    files in pages/ (upload, not your-data) and a "Page not found" dialog would cover the page."""
    goto_app("", timeout=120)
    page = goto_app("/upload", timeout=120)
    assert not page.locator('[role="dialog"]').filter(has_text="Page not found").count()
    return page


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def upload(page, name: str, content: bytes, mime: str = "text/csv") -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": name, "mimeType": mime, "buffer": content}
    )


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select box ``label`` (a combobox: typing filters its options)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def wait_for_error(page, text: str, timeout: float = 300) -> None:
    """An upload reruns the page a moment later: wait for the message, then for the page to settle."""
    page.locator('[data-testid="stAlertContentError"]').filter(has_text=text).wait_for(timeout=timeout * 1000)


def errors(page) -> list[str]:
    return page.locator('[data-testid="stAlertContentError"]').all_inner_texts()


def test_upload_choose_columns_fit_then_bad_file(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page = open_page(goto_app)
    assert "Upload a CSV file or paste a table to begin" in main_text(page)

    upload(page, "forms.csv", GOOD.encode())
    wait_for_error(page, "Every group in column 'pupil' has only one row")
    wait_for_app_idle(page, timeout=300)
    # The first guess takes "pupil" as the groups: one row each, and the page says so.
    assert any("Every group in column 'pupil' has only one row" in e for e in errors(page)), errors(page)
    assert page.locator('[data-testid="stException"]').count() == 0

    choose(page, "Groups", "form")
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    text = main_text(page)
    assert "3 groups, 13 rows (2 to 6 rows per group)" in text
    assert "Did the sampler work?" in text
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 5
    page.get_by_text("charts as images").click()  # drawn only when opened (a rerun)
    page.get_by_role("button", name="PNG").first.wait_for()
    wait_for_app_idle(page, timeout=300)
    assert page.get_by_role("button", name="PNG").count() >= 4
    # its NetCDF trace (exact: the charts' names, e.g. "Partial pooling pulls ...", contain the words)
    assert page.get_by_role("button", name="Partial pooling", exact=True).count() == 1
    screenshot(page, "upload")

    # The code behind it, with the uploaded file's name.
    page.get_by_text("Show the code: this analysis in plain PyMC").click()
    code = page.locator('[data-testid="stCode"]').first
    code.wait_for()
    assert 'CSV_FILE = "forms.csv"' in code.inner_text()
    assert 'GROUP_COLUMN = "form"' in code.inner_text()  # the chosen column, as a literal the script reads

    # A bad file: text in the outcome column. The message names the column and the row; the choice
    # of columns is kept.
    upload(page, "forms.csv", BAD.encode())
    wait_for_error(page, "Column 'result' has text in row 10")
    wait_for_app_idle(page, timeout=300)
    shown = errors(page)
    assert any("Column 'result' has text in row 10: 'eighty-one'" in e for e in shown), shown
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "upload-bad-file")


def test_file_over_the_limit_and_binary_file(goto_app, wait_for_app_idle, screenshot):
    page = open_page(goto_app)
    upload(page, "huge.csv", b"g,y\n" + b"A,1\n" * 1_400_000)  # 5.6 MB
    # Up to 50 MB reach the page (the browser's limit), which says on the page why it refuses the file.
    wait_for_error(page, "The file is 5.6 MB; the limit is 5 MB", timeout=120)
    wait_for_app_idle(page, timeout=120)
    assert any("The file is 5.6 MB; the limit is 5 MB" in e for e in errors(page)), errors(page)
    assert "a larger file gets a message here" in main_text(page)
    assert page.locator('[data-testid="stException"]').count() == 0

    upload(page, "workbook.csv", b"PK\x03\x04" + b"\x00" * 2000)  # an Excel file renamed
    wait_for_error(page, "This is not a CSV file", timeout=120)
    wait_for_app_idle(page, timeout=120)
    shown = errors(page)
    assert any("This is not a CSV file: it looks like an Excel workbook" in e for e in shown), shown
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "upload-not-csv", full_page=False)
