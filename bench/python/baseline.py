#!/usr/bin/env python3
"""A straightforward Python version of `hoso check` with the default rules.

It is the baseline issue #6 compares hoso with: openpyxl for the submission
lists, python-docx for every Word file, a multiprocessing pool that reads one
folder (or one list file) per task, and the 14 rules of
rules/tuong-duong-so-cap.toml translated into plain Python.

The vocabulary (column aliases, labels, document titles, copy marks, the
benchmark programme) is read from the rule file, as hoso does; the rules
themselves are written out as Python below.

    python3 baseline.py BATCH [--jobs N] [--out FILE] [--rules FILE]

Writes JSON with one verdict per applicant (dossier path and/or list row,
status, reason codes) and prints the timing to stderr.
"""

import time

T0 = time.perf_counter()  # wall time includes importing openpyxl and python-docx

import argparse
import json
import multiprocessing
import os
import re
import sys
import tomllib
import unicodedata
from datetime import date, datetime

import docx
import openpyxl
from docx.table import Table
from docx.text.paragraph import Paragraph

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RULES = os.path.join(HERE, "..", "..", "rules", "tuong-duong-so-cap.toml")

SPREADSHEET_EXTS = {".xlsx", ".xlsm"}  # openpyxl reads these; .xls/.ods are reported as unused
WORD_EXTS = {".docx"}


# --------------------------------------------------------------------------- text

_INVISIBLE = {0x200B: None, 0xFEFF: None, 0x00AD: None}
_QUOTES = {0x2018: "'", 0x2019: "'", 0x201A: "'", 0x2032: "'",
           0x201C: '"', 0x201D: '"', 0x201E: '"', 0x2033: '"'}
_CLEAN_TABLE = {**_INVISIBLE, **_QUOTES}


def clean(s):
    """NFC, invisible characters removed, whitespace (NBSP too) collapsed."""
    s = unicodedata.normalize("NFC", s).translate(_CLEAN_TABLE)
    return " ".join(s.split())


def key(s):
    """How names are compared: cleaned, lower case, diacritics kept."""
    return clean(s).lower()


def strip_marks(s):
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if not unicodedata.category(c).startswith("M"))
    return s.replace("đ", "d")


def fold(s):
    """key() without diacritics ("differs only in diacritics" check)."""
    return strip_marks(key(s))


_WORD = re.compile(r"[^\W_]+")


def fold_words(s):
    """Lower case, no diacritics, every non-alphanumeric run one space."""
    s = strip_marks(s.translate(_INVISIBLE).lower())
    return " ".join(_WORD.findall(s))


def contains_words(hay, needle):
    return bool(needle) and f" {needle} " in f" {hay} "


def starts_with_words(hay, needle):
    return bool(needle) and (hay == needle or hay.startswith(needle + " "))


def contains_any(text, phrases):
    t = fold_words(text)
    return any(contains_words(t, fold_words(p)) for p in phrases)


def blank_or(text, words):
    t = fold_words(text)
    return t == "" or any(fold_words(w) == t for w in words)


def has_words(s):
    return any(c.isalnum() for c in s)


# --------------------------------------------------------------------------- dates
# A date is a datetime.date, or an int for a year-only date ("1975").

_NUMERIC = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]*)?$")
_WORDS = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.I)
_YEAR = re.compile(r"^(?:năm\s*)?(\d{4})$")
_ANY_DATE = re.compile(
    r"ngày\s*\d{1,2}\s*tháng\s*\d{1,2}\s*năm\s*\d{4}"
    r"|\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{4}|\d{4}-\d{1,2}-\d{1,2}",
    re.I,
)


def make_date(y, m, d):
    if not 1900 <= y <= 2100:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(text):
    t = clean(text).strip(",;()")
    m = _NUMERIC.match(t)
    if m:
        return make_date(int(m[3]), int(m[2]), int(m[1]))
    m = _ISO.match(t)
    if m:
        return make_date(int(m[1]), int(m[2]), int(m[3]))
    m = _WORDS.search(t)
    if m:
        return make_date(int(m[3]), int(m[2]), int(m[1]))
    m = _YEAR.match(t.lower())
    if m and 1900 <= int(m[1]) <= 2100:
        return int(m[1])
    return None


