"""Notes on checks whose result is explained by something other than a plain
bug of the runtime under test: a host limitation, a runtime version older
than the spec the check cites, a sentence of the spec that can be read two
ways, or a known and reported bug. Shown under a failed check in the TAP
output and in the side-by-side table.

NOTES maps a check id to a text, or to {runtime name or "*": text}. Runtime
names are the NAME of NAME=PATH (berth, runc, crun).
"""

RUNC_OLD = "runc 1.1.5 (Debian 12) implements runtime-spec 1.0.2; this field came later and runc 1.1.5 ignores it"
CRUN_OLD = "crun 1.8.1 (Debian 12) implements runtime-spec 1.1; this field came later and crun 1.8 ignores it"
NO_TIMENS_RUNC = "runc 1.1.5 does not know the time namespace (added in runc 1.2)"
NO_TIMENS_CRUN = "crun 1.8.1 fails to create a container with a time namespace here ('write to sync socket: " \
                 "Connection reset by peer')"
POSTSTART_RUNC = "runc 1.1.5 runs the poststart hooks at the end of create, before start"
POSTSTART_CRUN = "crun 1.8 runs the poststart hooks before startContainer"
PROPAGATION = "the runtime applies rootfsPropagation to the old root before pivot_root; the container's / stays " \
              "private"

NOTES = {
    "suite.ociVersion": {"crun": "crun 1.8 takes configs up to ociVersion 1.1 ('unknown version specified'); its "
                                 "column is measured with ociVersion 1.1.0 bundles (same content)"},
    "lifecycle.delete-created": {
        "runc": "runc's `delete` of a created container kills and removes it (a deliberate runc behaviour that "
                "contradicts runtime.md#delete)",
        "crun": "crun's `delete` of a created container kills and removes it, as runc's does",
        "berth": "deliberate since commit d28ff4a: berth's `delete` of a created container kills and removes it, "
                 "as runc's does, because containerd's shim deletes a created task (a failed or abandoned start) "
                 "with a plain `delete`; drop-in compatibility chosen over runtime.md#delete",
    },
    "process.scheduler": {"runc": RUNC_OLD + " (scheduler: spec 1.2)", "crun": CRUN_OLD + " (scheduler: spec 1.2)"},
    "process.ioPriority": {"runc": RUNC_OLD + " (ioPriority: spec 1.2)", "crun": CRUN_OLD + " (ioPriority: spec 1.2)"},
    "hostname.domainname": {"runc": RUNC_OLD + " (domainname: supported from runc 1.2)"},
    "time-namespace.new": {"runc": NO_TIMENS_RUNC, "crun": NO_TIMENS_CRUN},
    "time-namespace.monotonic": {"runc": NO_TIMENS_RUNC, "crun": NO_TIMENS_CRUN},
    "time-namespace.boottime": {"runc": NO_TIMENS_RUNC, "crun": NO_TIMENS_CRUN},
    "personality.linux32": {"runc": RUNC_OLD + " (personality: runc 1.2)"},
    "personality.linux32-uname": {"runc": RUNC_OLD + " (personality: runc 1.2)"},
    "rlimits.duplicate": {"*": "the runtime does not validate duplicate rlimits (the last one wins)"},
    "annotations.empty-key": {"*": "the runtime does not validate annotation keys; config.md#valid-values makes it "
                                   "a MUST"},
    "devices.mismatch": {"*": "the runtime replaces or reuses an existing file at a device path instead of failing"},
    "seccomp.errno-unsupported": {"*": "the runtime ignores errnoRet on actions that take no errno"},
    "hooks.create-order": {"runc": POSTSTART_RUNC},
    "hooks.start-order": {"runc": POSTSTART_RUNC, "crun": POSTSTART_CRUN},
    "hooks.order": {"runc": POSTSTART_RUNC, "crun": POSTSTART_CRUN},
    "hooks.state-stdin": {"crun": "crun 1.8 gives the startContainer hook a state with pid 0 and bundle '/'"},
    "hooks.createRuntime-fail-poststop": {"crun": "crun 1.8 does not run poststop hooks after a failing "
                                                  "createRuntime hook"},
    "hooks.poststart-fail": {"runc": "runc 1.1.5 runs poststart at create, so create (not start) fails",
                             "crun": "crun 1.8 ignores a failing poststart hook"},
    "hooks.poststop-fail": {"runc": "runc 1.1.5 stops at the first failing poststop hook and reports an error"},
    "rootfs-propagation.shared": {"runc": "runc 1.1.5: " + PROPAGATION},
    "rootfs-propagation.slave": {"runc": "runc 1.1.5: " + PROPAGATION,
                                 "crun": "crun 1.8 leaves / private for slave (shared and unbindable work)"},
    "rootfs-propagation.slave-event": {"*": "follows from rootfs-propagation.slave"},
    "rootfs-propagation.unbindable": {"runc": "runc 1.1.5: " + PROPAGATION},
    "mounts.propagation-shared": {"crun": "crun 1.8 does not apply the propagation options of a bind mount"},
    "mounts.propagation-unbindable": {"crun": "crun 1.8 does not apply the propagation options of a bind mount"},
    "mounts.nosymfollow": {"crun": "crun 1.8 does not know nosymfollow and passes it to tmpfs, which refuses it"},
    "cgroups-cpu.burst": {"runc": "runc 1.1.5 does not write the CPU burst", "crun": "crun 1.8 does not write the "
                                                                                     "CPU burst"},
    "cgroups-pids.zero": {
        "runc": "runc treats a pids limit of 0 as 'no limit'",
        "crun": "crun treats a pids limit of 0 as 'no limit'",
        "berth": "cgroup v2: berth clones the container into its cgroup (clone3 CLONE_INTO_CGROUP), which pids.max 0 "
                 "refuses; reported",
    },
    "user.umask-unset": {"*": "runc, crun and berth set umask 0022 when process.user.umask is unset; the "
                              "sentence says 'should' in lower case, which is not an RFC 2119 keyword"},
    "mounts.idmap-no-mappings": {"runc": "runc 1.1.5 has no idmapped mounts (runc 1.2) and passes 'idmap' to "
                                         "mount(2), which a bind mount ignores"},
    "user-namespace.idmap-mount": {"runc": "runc 1.1.5 has no idmapped mounts (runc 1.2)"},
    "user-namespace.idmap-own-mappings": {"runc": "runc 1.1.5 has no idmapped mounts (runc 1.2)"},
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


# MUST checks a runtime fails by design, with the reason in NOTES: reported as
# "deviation" (TAP: not ok ... # TODO), listed in every table, never passed off
# as a pass, and not counted as a failure of the test command.
DEVIATIONS = {
    # runc and crun kill and remove a created container on a plain delete, and
    # containerd's shim depends on it (Init.delete calls `delete` without
    # --force for a task that never started): a drop-in must do the same.
    "lifecycle.delete-created": {"berth", "runc", "crun"},
}


def is_deviation(cid, runtime):
    return runtime in DEVIATIONS.get(cid, ())

