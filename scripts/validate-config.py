#!/usr/bin/python3
"""Checks a bundle's config.json: always a few basic rules (ociVersion,
root.path, non-empty process.args, absolute process.cwd; with
--absolute-cgroups-path also an absolute linux.cgroupsPath, which this
machine's demo and tests require), and the OCI runtime-spec JSON schema
(config-schema.json) when --schema-dir, $BERTH_SPEC_DIR/schema, or
../shared/runtime-spec/schema beside the repository has it.
Exit 0 when valid; otherwise prints every problem and exits 1.
"""
import argparse
import json
import os
import pathlib
import sys


def find_schema_dir(arg):
    if arg:  # an explicit directory must hold the schema
        if not (pathlib.Path(arg) / "config-schema.json").is_file():
            sys.exit("validate-config: %s has no config-schema.json" % arg)
        return pathlib.Path(arg).resolve()
    repo = pathlib.Path(__file__).resolve().parent.parent
    candidates = []
    if os.environ.get("BERTH_SPEC_DIR"):
        candidates.append(os.path.join(os.environ["BERTH_SPEC_DIR"], "schema"))
    candidates.append(repo.parent / "shared" / "runtime-spec" / "schema")
    for c in candidates:
        if c and (pathlib.Path(c) / "config-schema.json").is_file():
            return pathlib.Path(c).resolve()
    return None


def basic_problems(cfg, absolute_cgroups):
    problems = []
    proc = cfg.get("process") or {}
    if not isinstance(cfg.get("ociVersion"), str):
        problems.append("ociVersion: missing")
    if not (cfg.get("root") or {}).get("path"):
        problems.append("root.path: missing")
    if not proc.get("args"):
        problems.append("process.args: missing or empty")
    if not str(proc.get("cwd", "")).startswith("/"):
        problems.append("process.cwd: must be an absolute path")
    cg = (cfg.get("linux") or {}).get("cgroupsPath")
    if absolute_cgroups and not (isinstance(cg, str) and cg.startswith("/")):
        problems.append("linux.cgroupsPath: must be an absolute path on this machine, got %r" % (cg,))
    return problems


def schema_problems(cfg, schema_dir):
    import jsonschema  # python3-jsonschema

    with open(schema_dir / "config-schema.json") as f:
        schema = json.load(f)
    resolver = jsonschema.RefResolver(base_uri=schema_dir.as_uri() + "/", referrer=schema)
    validator = jsonschema.Draft4Validator(schema, resolver=resolver)
    return ["schema: %s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)", e.message)
            for e in validator.iter_errors(cfg)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config", help="path of config.json")
    ap.add_argument("--schema-dir", help="directory holding config-schema.json")
    ap.add_argument("--absolute-cgroups-path", action="store_true",
                    help="require linux.cgroupsPath to be set and absolute")
    args = ap.parse_args()
    path = args.config
    try:
        with open(path) as f:
            cfg = json.load(f)
    except (OSError, ValueError) as e:
        print("validate-config: %s: %s" % (path, e), file=sys.stderr)
        return 1
    problems = basic_problems(cfg, args.absolute_cgroups_path)
    schema_dir = find_schema_dir(args.schema_dir)
    if schema_dir:
        problems += schema_problems(cfg, schema_dir)
    for p in problems:
        print("validate-config: %s: %s" % (path, p), file=sys.stderr)
    if problems:
        return 1
    what = "runtime-spec schema %s" % schema_dir if schema_dir else "basic checks only (no runtime-spec schema found)"
    print("validate-config: %s is valid (%s)" % (path, what))
    return 0


if __name__ == "__main__":
    sys.exit(main())
