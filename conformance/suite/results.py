"""Check results: TAP output, the per-runtime summary and the side-by-side
table of several runtimes."""

from . import notes as notes_mod


class Check:
    def __init__(self, group, cid, desc, ref, ok, detail="", level="MUST", skip=None):
        self.group, self.cid, self.desc, self.ref = group, cid, desc, ref
        self.ok, self.detail, self.level, self.skip = ok, detail, level, skip
        self.deviation = False  # set by the driver from notes.DEVIATIONS

    @property
    def status(self):
        if self.skip is not None:
            return "skip"
        if self.ok:
            return "pass"
        if self.level == "SHOULD":
            return "should"
        return "deviation" if self.deviation else "fail"


def _clean(text):
    return str(text).replace("#", "\\#").replace("\n", " ")


def tap_lines(checks, runtime=None, host=None):
    yield "TAP version 13"
    if runtime:
        yield f"# runtime: {runtime}"
    yield f"1..{len(checks)}"
    for i, c in enumerate(checks, 1):
        desc = _clean(f"{c.group}: {c.desc}")
        if c.status == "skip":
            yield f"ok {i} - {desc} # SKIP {c.skip} ({c.ref})"
            continue
        if c.status == "pass":
            yield f"ok {i} - {desc} # {c.ref}"
            continue
        if c.status == "should":
            yield f"not ok {i} - {desc} # TODO SHOULD-level, not counted as a failure: {c.ref}"
        elif c.status == "deviation":
            yield f"not ok {i} - {desc} # TODO deliberate deviation, not counted as a failure: {c.ref}"
        else:
            yield f"not ok {i} - {desc} # {c.ref}"
        if c.detail:
            yield f"#   got: {c.detail}"
        note = notes_mod.note_for(c.cid, runtime, host)
        if note:
            yield f"#   note: {note}"


def counts(checks):
    out = {"pass": 0, "fail": 0, "should": 0, "skip": 0, "deviation": 0}
    for c in checks:
        out[c.status] += 1
    return out


def groups_in_order(*check_lists):
    seen = []
    for checks in check_lists:
        for c in checks:
            if c.group not in seen:
                seen.append(c.group)
    return seen


def summary_lines(checks, runtime):
    yield f"## {runtime}: pass/fail per group"
    yield ""
    yield "| group | pass | fail | SHOULD failed | skip | deliberate deviation |"
    yield "| --- | ---: | ---: | ---: | ---: | ---: |"
    for g in groups_in_order(checks):
        n = counts([c for c in checks if c.group == g])
        yield f"| {g} | {n['pass']} | {n['fail']} | {n['should']} | {n['skip']} | {n['deviation']} |"
    n = counts(checks)
    yield (f"| **total** | **{n['pass']}** | **{n['fail']}** | **{n['should']}** | **{n['skip']}** "
           f"| **{n['deviation']}** |")


SYMBOL = {"pass": "ok", "fail": "FAIL", "should": "fail (SHOULD)", "skip": "skip",
          "deviation": "fail (deliberate deviation)"}


def compare_lines(runs, host=None):
    """runs: list of (runtime name, checks)."""
    names = [n for n, _ in runs]
    yield "## Side by side: pass / fail / SHOULD failed / skip per group (+ deliberate deviations)"
    yield ""
    yield "| group | " + " | ".join(names) + " |"
    yield "| --- | " + " | ".join("---" for _ in names) + " |"
    for g in groups_in_order(*[c for _, c in runs]):
        cells = []
        for _, checks in runs:
            n = counts([c for c in checks if c.group == g])
            dev = f" + {n['deviation']} dev." if n["deviation"] else ""
            cells.append(f"{n['pass']} / {n['fail']} / {n['should']} / {n['skip']}{dev}")
        yield f"| {g} | " + " | ".join(cells) + " |"
    cells = []
    for _, checks in runs:
        n = counts(checks)
        dev = f" + {n['deviation']} dev." if n["deviation"] else ""
        cells.append(f"**{n['pass']} / {n['fail']} / {n['should']} / {n['skip']}{dev}**")
    yield "| **total** | " + " | ".join(cells) + " |"
    yield ""
    # The checks that did not pass everywhere, one row each.
    by_id = {}
    order = []
    for name, checks in runs:
        for c in checks:
            if c.cid not in by_id:
                by_id[c.cid] = {}
                order.append(c.cid)
            by_id[c.cid][name] = c
    rows = [cid for cid in order if any(c.status != "pass" for c in by_id[cid].values())]
    if not rows:
        yield "Every check passed on every runtime."
        return
    yield "## Checks that did not pass on every runtime"
    yield ""
    yield "| check | " + " | ".join(names) + " | note |"
    yield "| --- | " + " | ".join("---" for _ in names) + " | --- |"
    for cid in rows:
        per = by_id[cid]
        first = next(iter(per.values()))
        cells = [SYMBOL[per[n].status] if n in per else "-" for n in names]
        notes = []
        failing = [n for n in names if n in per and per[n].status != "pass"]
        texts = {}
        unexplained = []
        for n in failing:
            note = notes_mod.note_for(cid, n, host)
            if note:
                texts.setdefault(note, []).append(n)
            elif per[n].status == "skip":
                texts.setdefault(f"skipped: {per[n].skip}", []).append(n)
            else:
                unexplained.append(n)
        for note, who in texts.items():
            notes.append(note if len(names) == 1 else f"{'/'.join(who)}: {note}.")
        # A failure without a note is not understood yet: say so, never leave the cell empty.
        if unexplained:
            passing = [n for n in names if n in per and per[n].status == "pass"]
            why = (f"a bug of the runtime ({'/'.join(passing)} pass{'es' if len(passing) == 1 else ''})" if passing
                   else "no runtime passes")
            notes.append(f"{'/'.join(unexplained)}: NOT EXPLAINED yet, {why}: see the details in "
                         f"{', '.join(n + '.tap' for n in unexplained)}.")
        yield f"| {first.group}: {_clean(first.desc)} (`{cid}`) | " + " | ".join(cells) + " | " + \
            _clean(" ".join(notes)).replace("|", "\\|") + " |"