def find_dates(text):
    out = []
    for m in _ANY_DATE.finditer(clean(text)):
        d = parse_date(m.group(0))
        if d is not None:
            out.append(d)
    return out


def year_of(d):
    return d if isinstance(d, int) else d.year


def compatible(a, b):
    """Two birth dates can be the same person's (a missing one always can)."""
    if a is None or b is None:
        return True
    if isinstance(a, date) and isinstance(b, date):
        return a == b
    return year_of(a) == year_of(b)


def iso(d):
    if d is None:
        return ""
    return f"{d:04d}" if isinstance(d, int) else d.isoformat()


# --------------------------------------------------------------------------- vocabulary


class Vocab:
    """What the rule file says about words: built once per process."""

    def __init__(self, rules_path):
        with open(rules_path, "rb") as f:
            rules = tomllib.load(f)
        self.rules = rules
        v = rules["vocabulary"]
        self.columns = {}  # folded alias -> list column field
        for field, aliases in v["columns"].items():
            for a in aliases:
                self.columns.setdefault(fold_words(a), field)
        self.labels = {}  # folded alias -> form field
        for field, aliases in v["labels"].items():
            for a in aliases:
                self.labels.setdefault(fold_words(a), field)
        self.transcript_columns = []  # (folded alias, field), longest first
        for field, aliases in v["transcript_columns"].items():
            for a in aliases:
                self.transcript_columns.append((fold_words(a), field))
        self.transcript_columns.sort(key=lambda x: (-len(x[0]), x[0]))
        self.documents = []  # (kind, [folded titles], within), in file order
        for d in v["documents"]:
            self.documents.append((d["kind"], [fold_words(t) for t in d["titles"]], d.get("within", 3)))
        self.max_within = max(w for _, _, w in self.documents)
        self.attachments = []  # (kind, [folded names], {extensions})
        for a in v.get("attachments", []):
            self.attachments.append((a["kind"], [fold_words(n) for n in a["file_names"]],
                                     {e.lower() for e in a["extensions"]}))
        self.copy_marks = sorted((fold_words(m) for m in v["copy_marks"]), key=lambda m: (-len(m), m))
        b = rules["benchmark"]
        self.parts = [(p["name"], float(p["periods"]), [fold_words(k) for k in p["keywords"]])
                      for p in b["parts"]]
        self.benchmark_total = sum(p[1] for p in self.parts)
        self.cutoff = str(rules["rule_set"]["effective"]["until"])  # "2021-07-09"


VOCAB = None


def init_worker(rules_path):
    global VOCAB
    VOCAB = Vocab(rules_path)


# --------------------------------------------------------------------------- Word documents

_NUMBERING = re.compile(r"^\s*(?:[-+•*–—]+|\(?(?:\d{1,2}(?:\.\d{1,2})*|[a-zđ]|[IVX]{1,4})[.)])\s*")
_LEADER = re.compile(r"\s*(?:\.{2,}|…+|_{2,})[.…_\s]*")
_LABEL_WORD = re.compile(r"[^\s.…,;_|]+")


def strip_label(text):
    t = text.strip()
    m = _NUMBERING.match(t)
    if m:
        t = t[m.end():]
    return t.rstrip(" \t:.…_")


def clean_value(text):
    return clean(text.lstrip(" \t.…_:").rstrip(" \t.…_:;,"))


def label_field(text):
    """The form field a label text names ("1. Họ và tên:" -> "name")."""
    label = strip_label(text)
    field = VOCAB.labels.get(fold_words(label))
    if field is None and "(" in label:
        field = VOCAB.labels.get(fold_words(label.rsplit("(", 1)[0]))
    return field


