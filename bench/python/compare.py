#!/usr/bin/env python3
"""Compares hoso's verdicts.json with baseline.py's output.

    python3 compare.py VERDICTS_JSON BASELINE_JSON [--show N]

Applicants are matched by dossier path, or by list row for a list row
without a dossier. Prints how many agree on status and on the set of
reason codes (warnings included), and the first disagreements.
"""

import argparse
import json
import sys


def applicant_key(v):
    if v.get("dossier"):
        return "dossier " + v["dossier"]
    return "list row " + (v.get("list_row") or "?")


def hoso_verdicts(doc):
    out = {}
    for v in doc["verdicts"]:
        out[applicant_key(v)] = (v["status"], sorted(r["code"] for r in v["reasons"]), v)
    return out


def baseline_verdicts(doc):
    out = {}
    for v in doc["verdicts"]:
        out[applicant_key(v)] = (v["status"], sorted(v["codes"]), v)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("verdicts", help="hoso's verdicts.json")
    ap.add_argument("baseline", help="baseline.py's JSON")
    ap.add_argument("--show", type=int, default=10, help="disagreements to list")
    args = ap.parse_args()
    with open(args.verdicts, encoding="utf-8") as f:
        hoso = hoso_verdicts(json.load(f))
    with open(args.baseline, encoding="utf-8") as f:
        base = baseline_verdicts(json.load(f))

    only_hoso = sorted(set(hoso) - set(base))
    only_base = sorted(set(base) - set(hoso))
    both = sorted(set(hoso) & set(base))
    same_status = sum(hoso[k][0] == base[k][0] for k in both)
    same_codes = sum(hoso[k][1] == base[k][1] for k in both)
    same_both = [k for k in both if hoso[k][:2] == base[k][:2]]

    print(f"hoso verdicts:     {len(hoso)}")
    print(f"baseline verdicts: {len(base)}")
    print(f"in both:           {len(both)}  (only in hoso: {len(only_hoso)}, "
          f"only in baseline: {len(only_base)})")
    print(f"same status:       {same_status}/{len(both)}")
    print(f"same codes:        {same_codes}/{len(both)}")
    print(f"same status+codes: {len(same_both)}/{len(both)}")

    shown = 0
    for k in only_hoso[: args.show]:
        print(f"  only in hoso: {k}: {hoso[k][0]} {hoso[k][1]}")
        shown += 1
    for k in only_base[: args.show]:
        print(f"  only in baseline: {k}: {base[k][0]} {base[k][1]}")
        shown += 1
    differ = [k for k in both if hoso[k][:2] != base[k][:2]]
    for k in differ[: args.show]:
        print(f"  {k}: hoso {hoso[k][0]} {hoso[k][1]} / baseline {base[k][0]} {base[k][1]}")
    agree = not only_hoso and not only_base and not differ
    print("AGREE" if agree else f"DISAGREE ({len(differ)} differ, "
          f"{len(only_hoso) + len(only_base)} unpaired)")
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
