#!/usr/bin/env python3
"""Turns a fuzz input into the file the target actually read, for a
regression fixture: inputs that start with a mode byte are XML parts that
the target wraps into a template package (see fuzz_targets/common.rs).

    python3 fuzz/materialize.py spreadsheet fuzz/artifacts/spreadsheet/crash-... out.xlsx
"""
import os
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
MODES = {
    "docx": {
        1: ("docx/don-de-nghi.docx", "word/document.xml"),
        2: ("docx/don-de-nghi.docx", "word/header1.xml"),
    },
    "spreadsheet": {
        1: ("lists/nam-nu-lo.xlsx", "xl/worksheets/sheet1.xml"),
        2: ("lists/nam-nu-lo.xlsx", "xl/sharedStrings.xml"),
        3: ("lists/nam-nu-lo.xlsx", "xl/workbook.xml"),
        4: ("lists/nam-nu-lo.ods", "content.xml"),
    },
}


def main(target, artifact, dest):
    data = open(artifact, "rb").read()
    mode = MODES.get(target, {}).get(data[0] if data else None)
    if mode is None:
        open(dest, "wb").write(data)
        return
    template, part = mode
    with zipfile.ZipFile(os.path.join(FIXTURES, template)) as zin, zipfile.ZipFile(
        dest, "w", zipfile.ZIP_STORED
    ) as zout:
        for item in zin.infolist():
            if item.is_dir():
                continue
            content = data[1:] if item.filename == part else zin.read(item.filename)
            zout.writestr(item.filename, content)


if __name__ == "__main__":
    main(*sys.argv[1:4])
