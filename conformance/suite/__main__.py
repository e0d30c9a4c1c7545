"""Entry point: python3 -m suite (run by conformance/run.sh)."""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback

from . import harness, notes, results, spec_refs
from .registry import TESTS
# Importing the test modules registers their tests, in this order.
from . import tests_runtime, tests_config, tests_hooks, tests_linux, tests_cgroups  # noqa: F401


def parse_args(argv):
    p = argparse.ArgumentParser(prog="conformance/run.sh", description=__doc__)
    p.add_argument("--runtime", action="append", default=[], metavar="NAME=PATH",
                   help="a runtime to test (repeatable; several make a side-by-side table)")
    p.add_argument("--checker", required=True, help="the static checker binary")
    p.add_argument("--repo", required=True)
    p.add_argument("--out", required=True, help="directory for TAP logs and tables")
    p.add_argument("--spec", default="", help="runtime-spec directory, to verify the citations")
    p.add_argument("--only", default="", help="comma-separated groups or test function names to run")
    p.add_argument("--compare", action="store_true")
    return p.parse_args(argv)


def make_template(base, repo, checker):
    template = os.path.join(base, "rootfs-template")
    prebuilt = os.environ.get("CONFORMANCE_TEMPLATE", "")
    if prebuilt and os.path.isdir(prebuilt):  # made on the host by run.sh --vm (forks are slow in the VM)
        subprocess.run(["cp", "-a", prebuilt, template], check=True)
    else:
        subprocess.run([os.path.join(repo, "scripts/make-busybox-rootfs.sh"), template], check=True)
    dest = template + harness.CHECKER_IN_ROOTFS
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copy2(checker, dest)
    os.chmod(dest, 0o755)
    # Fixtures some checks use.
    with open(os.path.join(template, "etc/conf-secret"), "w") as f:
        f.write("secret\n")
    for d in ("conf-ro", "conf-dev", "conf-order", "conf-nest", "mnt/late", "mnt/idmapped", "mnt/idmapped-own",
              "var/conf-cwd"):
        os.makedirs(os.path.join(template, d), exist_ok=True)
    with open(os.path.join(template, "conf-dev/clash"), "w") as f:
        f.write("a regular file\n")
    return template


def probe_version(ctx):
    """Checks that the runtime takes configs of the spec version under test;
    if it does not but takes an older one, the run goes on with that label."""
    def creates(version):
        ctx.oci_version = version
        b = ctx.bundle("version-" + version)
        b.write()
        c = harness.Container(ctx, b)
        r = c.create()
        if r.ok:
            c.delete(force=True)
        return r

    try:
        r = creates(harness.SPEC_VERSION)
        if r.ok:
            ctx.check("suite.ociVersion", f"the runtime accepts ociVersion {harness.SPEC_VERSION} configs",
                      spec_refs.render("ociVersion.compat"), True)
            return
        for older in harness.OLDER_VERSIONS:
            if creates(older).ok:
                ctx.check("suite.ociVersion", f"the runtime accepts ociVersion {harness.SPEC_VERSION} configs",
                          spec_refs.render("ociVersion.compat"), False,
                          f"{r.why()}; the run goes on with ociVersion {older} in every bundle")
                return
        ctx.oci_version = harness.SPEC_VERSION
        ctx.check("suite.ociVersion", f"the runtime accepts ociVersion {harness.SPEC_VERSION} configs",
                  spec_refs.render("ociVersion.compat"), False, r.why() + " (and no older version works either)")
    finally:
        ctx.cleanup()