def copy_mark_in(line):
    """The line, cleaned, when it is a copy-mark line ("SAO Y BẢN CHÍNH")."""
    for column in line.split("\t"):
        if len(column.split()) > 10:
            continue
        folded = fold_words(column)
        if folded and len(folded.split(" ")) <= 10:
            for mark in VOCAB.copy_marks:
                if starts_with_words(folded, mark):
                    return clean(column)
    return None


def title_kind(line):
    folded = fold_words(line)
    for kind, titles, within in VOCAB.documents:
        for t in titles:
            if starts_with_words(folded, t):
                return kind, within
    return None


def fields_in_line(line, bold):
    """(field, value) for each "Label: value" on the line."""
    found = []  # (label start, value start, field)
    pos = 0
    for colon in [i for i, c in enumerate(line) if c == ":"]:
        if colon < pos:
            continue
        segment = line[pos:colon]
        if segment.rstrip().endswith(")") and "(" in segment:
            segment = segment.rsplit("(", 1)[0]
        words = [(pos + m.start(), fold_words(m.group(0))) for m in _LABEL_WORD.finditer(segment)]
        words = [w for w in words if w[1]][-8:]
        for i in range(len(words)):
            field = VOCAB.labels.get(" ".join(w for _, w in words[i:]))
            if field:
                found.append((words[i][0], colon + 1, field))
                pos = colon + 1
                break
    # A label at the start of the line without a colon: tab, leader dots,
    # bold type, or a digit right after it ("Sinh ngày 05/03/1975").
    head = line[: found[0][0]] if found else line
    if has_words(head):
        start = None
        if "\t" in head:
            tab = head.index("\t")
            field = label_field(head[:tab])
            if field:
                start = (tab + 1, field)
        else:
            m = _LEADER.search(head)
            if m and m.start() > 0:
                field = label_field(head[: m.start()])
                if field:
                    start = (m.end(), field)
            elif bold and bold.strip() and head.startswith(bold.rstrip()) and label_field(bold):
                start = (len(bold.rstrip()), label_field(bold))
            else:
                digit = re.search(r"\d", head)
                if digit and label_field(head[: digit.start()]):
                    start = (digit.start(), label_field(head[: digit.start()]))
        if start:
            found.insert(0, (0, start[0], start[1]))
    out = []
    for i, (_, value_start, field) in enumerate(found):
        value_end = found[i + 1][0] if i + 1 < len(found) else len(line)
        out.append((field, clean_value(line[value_start:value_end])))
    return out


def place_date(line):
    """For a "Kon Rẫy, ngày 05 tháng 3 năm 2021" line: [date or None]; else None."""
    for column in line.split("\t"):
        if "," not in column:
            continue
        place, rest = column.split(",", 1)
        place = place.strip()
        if len(place) > 60 or not place[:1].isalpha() or ":" in place:
            continue
        rest = clean(rest).lower()
        if not rest.startswith("ngày"):
            continue
        after = rest[4:]
        if after[:1].isalpha():
            continue
        dates = find_dates(rest)
        if dates or ("tháng" in after and "năm" in after[after.index("tháng"):]):
            return [dates[0] if dates else None]
    return None


def parse_number(text):
    t = clean(text)
    m = re.match(r"\s*(\d[\d.,]*)", t)
    if not m:
        return None
    try:
        return float(m.group(1).replace(",", ".").rstrip("."))
    except ValueError:
        return None


def is_total(text):
    f = fold_words(text)
    return f in ("cong", "tong") or starts_with_words(f, "tong cong") or starts_with_words(f, "tong so")


def transcript_column(header):
    folded = fold_words(header)
    if not folded or len(folded.split(" ")) > 8:
        return None
    for alias, field in VOCAB.transcript_columns:
        if alias == folded:
            return field
    for alias, field in VOCAB.transcript_columns:
        if contains_words(folded, alias):
            return field
    return None


def new_part(kind):
    return {"kind": kind, "fields": {}, "signed": None, "subjects": [], "copy_mark": None}


def put_field(part, field, value):
    old = part["fields"].get(field)
    if old is None or (old == "" and value != ""):
        part["fields"][field] = value


