#!/usr/bin/env python3
"""Writes the committed seed inputs in fuzz/seeds/<target>/ from the test
fixtures: a few whole files per target, and XML parts prefixed with the mode
byte that makes the target wrap them back into a package (see
fuzz/fuzz_targets/common.rs). Run from anywhere: python3 fuzz/make-seeds.py"""

import os
import shutil
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
DOCX = os.path.join(ROOT, "tests", "fixtures", "docx")
LISTS = os.path.join(ROOT, "tests", "fixtures", "lists")


def whole(target, src, name=None):
    shutil.copy(src, os.path.join(SEEDS, target, name or os.path.basename(src)))


def part(target, mode, src, entry, name):
    with zipfile.ZipFile(src) as z:
        data = z.read(entry)
    with open(os.path.join(SEEDS, target, name), "wb") as f:
        f.write(bytes([mode]) + data)


def text(target, name, content):
    with open(os.path.join(SEEDS, target, name), "w", encoding="utf-8") as f:
        f.write(content)


def main():
    for t in ("docx", "spreadsheet", "rules"):
        shutil.rmtree(os.path.join(SEEDS, t), ignore_errors=True)
        os.makedirs(os.path.join(SEEDS, t))

    whole("docx", os.path.join(DOCX, "don-de-nghi.docx"))
    whole("docx", os.path.join(DOCX, "resaved", "ho-so-gop.docx"), "ho-so-gop-lo.docx")
    part("docx", 1, os.path.join(DOCX, "don-de-nghi.docx"), "word/document.xml", "form.xml")
    part("docx", 1, os.path.join(DOCX, "bang-diem.docx"), "word/document.xml", "transcript.xml")
    part("docx", 1, os.path.join(DOCX, "ho-so-gop.docx"), "word/document.xml", "combined.xml")
    part("docx", 1, os.path.join(DOCX, "bang-diem-textbox.docx"), "word/document.xml", "textbox.xml")
    part("docx", 1, os.path.join(DOCX, "hostile", "nested-tables.docx"), "word/document.xml", "nested.xml")
    part("docx", 2, os.path.join(DOCX, "don-de-nghi.docx"), "word/header1.xml", "header.xml")

    whole("spreadsheet", os.path.join(LISTS, "list.xlsx"))
    whole("spreadsheet", os.path.join(LISTS, "xlwt.xls"))
    whole("spreadsheet", os.path.join(LISTS, "nam-nu-lo.xls"))
    whole("spreadsheet", os.path.join(LISTS, "epoch1904.xlsx"))
    part("spreadsheet", 1, os.path.join(LISTS, "nam-nu-lo.xlsx"), "xl/worksheets/sheet1.xml", "sheet.xml")
    part("spreadsheet", 1, os.path.join(LISTS, "list.xlsx"), "xl/worksheets/sheet1.xml", "sheet-openpyxl.xml")
    part("spreadsheet", 2, os.path.join(LISTS, "nam-nu-lo.xlsx"), "xl/sharedStrings.xml", "shared-strings.xml")
    part("spreadsheet", 3, os.path.join(LISTS, "nam-nu-lo.xlsx"), "xl/workbook.xml", "workbook.xml")
    part("spreadsheet", 4, os.path.join(LISTS, "nam-nu-lo.ods"), "content.xml", "content.xml")

    whole("rules", os.path.join(ROOT, "rules", "tuong-duong-so-cap.toml"))
    for name, fails, reason in [
        ("in-list", "in_list && !has_dossier", "Có tên {list.name} nhưng không có hồ sơ"),
        ("mismatches", "size(mismatches) > 0", "Thông tin không khớp: {mismatches}"),
        ("school", "contains_any(form.institution, ['trường chính trị', 'học viện'])", "Học tại {form.institution}"),
        ("periods", "periods.matched < benchmark.total * 0.8", "Số tiết {periods.matched} / {benchmark.total}"),
        ("missing", "periods.covered_percent < 75.0 && size(periods.missing_parts) > 0", "thiếu: {periods.missing_parts}"),
        ("blank", "blank_or(form.party_date, ['không', 'chưa']) && fold(form.position) == ''", "{fold(form.name)}"),
        ("signed", "form.signed >= '2021-07-09'", "ký ngày {form.signed}"),
    ]:
        text("rules", name, f"{fails}\0{reason}")

    for t in sorted(os.listdir(SEEDS)):
        files = sorted(os.listdir(os.path.join(SEEDS, t)))
        size = sum(os.path.getsize(os.path.join(SEEDS, t, f)) for f in files)
        print(f"{t}: {len(files)} seeds, {size} bytes")


if __name__ == "__main__":
    main()
