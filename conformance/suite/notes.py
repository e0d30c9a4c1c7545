"""Notes on checks whose result is explained by something other than a bug in
the runtime under test: a host limitation, an old runtime version, or a
sentence of the spec that can be read two ways. Shown in the TAP output under
a failed check and in the side-by-side table.

NOTES maps a check id to a text, or to {runtime name or "*": text}.
"""

NOTES = {}


def note_for(cid, runtime=None, host=None):
    note = NOTES.get(cid)
    if note is None:
        return ""
    if isinstance(note, str):
        return note
    for key in (runtime, "*"):
        if key in note:
            return note[key]
    return ""
