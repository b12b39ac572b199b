"""Turn a student's CSV file into :class:`GroupedData`, or explain in one sentence what is wrong.

Two steps, so the app can show the table and let the user pick columns in between:

- :func:`read_table` decodes and parses the raw bytes (utf-8, with or without BOM, else
  Windows-1252 / latin-1; comma, semicolon or tab delimited) into a DataFrame whose index is
  the row number as a spreadsheet shows it (header = row 1, first data row = row 2);
- :func:`grouped_from_table` checks the chosen columns and builds the :class:`GroupedData`
  (family ``"binomial"`` if a trials column is given, else ``"normal"``).

Every problem is raised as :class:`~hbm_core.data.groups.DataError` whose message is meant to be
shown to the student as is, naming the column and the first offending rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hbm_core.data.groups import DataError, GroupedData

MAX_UPLOAD_BYTES = 5_000_000
MAX_ROWS = 100_000
MAX_GROUPS = 200
#: Largest magnitude of an outcome or predictor: beyond it squares and sums overflow in the fits.
MAX_ABS_VALUE = 1e100
#: Largest count of successes or trials (far beyond any real count; int64 and the samplers stay exact).
MAX_COUNT = 1_000_000_000
#: Where :func:`read_table` keeps each column's cells as written (``DataFrame.attrs`` key).
CELL_TEXT = "cell_text"

_SHOW = 5  # offending rows / values quoted in a message
_ROW_INDEX_NAME = "row"

_MAGIC = (
    (b"PK\x03\x04", "an Excel workbook or a zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True, eq=False)
class CellText:
    """Each column's cells as written in the file (stripped), indexed like the table.

    :func:`read_table` converts number-only columns to numbers; group labels are read from here so
    that ``0101`` and ``101``, or ``1.0`` and ``1``, stay different groups. Kept in the table's
    ``attrs`` and shared, not copied, when pandas copies a table's attrs.
    """

    columns: dict[str, pd.Series]

    def __deepcopy__(self, memo: dict) -> CellText:
        return self

    def get(self, column: str, index: pd.Index) -> np.ndarray | None:
        """The cells of ``column`` at the rows ``index`` as written, or None if unknown."""
        text = self.columns.get(column)
        if text is None or not index.isin(text.index).all():
            return None
        return text.loc[index].to_numpy(dtype=object)


def _fmt_bytes(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.3g} MB"
    if n >= 1_000:
        return f"{n / 1_000:.3g} kB"
    return f"{n} bytes"


def _not_csv(kind: str = "a binary (non-text) file") -> DataError:
    return DataError(
        f"This is not a CSV file: it looks like {kind}. "
        "Please upload a plain-text .csv file (in Excel: File > Save As > CSV)."
    )


def _decode(data: bytes) -> str:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise _not_csv(kind)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 (Excel's "Unicode text")
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _not_csv() from None
    if b"\x00" in data:
        raise _not_csv()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")  # never fails


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\x7f")
    return controls > max(2, len(sample) // 100)


def _sniff_delimiter(header_line: str) -> str:
    if len(next(csv.reader([header_line]), [])) > 1:
        return ","
    counts = {sep: header_line.count(sep) for sep in (";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _as_text(raw) -> tuple[str, int]:
    """(text, size in bytes) of raw file contents."""
    if hasattr(raw, "getvalue"):  # e.g. Streamlit's UploadedFile, io.BytesIO
        raw = raw.getvalue()
    elif hasattr(raw, "read"):
        raw = raw.read()
    if isinstance(raw, str):
        return raw, len(raw.encode("utf-8", errors="replace"))
    if isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
        return data, len(data)
    raise TypeError(f"expected bytes or str, got {type(raw).__name__}")


def read_table(raw: bytes | str, max_bytes: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Parse an uploaded CSV file into a DataFrame, or raise :class:`DataError`.

    ``raw`` is the file's bytes (or already-decoded text, or a file-like object with
    ``getvalue()``/``read()``). The result has stripped column names and cells, columns whose
    filled cells are all numbers converted to numbers (empty cells are NaN; "n/a", "NA" etc.
    stay text), completely empty rows dropped, and an index named ``"row"`` holding each
    row's number as a spreadsheet shows it (header = row 1, first data row = row 2).
    """
    content, size = _as_text(raw)
    if size > max_bytes:
        raise DataError(
            f"The file is {_fmt_bytes(size)}; the limit is {_fmt_bytes(max_bytes)}. "
            "Please upload a smaller file."
        )
    text = _decode(content) if isinstance(content, bytes) else content
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").rstrip("\x1a")
    if not text.strip():
        raise DataError("The file is empty.")
    if _looks_binary(text):
        raise _not_csv()

    lines = text.split("\n")
    skip = 0
    while not lines[skip].strip():
        skip += 1
    sep = _sniff_delimiter(lines[skip])
    body = "\n".join(lines[skip:])
    try:
        # Each record is one spreadsheet row (blank lines included, as Excel shows them).
        reader = csv.reader(io.StringIO(body), delimiter=sep, skipinitialspace=True)
        records, ends = [], []  # each record and the line where it ends
        for record in reader:
            records.append(record)
            ends.append(reader.line_num)
    except csv.Error:
        raise DataError("The file could not be read as a table of rows and columns.") from None
    _check_quotes(body, records, ends, skip)

    header = [name.strip() for name in records[0]]
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise DataError(
                f"The header row has the column name '{name}' more than once. "
                "Give every column a different name."
            )
        seen.add(name)
    names = [name or f"Unnamed: {i}" for i, name in enumerate(header)]

    first_row = skip + 2
    data, row_numbers = [], []
    n_cols = len(names)
    for i, rec in enumerate(records[1:]):
        if not any(cell.strip() for cell in rec):
            continue  # blank line or a row of empty cells
        if len(rec) > n_cols:
            if any(cell.strip() for cell in rec[n_cols:]):
                raise DataError(
                    f"Row {first_row + i} has {len(rec)} cells but the header has {n_cols} columns. "
                    "Check that row for extra separators (for example a comma in a number like 1,000)."
                )
            rec = rec[:n_cols]
        elif len(rec) < n_cols:
            rec = rec + [""] * (n_cols - len(rec))
        data.append(rec)
        row_numbers.append(first_row + i)
        if len(data) > MAX_ROWS:
            n_rows = sum(1 for r in records[1:] if any(cell.strip() for cell in r))
            raise DataError(f"The file has {n_rows:,} data rows; the limit is {MAX_ROWS:,}.")
    if not data:
        raise DataError("The file has a header row but no data rows.")

    index = pd.Index(row_numbers, dtype=np.int64, name=_ROW_INDEX_NAME)
    columns = list(zip(*data, strict=False))
    df = pd.DataFrame(
        {
            name: _clean_column(cells, index, decimal_comma=(sep == ";"))
            for name, cells in zip(names, columns, strict=False)
        },
        index=index,
    )
    empty_unnamed = [c for c in df.columns if c.startswith("Unnamed: ") and df[c].isna().all()]
    df = df.drop(columns=empty_unnamed)
    text = {
        name: pd.Series([cell.strip() for cell in cells], index=index, dtype=object)
        for name, cells in zip(names, columns, strict=False)
        if name in df.columns
    }
    df.attrs[CELL_TEXT] = CellText(text)
    if df.shape[1] < 2:
        raise DataError(
            f"The file has only one column ('{df.columns[0]}'). It needs at least a group column "
            "and an outcome column, separated by commas, semicolons or tabs."
        )
    return df


