"""Notes on checks whose result is explained by something other than a plain
bug of the runtime under test: a host limitation, a runtime version older
than the spec the check cites, a sentence of the spec that can be read two
ways, or a known and reported bug. Shown under a failed check in the TAP
output and in the side-by-side table.

NOTES maps a check id to a text, or to {runtime name or "*": text}. Runtime
names are the NAME of NAME=PATH (berth, runc, crun).
"""

RUNC_OLD = "runc 1.1.5 (Debian 12) implements runtime-spec 1.0.2; this field came later and runc 1.1.5 ignores it"

NOTES = {
    "suite.ociVersion": {"crun": "crun 1.8 takes configs up to ociVersion 1.1 ('unknown version specified'); its "
                                 "column is measured with ociVersion 1.1.0 bundles (same content)"},
    "lifecycle.delete-created": {
        "runc": "runc's `delete` of a created container kills and removes it (a deliberate runc behaviour that "
                "contradicts runtime.md#delete)",
    },
    "lifecycle.kill-created": {
        "runc": "follows from lifecycle.delete-created: runc already removed the created container",
    },
    "process.scheduler": {"runc": RUNC_OLD + " (scheduler: spec 1.2)"},
    "process.ioPriority": {"runc": RUNC_OLD + " (ioPriority: spec 1.2)"},
    "hostname.domainname": {"runc": RUNC_OLD + " (domainname: supported from runc 1.2)"},
    "time-namespace.new": {"runc": "runc 1.1.5 does not know the time namespace (added in runc 1.2)"},
    "time-namespace.monotonic": {"runc": "runc 1.1.5 does not know the time namespace (added in runc 1.2)"},
    "time-namespace.boottime": {"runc": "runc 1.1.5 does not know the time namespace (added in runc 1.2)"},
    "personality.linux32": {"runc": RUNC_OLD + " (personality: runc 1.2)"},
    "personality.linux32-uname": {"runc": RUNC_OLD + " (personality: runc 1.2)"},
    "rlimits.duplicate": {"runc": "runc 1.1.5 does not validate duplicate rlimits (the last one wins)"},
    "annotations.empty-key": {"*": "few runtimes validate annotation keys; config.md#valid-values makes it a MUST"},
    "devices.mismatch": {"runc": "runc 1.1.5 replaces or reuses an existing file at a device path instead of failing"},
    "seccomp.errno-unsupported": {"runc": "runc 1.1.5 ignores errnoRet on actions that take no errno",
                                  "crun": "crun 1.8 ignores errnoRet on actions that take no errno"},
    "hooks.create-order": {"runc": "runc 1.1.5 runs the poststart hooks at the end of create, before start"},
    "hooks.start-order": {"runc": "runc 1.1.5 runs the poststart hooks at the end of create, before start"},
    "hooks.order": {"runc": "runc 1.1.5 runs the poststart hooks at the end of create, before start"},
    "hooks.poststart-fail": {"runc": "runc 1.1.5 runs poststart at create, so create (not start) fails"},
    "hooks.poststop-fail": {"runc": "runc 1.1.5 stops at the first failing poststop hook and reports an error"},
    "rootfs-propagation.shared": {"runc": "runc 1.1.5 applies rootfsPropagation to the old root before pivot_root; "
                                          "the container's / stays private"},
    "rootfs-propagation.slave": {"runc": "runc 1.1.5 applies rootfsPropagation to the old root before pivot_root; "
                                         "the container's / stays private"},
    "rootfs-propagation.slave-event": {"runc": "follows from rootfs-propagation.slave"},
    "rootfs-propagation.unbindable": {"runc": "runc 1.1.5 applies rootfsPropagation to the old root before "
                                              "pivot_root; the container's / stays private"},
    "cgroups-cpu.burst": {"runc": "runc 1.1.5 does not write cpu.cfs_burst_us on cgroup v1"},
    "cgroups-pids.zero": {
        "runc": "runc treats a pids limit of 0 as 'no limit'",
        "berth": "cgroup v2: berth clones the container into its cgroup (clone3 CLONE_INTO_CGROUP), which pids.max 0 "
                 "refuses; reported",
    },
    "user.umask-unset": {"*": "runc, crun and berth set umask 0022 when process.user.umask is unset; the "
                              "sentence says 'should' in lower case, which is not an RFC 2119 keyword"},
    "mounts.idmap-no-mappings": {"runc": "runc 1.1.5 has no idmapped mounts (runc 1.2) and passes 'idmap' to "
                                         "mount(2), which a bind mount ignores"},
    "user-namespace.idmap-mount": {
        "runc": "runc 1.1.5 has no idmapped mounts (runc 1.2)",
        "berth": "berth refuses the idmap mount in a user namespace container (create fails on "
                 "/proc/PID/uid_map: permission denied); reported",
    },
    "cgroups.namespace-root": {
        "berth": "hybrid/v1 hosts: berth creates the cgroup namespace before joining the v1 hierarchies, so the "
                 "container sees /berth-conformance/... (or /../..) instead of /; reported",
    },
    "cgroups.namespace-files": {
        "berth": "follows from cgroups.namespace-root: the v1 mounts show the host's root cgroups",
    },
}


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
