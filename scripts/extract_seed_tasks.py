#!/usr/bin/env python3
"""Extracts the task tables of the five seed plans (../shared/seeds) as YAML task lists.

An authoring tool, run once to transcribe the appendices into criteria/plans/*.yaml;
those YAML files are the source of truth afterwards and are edited by hand. Usage:

    scripts/extract_seed_tasks.py SEED_FILE > tasks.yaml

Each seed lays its table out differently (pages repeat the header, a cell can continue
on the next page, numbers sit in their own column or at the start of the text), so each
has its own reader below; all write the same fields.
"""
import re
import sys


def clean(text):
    text = re.sub(r"</?(b|p)>", "", text)
    return re.sub(r"\s+", " ", text).strip()


def rows(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "\t" in line:
                yield [clean(c) for c in line.rstrip("\n").split("\t")]


def is_header(cells):
    return cells and cells[0] in ("Số TT", "STT", "Nhiệm vụ chung")


def tra_vinh(path):
    """000: area | 'N. text' | lead | coordinating | due | budget; continuations."""
    tasks, area = [], ""
    for cells in rows(path):
        if is_header(cells):
            continue
        cells += [""] * (6 - len(cells))
        head, text, lead, coord, due, budget = cells[:6]
        if head:
            # An area title can be split over a page break ("VII. Xây dựng và" + rest).
            area = head if re.match(r"^[IVX]+\.", head) else f"{area} {head}"
            area = area.strip()
            for t in tasks:
                if t["area"].startswith(area.split(" ")[0] + " ") and len(t["area"]) < len(area):
                    t["area"] = area
        m = re.match(r"^(\d+)\.\s*(.*)$", text)
        if m:
            tasks.append(dict(area=area, number=m.group(1), text=m.group(2), lead=lead,
                              coordinating=coord, due=due, budget=budget))
        elif tasks:  # the rest of the previous row, after a page break
            t = tasks[-1]
            t["text"] = f"{t['text']} {text}".strip()
            for key, value in (("lead", lead), ("coordinating", coord), ("due", due), ("budget", budget)):
                if value and not t[key]:
                    t[key] = value
    return tasks


def vung_tau(path):
    """002: area | number | task | deliverable | lead | coord | due | budget; from task 30
    the number is at the start of the task cell and the columns shift left."""
    tasks, area = [], ""
    for cells in rows(path):
        if is_header(cells):
            continue
        head = cells[0]
        if head:
            area = head
        rest = cells[1:]
        m = re.match(r"^(\d+)\s+(.*)$", rest[0]) if rest else None
        if rest and rest[0].isdigit():
            number, rest = rest[0], rest[1:]
        elif m:
            number, rest = m.group(1), [m.group(2)] + rest[1:]
        else:
            continue
        rest += [""] * (6 - len(rest))
        text, deliverable, lead, coord, due, budget = rest[:6]
        tasks.append(dict(area=area, number=number, text=text, deliverable=deliverable,
                          lead=lead, coordinating=coord, due=due, budget=budget))
    return tasks


def hung_yen(path):
    """003: number | task | activity | deliverable | lead | coord | due. Rows with no
    number are further activities of the task above; area rows are bold."""
    tasks, area, current = [], "", None
    for cells in rows(path):
        if is_header(cells):
            continue
        cells += [""] * (7 - len(cells))
        number, task, activity, deliverable, lead, coord, due = cells[:7]
        if re.match(r"^[IVX]+\b", number) and not activity:
            area = clean(f"{number} {task}").strip()
            continue
        if number:
            current = dict(number=number, text=task)
        elif current is None:
            continue
        tasks.append(dict(area=area, number=current["number"], text=current["text"],
                          activity=activity, deliverable=deliverable, lead=lead,
                          coordinating=coord, due=due))
    return tasks


def soc_trang(path):
    """004: area | 'N. text' | deliverable | lead | coord | due; some rows are cut into
    <p> cells with the area missing."""
    tasks, area, pending = [], "", []
    for cells in rows(path):
        if is_header(cells):
            continue
        if re.match(r"^\d+\.", cells[0]):
            cells = [""] + cells  # a row whose area cell was lost
        cells += [""] * (6 - len(cells))
        head, text, deliverable, lead, coord, due = cells[:6]
        m = re.match(r"^(\d+)\.\s*(.*)$", text)
        if not m:
            continue
        if head:
            area = head
            for t in pending:  # a new area's first rows came before its label
                t["area"] = area
            pending = []
        task = dict(area=area, number=m.group(1), text=m.group(2),
                    deliverable=deliverable, lead=lead, coordinating=coord, due=due)
        if not head and m.group(1) == "1" and tasks:
            pending = [task]
        elif pending and not head:
            pending.append(task)
        tasks.append(task)
    return tasks


def trang_bang(path):
    """001: no table; the tasks are the lettered paragraphs of section II, by area."""
    tasks, area, inside = [], "", False
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]
    for line in lines:
        s = line.strip()
        if s.startswith("II. NHIỆM VỤ"):
            inside = True
            continue
        if s.startswith("III. "):
            break
        if not inside or not s:
            continue
        m = re.match(r"^(\d+)\.\s*(.*)$", s)
        if m:
            area = f"{m.group(1)}. {m.group(2)}"
            continue
        m = re.match(r"^([a-zđ])\)\s*(.*)$", s)
        if m:
            tasks.append(dict(area=area, number=m.group(1), text=m.group(2)))
        elif s.startswith("- ") or (tasks and tasks[-1]["area"] != area) or not tasks:
            # Areas 6-8 are a paragraph or dashes, not lettered items.
            tasks.append(dict(area=area, number=str(sum(1 for t in tasks if t["area"] == area) + 1),
                              text=s.lstrip("- ").strip()))
        else:
            tasks[-1]["text"] += " " + s
    return tasks


READERS = {"000": tra_vinh, "001": trang_bang, "002": vung_tau, "003": hung_yen, "004": soc_trang}
FIELDS = ["area", "number", "text", "activity", "deliverable", "lead", "coordinating", "due", "budget"]


def quote(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    path = sys.argv[1]
    seed = path.rsplit("/", 1)[-1][:3]
    tasks = READERS[seed](path)
    print("tasks:")
    for t in tasks:
        first = True
        for key in FIELDS:
            value = clean(t.get(key, ""))
            if not value:
                continue
            print(f"  {'- ' if first else '  '}{key}: {quote(value)}")
            first = False


if __name__ == "__main__":
    main()