def run_runtime(name, binary, args, host, base, template, host_checker, spec_missing):
    root = f"/run/berth-conformance-{os.getpid()}/{name}"
    os.makedirs(root, exist_ok=True)
    work = os.path.join(base, name)
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    checks = []
    rt = harness.Runtime(name, binary, root)
    ctx = harness.Context(rt, host, work, template, host_checker, checks)
    ctx.group = "suite"
    if spec_missing is None:
        ctx.skip("suite.citations", "every cited sentence occurs in the runtime-spec text", "conformance/suite/spec_refs.py",
                 "runtime-spec text not found (set OCI_SPEC_DIR)")
    else:
        ctx.check("suite.citations", "every cited sentence occurs in the runtime-spec text",
                  "conformance/suite/spec_refs.py", not spec_missing, f"not found: {spec_missing}")
    probe_version(ctx)
    only = [x for x in args.only.split(",") if x]
    timings = []
    started = time.monotonic()
    try:
        for group, fn in TESTS:
            if only and group not in only and fn.__name__ not in only:
                continue
            ctx.group = group
            t0 = time.monotonic()
            try:
                fn(ctx)
            except Exception:  # a broken test must not stop the others
                tb = traceback.format_exc().strip().splitlines()
                ctx.record(f"{group}.{fn.__name__}.harness", f"{fn.__name__} ran to its end",
                           "conformance suite", False, " | ".join(tb[-3:]))
            finally:
                ctx.cleanup()
                timings.append((time.monotonic() - t0, fn.__name__))
    finally:
        ctx.cleanup()
        harness.remove_cgroup_parent(host)
        shutil.rmtree(root, ignore_errors=True)
        try:
            os.rmdir(os.path.dirname(root))
        except OSError:
            pass
        shutil.rmtree(work, ignore_errors=True)
    slow = ", ".join(f"{n} {t:.0f}s" for t, n in sorted(timings, reverse=True)[:6])
    print(f"# {name}: slowest tests: {slow}", file=sys.stderr)
    return checks, time.monotonic() - started


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("conformance: must run as root", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    harness.become_subreaper()
    host = harness.Host()
    runtimes = []
    for spec in args.runtime:
        name, _, path = spec.partition("=")
        if not path:
            path, name = name, os.path.basename(name)
        path = shutil.which(path) or path
        if not os.access(path, os.X_OK):
            print(f"conformance: {path}: not an executable", file=sys.stderr)
            return 2
        runtimes.append((name, os.path.abspath(path)))
    if not runtimes:
        print("conformance: no runtime (RUNTIME=/path/to/runtime or --compare NAME=PATH...)", file=sys.stderr)
        return 2
    spec_missing = spec_refs.verify(args.spec) if args.spec and os.path.isdir(args.spec) else None
    os.makedirs(args.out, exist_ok=True)
    base = f"/tmp/berth-conformance-{os.getpid()}"
    os.makedirs(base)
    os.chmod(base, 0o755)
    runs = []
    try:
        template = make_template(base, args.repo, args.checker)
        host_checker = os.path.join(base, "oci-checker")
        shutil.copy2(args.checker, host_checker)
        for name, path in runtimes:
            checks, elapsed = run_runtime(name, path, args, host, base, template, host_checker, spec_missing)
            for c in checks:
                c.deviation = notes.is_deviation(c.cid, name)
            runs.append((name, checks))
            tap = list(results.tap_lines(checks, f"{name} ({path})", host))
            with open(os.path.join(args.out, f"{name}.tap"), "w") as f:
                f.write("\n".join(tap) + "\n")
            if not args.compare:
                print("\n".join(tap))
            summary = list(results.summary_lines(checks, name))
            with open(os.path.join(args.out, f"{name}-summary.md"), "w") as f:
                f.write("\n".join(summary) + "\n")
            print("\n".join(("# " + l) if not args.compare else l for l in summary))
            print(f"# {name}: {len(checks)} checks in {elapsed:.0f}s (cgroups: {host.cgroup_mode}); "
                  f"TAP in {os.path.join(args.out, name + '.tap')}")
            print()
    finally:
        shutil.rmtree(base, ignore_errors=True)
        harness.reap_all()
    if len(runs) > 1 or args.compare:
        table = list(results.compare_lines(runs, host))
        with open(os.path.join(args.out, "compare.md"), "w") as f:
            f.write("\n".join(table) + "\n")
        print("\n".join(table))
    failed = sum(results.counts(c)["fail"] for _, c in runs)
    passed = sum(results.counts(c)["pass"] for _, c in runs)
    deviations = sorted({c.cid for _, cs in runs for c in cs if c.status == "deviation"})
    # The plain closing line scripts/test.sh (and CI) read.
    dev = f" ({len(deviations)} deliberate deviation: {', '.join(deviations)})" if deviations else ""
    print(f"conformance: {passed} passed, {failed} failed{dev}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
