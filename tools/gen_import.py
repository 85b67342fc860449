#!/usr/bin/env python3
"""Writes a CSV for `varna import` of the given number of rows, in the
format of docs/import/ (the sample's columns), for measuring the import.

    python3 tools/gen_import.py ROWS FILE

Avvikelser, lex Sarah, lex Maria and complaints over the demo's four
units (linden, hemtjanst-norr, lss-solrosen, hsl-hemsjukvard) and the
years 2022-2025, 80 % closed. The same ROWS always gives the same file.
The units must exist before the import (`varna units add`; see
BENCHMARKS.md "Other figures").
"""

import csv
import datetime
import random
import sys

HEADER = [
    "kind", "lagrum", "unit", "reported_on", "ruled_on", "closed_on",
    "outcome", "anmalan_sent_on", "category", "affected_gender",
    "feedback_kind", "what_happened",
]
UNITS = [("linden", "SoL"), ("hemtjanst-norr", "SoL"),
         ("lss-solrosen", "LSS"), ("hsl-hemsjukvard", "HSL")]
CATEGORIES = ["fall", "lakemedel", "bemotande", "dokumentation",
              "brist_vid_genomforande_av_insats"]
GENDERS = ["kvinna", "man", "ej_angivet"]
SARAH = ["no_missforhallande", "risk_of_missforhallande", "missforhallande",
         "serious_missforhallande"]
MARIA = ["vardskada", "serious_vardskada"]
# The ruled kinds: their outcomes, and the one sent to IVO.
RULED = {"lex-sarah": (SARAH, "serious_missforhallande"),
         "lex-maria": (MARIA, "serious_vardskada")}
FEEDBACK = ["klagomal", "synpunkt", "berom"]
TEXTS = ["Brukaren föll vid förflyttning", "Kvällsdosen gavs inte",
         "Uteblivet besök", "Fel dos insulin", "Maten kommer kall"]


def main() -> int:
    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    rows, path = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(rows)
    start = datetime.date(2022, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(HEADER)
        for _ in range(rows):
            unit, lagrum = rng.choice(UNITS)
            reported = start + datetime.timedelta(days=rng.randrange(4 * 365))
            closed = rng.random() < 0.8
            closed_on = reported + datetime.timedelta(days=rng.randrange(10, 120))
            ruled_on = reported + datetime.timedelta(days=rng.randrange(5, 9))
            kind = rng.choices(
                ["avvikelse", "lex-sarah", "lex-maria", "klagomal"],
                [70, 12, 6, 12])[0]
            if kind == "lex-sarah" and lagrum == "HSL":
                unit, lagrum = rng.choice(UNITS[:3])
            if kind == "lex-maria":
                unit, lagrum = UNITS[3]
            row = dict.fromkeys(HEADER, "")
            row.update(kind=kind, unit=unit, lagrum=lagrum,
                       reported_on=reported.isoformat(),
                       what_happened=rng.choice(TEXTS))
            if closed:
                row["closed_on"] = closed_on.isoformat()
            if kind == "avvikelse":
                row["category"] = rng.choice(CATEGORIES)
                row["affected_gender"] = rng.choice(GENDERS)
            elif kind in RULED:
                outcomes, serious = RULED[kind]
                row["affected_gender"] = rng.choice(GENDERS)
                if closed:
                    row["ruled_on"] = ruled_on.isoformat()
                    row["outcome"] = rng.choice(outcomes)
                    if row["outcome"] == serious:
                        row["anmalan_sent_on"] = ruled_on.isoformat()
            else:
                row["feedback_kind"] = rng.choice(FEEDBACK)
            w.writerow([row[h] for h in HEADER])
    return 0


if __name__ == "__main__":
    sys.exit(main())