def _check_quotes(body: str, records: list[list[str]], ends: list[int], skip: int) -> None:
    """Raise if a quote is never closed (the csv reader then reads the rest of the file as one cell).

    ``ends``: the line (1-based, in ``body``) where each record ends; ``skip``: blank lines before
    ``body`` in the file.
    """
    if body.count('"') % 2 == 0:
        return
    for i, record in enumerate(records):
        if any("\n" in cell for cell in record):
            line = skip + (ends[i - 1] if i else 0) + 1
            raise DataError(
                f'Row {line} opens a quote (") that is never closed, so everything after it reads as one '
                "cell. Close the quote or delete it."
            )


def _clean_column(cells, index: pd.Index, decimal_comma: bool) -> pd.Series:
    """Strip cells, blank -> NaN, and convert to numbers if every filled cell is a number."""
    s = pd.Series(list(cells), index=index, dtype=object).str.strip()
    if decimal_comma:
        s = s.str.replace(r"^([+-]?\d*),(\d+)$", r"\1.\2", regex=True)
    s = s.mask(s == "", np.nan)
    filled = s.notna()
    if not filled.any():
        return s.astype("float64")
    numbers = pd.to_numeric(s, errors="coerce")
    if numbers[filled].notna().all():
        return numbers
    return s  # text: Python strings, blanks NaN (not "nan", which astype(str) would make)


# ----------------------------------------------------------------------------- checking


def _quote(v) -> str:
    if isinstance(v, (float, np.floating)):
        text = f"{float(v):g}"
    else:
        text = str(v)
    if len(text) > 20:
        text = text[:19] + "…"
    return f"'{text}'"