def read_line(part, line, bold=None):
    if not has_words(line):
        return
    if part["copy_mark"] is None:
        part["copy_mark"] = copy_mark_in(line)
    fields = fields_in_line(line, bold)
    if not fields:
        pd = place_date(line)
        if pd is not None:
            part["signed"] = pd[0]
    for field, value in fields:
        put_field(part, field, value)


def read_table(part, rows):
    """rows: list of lists of cell texts."""
    # A transcript table: header (first three rows) names subject and periods.
    columns, header_end = {}, None
    for r, row in enumerate(rows[:3]):
        for c, text in enumerate(row):
            field = transcript_column(text)
            if field and field not in columns:
                columns[field] = c
                header_end = r
        if "subject" in columns and "periods" in columns:
            break
    if header_end is not None and "subject" in columns and "periods" in columns:
        sc, pc = columns["subject"], columns["periods"]
        for row in rows[header_end + 1:]:
            if sc >= len(row):
                continue
            name = clean(row[sc])
            if not any(ch.isalpha() for ch in name) or is_total(name) or is_total(row[0]):
                continue
            periods = parse_number(row[pc]) if pc < len(row) else None
            part["subjects"].append((name, periods))
    # Label cell | value cell (a form laid out as a table); other cells as lines.
    for row in rows:
        c = 0
        while c < len(row):
            field = label_field(row[c])
            if field and c + 1 < len(row) and label_field(row[c + 1]) is None:
                put_field(part, field, clean_value(row[c + 1]))
                c += 2
                continue
            for line in row[c].split("\n"):
                read_line(part, line)
            c += 1


def docx_blocks(path):
    """The body as ("p", text, bold prefix) / ("t", rows) / ("br",) in order."""
    document = docx.Document(path)
    blocks = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            # The text of the leading bold runs (a bold label), and whether
            # the paragraph holds a page break (a new document may start).
            bold, in_bold, page_break = "", True, False
            for run in item.runs:
                in_bold = in_bold and bool(run.bold)
                if in_bold:
                    bold += run.text
                if any(br.type == "page" for br in run._r.br_lst):
                    page_break = True
            if page_break:
                blocks.append(("br",))
            blocks.append(("p", item.text, bold or None))
        elif isinstance(item, Table):
            blocks.append(("t", [[cell.text for cell in row.cells] for row in item.rows]))
    return blocks


def find_title(segment):
    seen = 0
    for block in segment:
        if block[0] == "p":
            for line in block[1].split("\n"):
                if not has_words(line) or copy_mark_in(line):
                    continue
                seen += 1
                found = title_kind(line)
                if found and seen <= found[1]:
                    return found[0]
                if seen >= VOCAB.max_within:
                    return None
        elif block[0] == "t" and seen == 0:
            # A layout table on top (a request letter's head) may hold the title.
            for row in block[1]:
                for cell in row:
                    lines = [l for l in cell.split("\n") if has_words(l) and not copy_mark_in(l)]
                    for i, line in enumerate(lines):
                        found = title_kind(line)
                        if found and i < found[1]:
                            return found[0]
    return None


def block_has_text(block):
    if block[0] == "p":
        return has_words(block[1])
    if block[0] == "t":
        return any(has_words(c) for row in block[1] for c in row)
    return False


def read_word(path):
    """The documents a .docx holds: each starts at a page break with its title."""
    blocks = docx_blocks(path)
    segments, current = [], []
    for b in blocks:
        if b[0] == "br":
            segments.append(current)
            current = []
        else:
            current.append(b)
    segments.append(current)
    parts = []  # (kind, blocks)
    for seg in segments:
        kind = find_title(seg)
        if kind is None and parts:
            parts[-1][1].extend(seg)
        elif kind is None and not any(block_has_text(b) for b in seg):
            continue
        else:
            parts.append((kind, list(seg)))
    out = []
    for kind, seg in parts:
        part = new_part(kind)
        for b in seg:
            if b[0] == "p":
                for i, line in enumerate(b[1].split("\n")):
                    read_line(part, line, b[2] if i == 0 else None)
            else:
                read_table(part, b[1])
        out.append(part)
    return out


