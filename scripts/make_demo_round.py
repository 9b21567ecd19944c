#!/usr/bin/env python3
"""Writes the demo round's figures: Hưng Yên city's 7 wards and 10 communes scored on
criteria/sets/commune-2025.yaml against criteria/plans/hungyen-2023.yaml.

An authoring tool (run once; its output criteria/rounds/hungyen-2023/figures.yaml is
committed and is what `make run` loads). Deterministic: a fixed seed, and a few units
set by hand so the demo shows the cases users meet:
  - Phường Lam Sơn resolves exactly 95.00% on time against the strict "> 95%" target;
  - Phường Hồng Châu has zero denominators (nothing to digitise, no finding, no late
    dossier), so those criteria are not applicable or earn full marks per the set;
  - Xã Phú Cường leaves several figures unreported;
  - Xã Hoàng Hanh has no survey answers, so its index is rescaled over the rest.

Usage: scripts/make_demo_round.py > criteria/rounds/hungyen-2023/figures.yaml

Its output has since been converted to data sheets (each unit's `values:`, every figure
typed once; the file's header says how copies that disagreed were reconciled): the
committed file, not a new run of this script, is the demo round. Its survey answers
have since moved to criteria/rounds/hungyen-2023/survey.csv (the office imports them in
appraisal), so that the figures file is the round `make run` serves.
"""
import datetime
import random

import yaml

SET = "criteria/sets/commune-2025.yaml"
# Unit codes are given, not derived: initials collide (Phương Chiểu, Phú Cường).
WARDS = [("PLS", "Lam Sơn"), ("PHN", "Hiến Nam"), ("PAT", "An Tảo"), ("PLL", "Lê Lợi"),
         ("PMK", "Minh Khai"), ("PQT", "Quang Trung"), ("PHC", "Hồng Châu")]
COMMUNES = [("XBK", "Bảo Khê"), ("XTN", "Trung Nghĩa"), ("XLP", "Liên Phương"),
            ("XHN", "Hồng Nam"), ("XQC", "Quảng Châu"), ("XHH", "Hoàng Hanh"),
            ("XPCH", "Phương Chiểu"), ("XTH", "Tân Hưng"), ("XHC", "Hùng Cường"),
            ("XPCU", "Phú Cường")]
DEADLINES = {"report_q1": datetime.date(2023, 3, 14), "report_h1": datetime.date(2023, 6, 14),
             "report_q3": datetime.date(2023, 9, 14), "report_year": datetime.date(2023, 12, 14)}


def leaves(criteria):
    for c in criteria:
        if "criteria" in c:
            yield from leaves(c["criteria"])
        else:
            yield c