def _rows(rows: np.ndarray) -> str:
    """'row 4' / 'rows 4, 9' / 'rows 4, 9, 11, 12, 15 and 20 more'."""
    rows = [int(r) for r in rows]
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:_SHOW])
    more = f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
    return f"rows {shown}{more}"


def _values(values) -> str:
    return ", ".join(_quote(v) for v in list(values)[:_SHOW])


def _num(v: float) -> str:
    return f"{v:g}"


def _numeric_column(df: pd.DataFrame, col: str, rows: np.ndarray) -> np.ndarray:
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        out = np.array(s, dtype=np.float64)
    elif pd.api.types.is_numeric_dtype(s):
        out = np.array(s.to_numpy(dtype=np.float64, na_value=np.nan))
    else:
        obj = pd.Series([v.strip() if isinstance(v, str) else v for v in s.astype(object)], dtype=object)
        numbers = pd.to_numeric(obj, errors="coerce")
        bad = (numbers.isna() & obj.notna()).to_numpy()
        if bad.any():
            raise DataError(
                f"Column '{col}' has text in {_rows(rows[bad])}: {_values(obj[bad])}. "
                "It must contain numbers only."
            )
        out = np.array(numbers.to_numpy(dtype=np.float64, na_value=np.nan))
    inf = np.isinf(out)
    if inf.any():
        raise DataError(
            f"Column '{col}' has infinite values in {_rows(rows[inf])}: {_values(out[inf])}. "
            "Use ordinary (finite) numbers only."
        )
    huge = np.abs(out) > MAX_ABS_VALUE
    if huge.any():
        raise DataError(
            f"Column '{col}' has numbers too large to compute with in {_rows(rows[huge])}: "
            f"{_values(out[huge])}. Values up to {MAX_ABS_VALUE:g} in size work: rescale the column "
            "(for example into thousands or millions)."
        )
    return out


def _check_counts(col: str, values: np.ndarray, rows: np.ndarray, what: str) -> None:
    neg = values < 0
    if neg.any():
        raise DataError(
            f"Column '{col}' has negative numbers in {_rows(rows[neg])}: {_values(values[neg])}. "
            f"Counts of {what} cannot be negative."
        )
    big = values > MAX_COUNT
    if big.any():
        raise DataError(
            f"Column '{col}' has counts too large in {_rows(rows[big])}: {_values(values[big])}. "
            f"Counts of {what} up to {MAX_COUNT:,} work; is that the right column?"
        )
    frac = values != np.round(values)
    if frac.any():
        raise DataError(
            f"Column '{col}' has numbers that are not whole in {_rows(rows[frac])}: "
            f"{_values(values[frac])}. Counts of {what} must be whole numbers."
        )


def _row_numbers(df: pd.DataFrame) -> np.ndarray:
    if df.index.name == _ROW_INDEX_NAME and pd.api.types.is_integer_dtype(df.index):
        return df.index.to_numpy(dtype=np.int64)
    return np.arange(len(df), dtype=np.int64) + 2


def _group_labels(df: pd.DataFrame, col: str) -> np.ndarray:
    """The group column's cells as written (from :func:`read_table`), else its values as text."""
    cell_text = df.attrs.get(CELL_TEXT)
    if isinstance(cell_text, CellText):
        written = cell_text.get(col, df.index)
        if written is not None:
            return written
    s = df[col]
    if pd.api.types.is_float_dtype(s):
        return np.array([str(int(v)) if float(v).is_integer() else repr(float(v)) for v in s], dtype=object)
    return np.array([str(v).strip() for v in s], dtype=object)