def attachment_kind(file_name):
    folded = fold_words(file_name)
    ext = os.path.splitext(file_name)[1].lower().lstrip(".")
    for kind, names, exts in VOCAB.attachments:
        if ext in exts and any(contains_words(folded, n) for n in names):
            return kind
    return None


def read_folder(task):
    """Pool task: every non-spreadsheet file directly in one folder."""
    batch, rel = task
    folder = os.path.join(batch, rel)
    out = {"folder": rel, "files": [], "parts": [], "attachments": [], "unreadable": []}
    for name in sorted(os.listdir(folder), key=os.fsencode):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        ext = os.path.splitext(name)[1].lower()
        if ext in SPREADSHEET_EXTS:
            continue
        file_rel = f"{rel}/{name}" if rel else name
        out["files"].append(file_rel)
        if ext in WORD_EXTS:
            try:
                for part in read_word(path):
                    part["file"] = file_rel
                    out["parts"].append(part)
            except Exception as e:  # a broken .docx: the dossier needs review
                out["unreadable"].append((file_rel, f"{type(e).__name__}: {e}"))
        elif os.path.getsize(path) == 0:
            out["unreadable"].append((file_rel, "empty file (0 bytes)"))
        else:
            kind = attachment_kind(name)
            if kind:
                out["attachments"].append((kind, file_rel))
    return out


# --------------------------------------------------------------------------- lists


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return clean(str(value))