def main():
    with open(SET, encoding="utf-8") as f:
        criteria_set = yaml.safe_load(f)
    indicators = {i["id"]: i for i in criteria_set["indicators"]}
    rng = random.Random(20231231)
    units = [(c, "Phường " + n, "ward") for c, n in WARDS] + \
            [(c, "Xã " + n, "commune") for c, n in COMMUNES]

    out = []
    for code, name, kind in units:
        quality = rng.uniform(0.72, 1.0)  # how well the unit does overall
        entries = {}
        for area in criteria_set["areas"]:
            for leaf in leaves(area["criteria"]):
                rule = leaf["rule"]
                shape = next(iter(rule))
                body = rule[shape] or {}
                mx = float(leaf["max"])
                if shape in ("bands", "inverse", "linear", "target", "count", "adjustment"):
                    ind = indicators[body["indicator"]]
                    nums = ind["numerator"] if isinstance(ind["numerator"], list) else [ind["numerator"]]
                    dens = ind.get("denominator", [])
                    dens = dens if isinstance(dens, list) else [dens]
                    figures = {}
                    if shape == "adjustment":
                        if rng.random() < 0.25:
                            figures[nums[0]] = 1
                    elif not dens:
                        figures[nums[0]] = int(rng.random() * 6 * quality)
                    elif ind["unit"] == "minutes":
                        visits = rng.randint(800, 3000)
                        figures = {nums[0]: int(visits * rng.uniform(12, 38) / quality ** 0.5), dens[0]: visits}
                    else:
                        den = rng.randint(20, 1200)
                        good = body["indicator"] not in ("late_rate",)
                        if not good:
                            rate = rng.uniform(0, 0.05) * (1.2 - quality)
                        elif rng.random() < quality ** 2:
                            rate = 1.0  # many targets are "100%", and good units meet them
                        else:
                            rate = min(1.0, 1 - (1 - quality) * rng.uniform(0.2, 1.6))
                        total = int(round(den * rate))
                        figures[dens[0]] = den
                        if len(nums) == 1:
                            figures[nums[0]] = total
                        else:
                            first = total // 2
                            figures[nums[0]] = first
                            figures[nums[1]] = total - first
                    if figures:
                        entries[leaf["code"]] = {"figures": figures}
                elif shape == "boolean":
                    entries[leaf["code"]] = {"done": rng.random() < 0.45 + 0.55 * quality}
                elif shape == "deadline":
                    due = DEADLINES.get(body.get("plan_deadline"))
                    if due is not None:
                        delay = int(rng.gauss(-4, 4) + (1 - quality) * 8)
                        entries[leaf["code"]] = {"issued": (due + datetime.timedelta(days=delay)).strftime("%d/%m/%Y")}
                elif shape == "judgement":
                    entries[leaf["code"]] = {"score": round(mx * min(1.0, quality * rng.uniform(0.8, 1.15)) * 4) / 4}
                elif shape == "survey":
                    n = rng.randint(60, 200)
                    a = int(n * quality * rng.uniform(0.7, 0.95))
                    b = int((n - a) * 0.6)
                    c = int((n - a - b) * 0.7)
                    entries[leaf["code"]] = {"survey": {"a": a, "b": b, "c": c, "d": n - a - b - c}}
        out.append({"code": code, "name": name, "kind": kind, "parent": "HYC",
                    "block": "wards" if kind == "ward" else "communes", "entries": entries})

    by_name = {u["name"]: u for u in out}
    # Exactly at the strict on-time target: 380 / 400 = 95.00%, not > 95%.
    by_name["Phường Lam Sơn"]["entries"]["III.2.1"] = {"figures": {"resolved_on_time": 380, "resolved": 400}}
    by_name["Phường Lam Sơn"]["entries"]["III.2.2"] = {"figures": {"resolved_early": 290, "resolved": 400}}
    # Zero denominators.
    hc = by_name["Phường Hồng Châu"]["entries"]
    hc["III.5.1"] = {"figures": {"results_digitised": 0, "results_issued": 0}}
    hc["I.3.2"] = {"figures": {"findings_handled": 0, "findings": 0}}
    hc["III.2.4"] = {"figures": {"late_with_apology": 0, "late_dossiers": 0}}
    # Figures not reported.
    pc = by_name["Xã Phú Cường"]["entries"]
    for code in ("VII.3", "VII.5", "III.3.2", "V.3"):
        pc.pop(code, None)
    pc["III.1.3"] = {"figures": {"received": 310}}
    # No survey.
    hh = by_name["Xã Hoàng Hanh"]["entries"]
    for code in [c for c in hh if c.startswith("VIII.")]:
        del hh[code]

    header = (
        "# Demo round: Hưng Yên city's 7 wards and 10 communes (names as before the 2025\n"
        "# merger) self-assessing for 2023 on commune-2025 against the city's plan\n"
        "# (199/KH-UBND). The figures are invented but deterministic; written by\n"
        "# scripts/make_demo_round.py, which says which units show which case.\n")
    doc = {"criteria_set": "commune-2025", "plan": "hungyen-2023", "units": out}
    print(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), end="")


if __name__ == "__main__":
    main()
