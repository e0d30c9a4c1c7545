#!/usr/bin/env python3
"""Writes the seed corpora and the JSON dictionary for the fuzz targets.

usage: seeds.py SPEC_DIR OUT_DIR
  OUT_DIR/seeds/config/  schema/test/config/**.json and every ```json block of
                         config.md / config-linux.md (fragments wrapped in {})
  OUT_DIR/seeds/state/   schema/test/state/**.json, runtime.md's state example
                         and fuzz/seeds/state/* (berth's own record layouts)
  OUT_DIR/json.dict      every property name of the schemas and examples
"""
import hashlib
import json
import pathlib
import re
import sys

spec = pathlib.Path(sys.argv[1])
out = pathlib.Path(sys.argv[2])
here = pathlib.Path(__file__).resolve().parent


def put(kind, text):
    d = out / "seeds" / kind
    d.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(text.encode()).hexdigest()
    (d / name).write_text(text)


def md_blocks(path):
    for block in re.findall(r"```json\n(.*?)```", path.read_text(), re.S):
        block = block.strip()
        if not block.startswith("{"):
            block = "{" + block + "}"  # "process": {...} and similar fragments
        yield block


keys = set()


def collect_keys(node):
    if isinstance(node, dict):
        for k, v in node.items():
            keys.add(k)
            collect_keys(v)
    elif isinstance(node, list):
        for v in node:
            collect_keys(v)


for f in sorted((spec / "schema/test/config").rglob("*.json")):
    put("config", f.read_text())
for md in ("config.md", "config-linux.md"):
    for block in md_blocks(spec / md):
        put("config", block)
for f in sorted((spec / "schema/test/state").rglob("*.json")):
    put("state", f.read_text())
for block in md_blocks(spec / "runtime.md"):
    put("state", block)
for f in sorted((here / "seeds/state").glob("*")):
    put("state", f.read_text())

for f in sorted((spec / "schema").rglob("*.json")) + sorted((out / "seeds").rglob("*")):
    if f.is_file():
        try:
            collect_keys(json.loads(f.read_text()))
        except ValueError:
            pass
words = sorted(k for k in keys if k and all(32 <= ord(c) < 127 and c not in '"\\' for c in k))
with open(out / "json.dict", "w") as d:
    for w in words:
        d.write('"\\"%s\\""\n' % w)
    for tok in ("{", "}", "[", "]", ":", ",", "null", "true", "false", "-1", "1e400",
                "18446744073709551616", "\\u0000", "\\ud800"):
        d.write('"%s"\n' % tok.replace("\\", "\\\\"))
n_config = len(list((out / "seeds/config").iterdir()))
n_state = len(list((out / "seeds/state").iterdir()))
print(f"seeds: {n_config} config, {n_state} state, {len(words)} dictionary words")