def cell_date(value, epoch):
    if isinstance(value, datetime):
        serial = (value - epoch).days
        if 1900 <= serial <= 2100:  # "1962" typed into a date-formatted cell
            return serial
        return make_date(value.year, value.month, value.day)
    if isinstance(value, date):
        return make_date(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 1900 <= value <= 2100:
            return int(value)
        try:
            d = openpyxl.utils.datetime.from_excel(value, epoch)
        except Exception:
            return None
        return make_date(d.year, d.month, d.day) if d else None
    if isinstance(value, str):
        return parse_date(value)
    return None


def is_stt(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    t = cell_text(value)
    t = t[:-1] if t.endswith(".") else t
    return t.isdigit() and len(t) <= 6


def read_list(task):
    """Pool task: one spreadsheet; its people rows with their fields."""
    batch, rel = task
    out = {"file": rel, "rows": [], "unreadable": None}
    try:
        wb = openpyxl.load_workbook(os.path.join(batch, rel), data_only=True)
    except Exception as e:
        out["unreadable"] = f"{type(e).__name__}: {e}"
        return out
    epoch = wb.epoch
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        # The header: the first row (of 40) naming the name and another column.
        header = None
        for r, row in enumerate(rows[:40]):
            fields = {VOCAB.columns.get(fold_words(cell_text(v))) for v in row} - {None}
            if "name" in fields and len(fields) >= 2:
                header = r
                break
        if header is None:
            continue
        cols = {}
        for c, v in enumerate(rows[header]):
            field = VOCAB.columns.get(fold_words(cell_text(v)))
            if field and field not in cols:
                cols[field] = c
        last_header = header
        # A second header row with sub-labels (Nam | Nữ under "Ngày sinh").
        if header + 1 < len(rows):
            below = rows[header + 1]
            if not any(is_stt(v) for v in below if v is not None):
                subs = {}
                for c, v in enumerate(below):
                    field = VOCAB.columns.get(fold_words(cell_text(v)))
                    if field and field not in cols and field not in subs:
                        subs[field] = c
                if subs:
                    cols.update(subs)
                    last_header = header + 1
        for r in range(last_header + 1, len(rows)):
            row = rows[r]

            def get(field):
                c = cols.get(field)
                return row[c] if c is not None and c < len(row) else None

            name = cell_text(get("name"))
            if not any(ch.isalpha() for ch in name):
                continue
            if "stt" in cols:
                if not is_stt(get("stt")) or cell_text(get("stt")) == "":
                    continue
            elif not any(cell_text(get(f)) for f in cols if f not in ("name", "note")):
                continue
            birth_value = get("birth_date")
            if cell_text(birth_value) == "":
                birth_value = get("birth_male") if cell_text(get("birth_male")) else get("birth_female")
            out["rows"].append({
                "place": f"{rel}!{ws.title}!{r + 1}",
                "name": name,
                "birth": cell_date(birth_value, epoch) if birth_value is not None else None,
                "unit": cell_text(get("unit")),
            })
    return out


# --------------------------------------------------------------------------- the batch


def walk(batch):
    """Folder tasks and list tasks, in byte-wise path order."""
    folders, lists = [], []
    for dirpath, dirnames, filenames in os.walk(batch):
        dirnames.sort(key=os.fsencode)
        rel = os.path.relpath(dirpath, batch)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        other = False
        for name in sorted(filenames, key=os.fsencode):
            if os.path.splitext(name)[1].lower() in SPREADSHEET_EXTS:
                lists.append(f"{rel}/{name}" if rel else name)
            else:
                other = True
        if other:
            folders.append(rel)
    return folders, lists


def parent(rel):
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def within(folder, ancestor):
    return ancestor == "" or folder == ancestor or folder.startswith(ancestor + "/")


def assemble(folder_results, list_results):
    """Dossiers (folders holding a form), request letters, list rows."""
    by_folder = {f["folder"]: f for f in folder_results}
    letters = [f["folder"] for f in folder_results
               if any(p["kind"] == "cong_van" for p in f["parts"])]
    homes = {f["folder"] for f in folder_results
             if any(p["kind"] in ("don", "bang_diem") for p in f["parts"])}
    if "" in homes and len(homes) > 1:
        homes.discard("")
    dossiers = {}
    for f in sorted(folder_results, key=lambda f: os.fsencode(f["folder"])):
        home = f["folder"]
        while home not in homes and home != "":
            home = parent(home)
        if home not in homes:
            continue  # a unit folder: its request letter, nothing else
        d = dossiers.setdefault(home, {"path": home, "files": [], "form": None, "transcript": None,
                                       "has": set(), "unreadable": []})
        d["files"].extend(f["files"])
        d["unreadable"].extend(f["unreadable"])
        for p in f["parts"]:
            if p["kind"] is None:
                continue
            d["has"].add(p["kind"])
            if p["kind"] == "don" and d["form"] is None:
                d["form"] = p
            if p["kind"] == "bang_diem" and d["transcript"] is None:
                d["transcript"] = p
        for kind, _ in f["attachments"]:
            d["has"].add(kind)
    for d in dossiers.values():
        if any(within(d["path"], l) for l in letters):
            d["has"].add("cong_van")
        else:
            d["has"].discard("cong_van")
    dossier_list = sorted(dossiers.values(), key=lambda d: os.fsencode(d["path"]))
    rows = []
    for lr in sorted(list_results, key=lambda l: os.fsencode(l["file"])):
        rows.extend(lr["rows"])
    return dossier_list, rows


def identity(d):
    for part in (d["form"], d["transcript"]):
        if part and part["fields"].get("name"):
            return part["fields"]["name"], parse_date(part["fields"].get("birth_date", ""))
    return None


def pair(dossiers, rows):
    """Applicants: each dossier, matched to a list row, plus unmatched rows."""
    ids = [identity(d) for d in dossiers]
    apps = [{"dossier": d, "row": None, "duplicate_of": None, "mismatches": []} for d in dossiers]
    # Decision 4: a later dossier of the same person (path order) is a copy.
    first_of = {}
    for i, ident in enumerate(ids):
        if ident is None:
            continue
        seen = first_of.setdefault(key(ident[0]), [])
        for j in seen:
            if compatible(ids[j][1], ident[1]):
                apps[i]["duplicate_of"] = j
                break
        else:
            seen.append(i)
    rows_by_key, rows_by_fold = {}, {}
    for r, row in enumerate(rows):
        rows_by_key.setdefault(key(row["name"]), []).append(r)
        rows_by_fold.setdefault(fold(row["name"]), []).append(r)
    taken = [False] * len(rows)
    originals = [i for i in range(len(apps)) if apps[i]["duplicate_of"] is None and ids[i]]
    # Three passes, strictest first: exact; same name, other birth date;
    # name differing only in diacritics, same birth date.
    for pass_no in (1, 2, 3):
        for i in originals:
            if apps[i]["row"] is not None:
                continue
            name, birth = ids[i]
            table = rows_by_fold if pass_no == 3 else rows_by_key
            for r in table.get(fold(name) if pass_no == 3 else key(name), []):
                if taken[r]:
                    continue
                row = rows[r]
                if pass_no == 1 and not compatible(birth, row["birth"]):
                    continue
                if pass_no == 3 and not (compatible(birth, row["birth"]) and key(row["name"]) != key(name)):
                    continue
                taken[r] = True
                apps[i]["row"] = r
                if pass_no == 2:
                    apps[i]["mismatches"].append("birth_date: list vs form")
                if pass_no == 3:
                    apps[i]["mismatches"].append("name: list vs form")
                break
    for a in apps:
        if a["duplicate_of"] is not None:
            a["row"] = apps[a["duplicate_of"]]["row"]
        form, tr = a["dossier"]["form"], a["dossier"]["transcript"]
        if form and tr:
            fa, ta = form["fields"].get("name", ""), tr["fields"].get("name", "")
            if fa and ta and key(fa) != key(ta):
                a["mismatches"].append("name: form vs transcript")
            fb = parse_date(form["fields"].get("birth_date", ""))
            tb = parse_date(tr["fields"].get("birth_date", ""))
            if fb is not None and tb is not None and not compatible(fb, tb):
                a["mismatches"].append("birth_date: form vs transcript")
    for r, row in enumerate(rows):
        if not taken[r]:
            apps.append({"dossier": None, "row": r, "duplicate_of": None, "mismatches": []})
    return apps


def coverage(transcript):
    """Matched periods and covered benchmark periods of a transcript."""
    hit = [False] * len(VOCAB.parts)
    matched = 0.0
    for name, periods in transcript["subjects"]:
        folded = fold_words(name)
        for i, (_, _, keywords) in enumerate(VOCAB.parts):
            if any(contains_words(folded, k) for k in keywords):
                hit[i] = True
                matched += periods or 0.0
                break
    covered = sum(p[1] for p, h in zip(VOCAB.parts, hit) if h)
    return matched, covered


def judge(app):
    """Status and reason codes of one applicant (the rules of the TOML file)."""
    d = app["dossier"]
    in_list = app["row"] is not None
    has_dossier = d is not None
    # Decision 6: an unreadable dossier, or one without a named form, is not judged.
    if d is not None:
        review = ["khong-doc-duoc" for _ in d["unreadable"]]
        if d["form"] is None:
            review.append("thieu-don")
        elif not d["form"]["fields"].get("name"):
            review.append("thieu-ho-ten")
        if review:
            return "needs_review", review
    has = d["has"] if d else set()
    form = d["form"]["fields"] if d and d["form"] else {}
    signed = iso(d["form"]["signed"]) if d and d["form"] else ""
    tr = d["transcript"] if d else None
    total = VOCAB.benchmark_total
    codes = []  # (code, severity)

    if in_list and not has_dossier:
        codes.append(("khong-co-ho-so", "reject"))
    if has_dossier and not in_list:
        codes.append(("ngoai-danh-sach", "reject"))
    if app["mismatches"]:
        codes.append(("lech-thong-tin", "reject"))
    if has_dossier:
        if app["duplicate_of"] is not None:
            codes.append(("trung-ho-so", "reject"))
        if "bang_diem" not in has:
            codes.append(("thieu-bang-diem", "reject"))
        if "van_bang" not in has:
            codes.append(("thieu-van-bang", "reject"))
        if "cong_van" not in has:
            codes.append(("thieu-cong-van", "reject"))
        if "bang_diem" in has and not contains_any(
                (tr or {}).get("copy_mark") or "", ["bản chính", "bản sao có chứng thực", "sao y bản chính"]):
            codes.append(("bang-diem-khong-hop-le", "reject"))
        if "don" in has:
            if blank_or(form.get("party_date", ""), ["không", "chưa", "chưa vào đảng"]) and \
                    blank_or(form.get("position", ""), ["không"]):
                codes.append(("khong-thuoc-doi-tuong", "reject"))
            if contains_any(form.get("institution", ""),
                            ["trường chính trị", "trung tâm chính trị", "học viện chính trị"]):
                codes.append(("da-hoc-truong-chinh-tri", "reject"))
        if "bang_diem" in has:
            matched, covered = coverage(tr) if tr else (0.0, 0.0)
            if matched < 0.8 * total:
                codes.append(("thieu-so-tiet", "reject"))
            if covered < 0.75 * total:
                codes.append(("thieu-noi-dung", "reject"))
        if signed != "" and signed >= VOCAB.cutoff:
            codes.append(("qua-han", "reject"))
        if "don" in has and contains_any(form.get("current_level", ""), ["sơ cấp", "trung cấp", "cao cấp"]):
            codes.append(("da-co-trinh-do", "warning"))
    status = "rejected" if any(s == "reject" for _, s in codes) else "accepted"
    return status, [c for c, _ in codes]


# --------------------------------------------------------------------------- main


def run_task(task):
    kind, batch, rel = task
    return read_list((batch, rel)) if kind == "list" else read_folder((batch, rel))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("batch")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", default="baseline-verdicts.json")
    ap.add_argument("--rules", default=DEFAULT_RULES)
    args = ap.parse_args()
    batch = os.path.abspath(args.batch)

    init_worker(args.rules)
    folders, lists = walk(batch)
    # One task per list file and per folder (a dossier, or a unit's letter).
    tasks = [("list", batch, l) for l in lists] + [("folder", batch, f) for f in folders]
    if args.jobs == 1:
        results = [run_task(t) for t in tasks]
    else:
        with multiprocessing.Pool(args.jobs, initializer=init_worker, initargs=(args.rules,)) as pool:
            results = pool.map(run_task, tasks, chunksize=8)
    list_results = [r for r in results if "rows" in r]
    folder_results = [r for r in results if "folder" in r]

    dossiers, rows = assemble(folder_results, list_results)
    apps = pair(dossiers, rows)
    verdicts = []
    for a in apps:
        status, codes = judge(a)
        d = a["dossier"]
        row = rows[a["row"]] if a["row"] is not None else None
        ident = identity(d) if d else None
        verdicts.append({
            "name": ident[0] if ident else (row["name"] if row else d["path"]),
            "dossier": d["path"] if d else None,
            "list_row": row["place"] if row else None,
            "status": status,
            "codes": codes,
        })
    summary = {"total": len(verdicts)}
    for s in ("accepted", "rejected", "needs_review"):
        summary[s] = sum(v["status"] == s for v in verdicts)
    n_folders = len(dossiers)
    unreadable_lists = [l["file"] for l in list_results if l["unreadable"]]
    wall = time.perf_counter() - T0
    # As `hoso bench` counts: a batch of N dossiers is N verdicts (one per
    # dossier folder, plus one per list row that has no dossier).
    n = summary["total"]
    per = wall * 1000 * args.jobs / n if n else 0.0
    out = {
        "summary": summary,
        "timing": {"dossiers": n, "dossier_folders": n_folders, "jobs": args.jobs,
                   "wall_s": round(wall, 3), "ms_per_dossier_per_core": round(per, 3)},
        "unreadable_lists": unreadable_lists,
        "verdicts": verdicts,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(f"dossiers: {n} ({n_folders} dossier folders; {summary['accepted']} accepted, "
          f"{summary['rejected']} rejected, {summary['needs_review']} needs review)",
          file=sys.stderr)
    print(f"jobs: {args.jobs}  wall: {wall:.2f} s  "
          f"ms per dossier per core: {per:.2f}", file=sys.stderr)

if __name__ == "__main__":
    main()