def grouped_from_table(
    df: pd.DataFrame,
    group_col: str,
    y_col: str,
    trials_col: str | None = None,
    x_col: str | None = None,
    name: str = "your data",
) -> GroupedData:
    """Build :class:`GroupedData` from chosen columns of a table, or raise :class:`DataError`.

    Family ``"binomial"`` (``y_col`` successes out of ``trials_col``) if ``trials_col`` is
    given, else ``"normal"``. ``x_col`` is an optional numeric predictor. Group labels are
    the group column's values as stripped strings, in order of first appearance. Row numbers
    in messages come from the index of :func:`read_table`'s result (otherwise position + 2).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    roles = {"groups": group_col, "outcome": y_col, "trials": trials_col, "predictor": x_col}
    roles = {role: col for role, col in roles.items() if col is not None}
    columns = [str(c) for c in df.columns]
    for role, col in roles.items():
        if col not in df.columns:
            listed = ", ".join(f"'{c}'" for c in columns[:20]) + (", …" if len(columns) > 20 else "")
            similar = [c for c in columns if c.strip().lower() == str(col).strip().lower()]
            hint = f" Did you mean '{similar[0]}'?" if similar else ""
            raise DataError(f"There is no column '{col}' for the {role}.{hint} The columns are: {listed}.")
    used: dict[str, str] = {}
    for role, col in roles.items():
        if col in used:
            raise DataError(
                f"Column '{col}' is chosen for both the {used[col]} and the {role}; choose different columns."
            )
        used[col] = role

    if len(df) == 0:
        raise DataError("The table has no data rows.")
    if len(df) > MAX_ROWS:
        raise DataError(f"The table has {len(df):,} rows; the limit is {MAX_ROWS:,}.")
    rows = _row_numbers(df)

    for col in roles.values():
        missing = np.array(df[col].isna(), dtype=bool)
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            missing |= np.array([isinstance(v, str) and not v.strip() for v in df[col]], dtype=bool)
        if missing.any():
            raise DataError(
                f"Column '{col}' has empty cells in {_rows(rows[missing])}. "
                "Fill them in or delete those rows."
            )

    labels = _group_labels(df, group_col)
    codes, groups = pd.factorize(labels, sort=False)
    groups = tuple(str(g) for g in groups)
    if len(groups) > MAX_GROUPS:
        raise DataError(
            f"Column '{group_col}' has {len(groups)} different groups; the limit is {MAX_GROUPS}. "
            "Is that the right column for the groups?"
        )
    if len(groups) < 2:
        raise DataError(
            f"Column '{group_col}' has only one group ({_quote(groups[0])}). "
            "Partial pooling needs at least two groups."
        )

    y = _numeric_column(df, y_col, rows)
    trials = _numeric_column(df, trials_col, rows) if trials_col is not None else None
    x = _numeric_column(df, x_col, rows) if x_col is not None else None

    if trials is not None:
        _check_counts(y_col, y, rows, "successes")
        _check_counts(trials_col, trials, rows, "trials")
        zero = trials == 0
        if zero.any():
            raise DataError(
                f"Column '{trials_col}' has zero trials in {_rows(rows[zero])}. "
                "Every row needs at least one trial; delete rows without trials."
            )
        over = y > trials
        if over.any():
            pairs = ", ".join(
                f"{_num(a)} > {_num(b)}" for a, b in zip(y[over][:_SHOW], trials[over], strict=False)
            )
            raise DataError(
                f"Column '{y_col}' is larger than column '{trials_col}' in {_rows(rows[over])} "
                f"({pairs}). Successes cannot exceed trials."
            )
        p = y / trials
        if np.all(p == p[0]):
            raise DataError(
                f"Every row has the same proportion '{y_col}' / '{trials_col}' ({_num(p[0])}): "
                "nothing to pool."
            )
    else:
        if np.all(np.bincount(codes) == 1):
            raise DataError(
                f"Every group in column '{group_col}' has only one row, so there is no "
                "within-group variation to estimate. Each group needs several rows "
                "(one row per observation)."
            )
        if np.all(y == y[0]):
            raise DataError(
                f"Column '{y_col}' has the same value in every row ({_num(y[0])}): nothing to pool."
            )

    if x is not None and np.all(x == x[0]):
        raise DataError(
            f"Column '{x_col}' has the same value in every row ({_num(x[0])}), so its effect "
            "cannot be estimated. Choose another predictor or none."
        )

    family = "binomial" if trials is not None else "normal"
    source = f"Your CSV file: groups from '{group_col}', outcome '{y_col}'"
    if trials_col is not None:
        source += f" out of '{trials_col}'"
    if x_col is not None:
        source += f", predictor '{x_col}'"
    return GroupedData(
        family=family,
        groups=groups,
        group_idx=np.asarray(codes, dtype=np.int64),
        y=y,
        trials=trials,
        x=x,
        name=name,
        y_label=f"proportion {y_col} / {trials_col}" if trials_col is not None else y_col,
        x_label=x_col,
        source=source + ".",
        meta={"row_numbers": rows.copy(), "columns": dict(roles)},
    )


def load_csv(
    raw: bytes | str,
    group_col: str,
    y_col: str,
    trials_col: str | None = None,
    x_col: str | None = None,
    name: str = "your data",
) -> GroupedData:
    """:func:`read_table` then :func:`grouped_from_table`."""
    return grouped_from_table(read_table(raw), group_col, y_col, trials_col, x_col, name=name)
