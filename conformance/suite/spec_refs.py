"""The sentences of the runtime-spec (v1.3.0) that the checks verify.

Each entry is (document#section, quote). A quote is the spec's sentence as it
reads rendered: markdown links reduced to their text, backticks and bold
markers dropped. `verify(spec_dir)` checks that every quote still occurs in the
spec text, so a citation can never drift from the document it cites.
"""

import os
import re

REFS = {
    "ociVersion.compat": ("config.md#specification-version", "For example, if a configuration is compliant with version 1.1 of this specification, it is compatible with all runtimes that support any 1.1 or later release of this specification, but is not compatible with a runtime that supports 1.0 and not 1.1."),
    # --- runtime.md ---------------------------------------------------------
    "state.created": ("runtime.md#state", "created: the runtime has finished the create operation (after step 2 in the lifecycle), and the container process has neither exited nor executed the user-specified program"),
    "state.running": ("runtime.md#state", "running: the container process has executed the user-specified program but has not exited (after step 8 in the lifecycle)"),
    "state.stopped": ("runtime.md#state", "stopped: the container process has exited (step 10 in the lifecycle)"),
    "state.ociVersion": ("runtime.md#state", "ociVersion (string, REQUIRED) is version of the Open Container Initiative Runtime Specification with which the state complies."),
    "state.id": ("runtime.md#state", "id (string, REQUIRED) is the container's ID."),
    "state.pid": ("runtime.md#state", "pid (int, REQUIRED when status is created or running on Linux, OPTIONAL on other platforms) is the ID of the container process."),
    "state.bundle": ("runtime.md#state", "bundle (string, REQUIRED) is the absolute path to the container's bundle directory."),
    "state.annotations": ("runtime.md#state", "annotations (map, OPTIONAL) contains the list of annotations associated with the container."),
    "state.schema": ("runtime.md#state", "When serialized in JSON, the format MUST adhere to the JSON Schema schema/state-schema.json."),
    "lifecycle.create-env": ("runtime.md#lifecycle", "The container's runtime environment MUST be created according to the configuration in config.json."),
    "lifecycle.not-run": ("runtime.md#lifecycle", "While the resources requested in the config.json MUST be created, the user-specified program (from process) MUST NOT be run at this time."),
    "lifecycle.config-updates": ("runtime.md#lifecycle", "Any updates to config.json after this step MUST NOT affect the container."),
    "lifecycle.prestart-fail": ("runtime.md#lifecycle", "If any prestart hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12."),
    "lifecycle.createRuntime-fail": ("runtime.md#lifecycle", "If any createRuntime hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12."),
    "lifecycle.poststart-fail": ("runtime.md#lifecycle", "If any poststart hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12."),
    "lifecycle.poststop-fail": ("runtime.md#lifecycle", "If any poststop hook fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue as if the hook had succeeded."),
    "lifecycle.destroy": ("runtime.md#lifecycle", "The container MUST be destroyed by undoing the steps performed during create phase (step 2)."),
    "errors.no-effect": ("runtime.md#errors", "Unless otherwise stated, generating an error MUST leave the state of the environment as if the operation were never attempted - modulo any possible trivial ancillary changes such as logging."),
    "state.no-id": ("runtime.md#query-state", "This operation MUST generate an error if it is not provided the ID of a container."),
    "state.missing": ("runtime.md#query-state", "Attempting to query a container that does not exist MUST generate an error."),
    "state.returns": ("runtime.md#query-state", "This operation MUST return the state of a container as specified in the State section."),
    "create.args": ("runtime.md#create", "This operation MUST generate an error if it is not provided a path to the bundle and the container ID to associate with the container."),
    "create.unique": ("runtime.md#create", "If the ID provided is not unique across all containers within the scope of the runtime, or is not valid in any other way, the implementation MUST generate an error and a new container MUST NOT be created."),
    "create.creates": ("runtime.md#create", "This operation MUST create a new container."),
    "create.applied": ("runtime.md#create", "All of the properties configured in config.json except for process MUST be applied."),
    "create.args-later": ("runtime.md#create", "process.args MUST NOT be applied until triggered by the start operation."),
    "create.cannot-apply": ("runtime.md#create", "If the runtime cannot apply a property as specified in the configuration, it MUST generate an error and a new container MUST NOT be created."),
    "start.no-id": ("runtime.md#start", "This operation MUST generate an error if it is not provided the container ID."),
    "start.not-created": ("runtime.md#start", "Attempting to start a container that is not created MUST have no effect on the container and MUST generate an error."),
    "start.runs": ("runtime.md#start", "This operation MUST run the user-specified program as specified by process."),
    "start.no-process": ("runtime.md#start", "This operation MUST generate an error if process was not set."),
    "kill.no-id": ("runtime.md#kill", "This operation MUST generate an error if it is not provided the container ID."),
    "kill.not-running": ("runtime.md#kill", "Attempting to send a signal to a container that is neither created nor running MUST have no effect on the container and MUST generate an error."),
    "kill.sends": ("runtime.md#kill", "This operation MUST send the specified signal to the container process."),
    "delete.no-id": ("runtime.md#delete", "This operation MUST generate an error if it is not provided the container ID."),
    "delete.not-stopped": ("runtime.md#delete", "Attempting to delete a container that is not stopped MUST have no effect on the container and MUST generate an error."),
    "delete.resources": ("runtime.md#delete", "Deleting a container MUST delete the resources that were created during the create step."),
    "delete.not-ours": ("runtime.md#delete", "Note that resources associated with the container, but not created by this container, MUST NOT be deleted."),
    # --- runtime-linux.md ---------------------------------------------------
    "linux.fds": ("runtime-linux.md#file-descriptors", "By default, only the stdin, stdout and stderr file descriptors are kept open for the application by the runtime."),
    "linux.dev-symlinks": ("runtime-linux.md#dev-symbolic-links", "While creating the container (step 2 in the lifecycle), runtimes MUST create the following symlinks if the source file exists after processing mounts:"),
    # --- config.md ----------------------------------------------------------
    "root.path": ("config.md#root", "On POSIX platforms, path is either an absolute path or a relative path to the bundle."),
    "root.dir": ("config.md#root", "A directory MUST exist at the path declared by the field."),
    "root.readonly": ("config.md#root", "readonly (bool, OPTIONAL) If true then the root filesystem MUST be read-only inside the container, defaults to false."),
    "mounts.order": ("config.md#mounts", "The runtime MUST mount entries in the listed order."),
    "mounts.relative": ("config.md#mounts", "For compatibility with old tools and configurations, it MAY be a relative path, in which case it MUST be interpreted as relative to \"/\"."),
    "mounts.options": ("config.md#mounts", "Runtimes MUST/SHOULD/MAY implement the following option strings for Linux:"),
    "mounts.idmap": ("config.md#mounts", "If there are no uidMappings and gidMappings specified and the container isn't using user namespaces, an error MUST be returned."),
    "mounts.idmap-userns": ("config.md#mounts", "If they are not specified, the runtime MAY use the container's user namespace mapping, otherwise an error MUST be returned."),
    "mounts.idmap-apply": ("config.md#mounts", "If uidMappings or gidMappings are specified for the mount, the runtime MUST use those values for the mount's mapping."),
    "process.args": ("config.md#process", "This specification extends the IEEE standard in that at least one entry is REQUIRED (non-Windows), and that entry is used with the same semantics as execvp's file."),
    "process.cwd": ("config.md#process", "cwd (string, REQUIRED) is the working directory that will be set for the executable."),
    "process.env": ("config.md#process", "env (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008's environ."),
    "process.consoleSize": ("config.md#process", "Runtimes MUST ignore consoleSize if terminal is false or unset."),
    "rlimits.unknown": ("config.md#posix-process", "The runtime MUST generate an error for any values which cannot be mapped to a relevant kernel interface."),
    "rlimits.soft": ("config.md#posix-process", "rlim.rlim_cur MUST match the configured value."),
    "rlimits.hard": ("config.md#posix-process", "rlim.rlim_max MUST match the configured value."),
    "rlimits.duplicate": ("config.md#posix-process", "If rlimits contains duplicated entries with same type, the runtime MUST generate an error."),
    "caps.sets": ("config.md#linux-process", "capabilities (object, OPTIONAL) is an object containing arrays that specifies the sets of capabilities for the process."),
    "caps.unknown": ("config.md#linux-process", "Runtimes SHOULD NOT fail if the container configuration requests capabilities that cannot be granted, for example, if the runtime operates in a restricted environment with a limited set of capabilities."),
    "process.nnp": ("config.md#linux-process", "noNewPrivileges (bool, OPTIONAL) setting noNewPrivileges to true prevents the process from gaining additional privileges."),
    "process.oom-set": ("config.md#linux-process", "If oomScoreAdj is set, the runtime MUST set oom_score_adj to the given value."),
    "process.oom-unset": ("config.md#linux-process", "If oomScoreAdj is not set, the runtime MUST NOT change the value of oom_score_adj."),
    "process.scheduler": ("config.md#linux-process", "scheduler (object, OPTIONAL) is an object describing the scheduler properties for the process."),
    "process.ioPriority": ("config.md#linux-process", "ioPriority (object, OPTIONAL) configures the I/O priority settings for the container's processes within the process group."),
    "user.uid": ("config.md#posix-platform-user", "uid (int, REQUIRED) specifies the user ID in the container namespace."),
    "user.gid": ("config.md#posix-platform-user", "gid (int, REQUIRED) specifies the group ID in the container namespace."),
    "user.umask": ("config.md#posix-platform-user", "umask (int, OPTIONAL) specifies the umask of the user."),
    "user.umask-default": ("config.md#posix-platform-user", "If unspecified, the umask should not be changed from the calling process' umask."),
    "user.additionalGids": ("config.md#posix-platform-user", "additionalGids (array of ints, OPTIONAL) specifies additional group IDs in the container namespace to be added to the process."),
    "hostname": ("config.md#hostname", "hostname (string, OPTIONAL) specifies the container's hostname as seen by processes running inside the container."),
    "domainname": ("config.md#domainname", "domainname (string, OPTIONAL) specifies the container's domainname as seen by processes running inside the container."),
    "hooks.order": ("config.md#posix-platform-hooks", "Hooks MUST be called in the listed order."),
    "hooks.state": ("config.md#posix-platform-hooks", "The state of the container MUST be passed to hooks over stdin so that they may do work appropriate to the current state of the container."),
    "hooks.prestart-ns": ("config.md#prestart", "The prestart hooks MUST be executed in the runtime namespace."),
    "hooks.prestart-before": ("config.md#prestart", "The prestart hooks MUST be called before the createRuntime hooks."),
    "hooks.createRuntime-ns": ("config.md#createruntime-hooks", "The createRuntime hooks MUST be executed in the runtime namespace."),
    "hooks.createContainer-after": ("config.md#createcontainer-hooks", "The createContainer hooks MUST be called after the createRuntime hooks."),
    "hooks.createContainer-ns": ("config.md#createcontainer-hooks", "The createContainer hooks MUST be executed in the container namespace."),
    "hooks.startContainer-when": ("config.md#startcontainer-hooks", "The startContainer hooks MUST be called before the user-specified process is executed as part of the start operation."),
    "hooks.startContainer-path": ("config.md#startcontainer-hooks", "The startContainer hooks' path MUST resolve in the container namespace."),
    "hooks.startContainer-ns": ("config.md#startcontainer-hooks", "The startContainer hooks MUST be executed in the container namespace."),
    "hooks.poststart-when": ("config.md#poststart", "The poststart hooks MUST be called after the user-specified process is executed but before the start operation returns."),
    "hooks.poststart-ns": ("config.md#poststart", "The poststart hooks MUST be executed in the runtime namespace."),
    "hooks.poststop-when": ("config.md#poststop", "The poststop hooks MUST be called after the container is deleted but before the delete operation returns."),
    "hooks.poststop-ns": ("config.md#poststop", "The poststop hooks MUST be executed in the runtime namespace."),
    "hooks.args": ("config.md#posix-platform-hooks", "args (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008 execv's argv."),
    "hooks.timeout": ("config.md#posix-platform-hooks", "timeout (int, OPTIONAL) is the number of seconds before aborting the hook."),
    "annotations.keys": ("config.md#annotations", "Keys MUST NOT be an empty string."),
    "extensibility": ("config.md#extensibility", "Runtimes MAY log unknown properties but MUST otherwise ignore them."),
    "valid-values": ("config.md#valid-values", "Runtimes MUST generate an error when invalid or unsupported values are encountered."),
    # --- config-linux.md ----------------------------------------------------
    "ns.new": ("config-linux.md#namespaces", "If path is not specified, the runtime MUST create a new container namespace of type type."),
    "ns.cgroup": ("config-linux.md#namespaces", "cgroup the container will have an isolated view of the cgroup hierarchy."),
    "ns.inherit": ("config-linux.md#namespaces", "If a namespace type is not specified in the namespaces array, the container MUST inherit the runtime namespace of that type."),
    "ns.join": ("config-linux.md#namespaces", "The runtime MUST place the container process in the namespace associated with that path."),
    "ns.wrong-type": ("config-linux.md#namespaces", "The runtime MUST generate an error if path is not associated with a namespace of type type."),
    "ns.duplicate": ("config-linux.md#namespaces", "If a namespaces field contains duplicated namespaces with same type, the runtime MUST generate an error."),
    "userns.uidMappings": ("config-linux.md#user-namespace-mappings", "uidMappings (array of objects, OPTIONAL) describes the user namespace uid mappings from the host to the container."),
    "userns.gidMappings": ("config-linux.md#user-namespace-mappings", "gidMappings (array of objects, OPTIONAL) describes the user namespace gid mappings from the host to the container."),
    "userns.ownership": ("config-linux.md#user-namespace-mappings", "The runtime SHOULD NOT modify the ownership of referenced filesystems to realize the mapping."),
    "timens.offsets": ("config-linux.md#offset-for-time-namespace", "timeOffsets (object, OPTIONAL) sets the offset for Time Namespace."),
    "devices.available": ("config-linux.md#devices", "devices (array of objects, OPTIONAL) lists devices that MUST be available in the container."),
    "devices.anywhere": ("config-linux.md#devices", "The path MAY be anywhere in the container filesystem, notably outside of /dev."),
    "devices.mismatch": ("config-linux.md#devices", "If a file already exists at path that does not match the requested device, the runtime MUST generate an error."),
    "devices.defaults": ("config-linux.md#default-devices", "In addition to any devices configured with this setting, the runtime MUST also supply:"),
    "cgroups.absolute": ("config-linux.md#cgroups-path", "In the case of an absolute path (starting with /), the runtime MUST take the path to be relative to the cgroups mount point."),
    "cgroups.devices-order": ("config-linux.md#allowed-device-list", "The runtime MUST apply entries in the listed order."),
    "cgroups.devices": ("config-linux.md#allowed-device-list", "devices (array of objects, OPTIONAL) configures the allowed device list."),
    "memory.limit": ("config-linux.md#memory", "limit (int64, OPTIONAL) - sets limit of memory usage"),
    "memory.reservation": ("config-linux.md#memory", "reservation (int64, OPTIONAL) - sets soft limit of memory usage"),
    "memory.swap": ("config-linux.md#memory", "swap (int64, OPTIONAL) - sets limit of memory+Swap usage"),
    "memory.swappiness": ("config-linux.md#memory", "swappiness (uint64, OPTIONAL) - sets swappiness parameter of vmscan (See sysctl's vm.swappiness)"),
    "memory.unlimited": ("config-linux.md#memory", "Values for memory specify the limit in bytes, or -1 for unlimited memory."),
    "cpu.shares": ("config-linux.md#cpu", "shares (uint64, OPTIONAL) - specifies a relative share of CPU time available to the tasks in a cgroup"),
    "cpu.quota": ("config-linux.md#cpu", "quota (int64, OPTIONAL) - specifies the total amount of time in microseconds for which all tasks in a cgroup can run during one period (as defined by period below)"),
    "cpu.period": ("config-linux.md#cpu", "period (uint64, OPTIONAL) - specifies a period of time in microseconds for how regularly a cgroup's access to CPU resources should be reallocated (CFS scheduler only)"),
    "cpu.burst": ("config-linux.md#cpu", "burst (uint64, OPTIONAL) - specifies the maximum amount of accumulated time in microseconds for which all tasks in a cgroup can run additionally for burst during one period (as defined by period below)"),
    "cpu.cpus": ("config-linux.md#cpu", "cpus (string, OPTIONAL) - list of CPUs the container will run on."),
    "cpu.mems": ("config-linux.md#cpu", "mems (string, OPTIONAL) - list of memory nodes the container will run on."),
    "pids.limit": ("config-linux.md#pids", "limit (int64, OPTIONAL) - specifies the maximum number of tasks in the cgroup, with -1 indicating no limit (max)."),
    "pids.zero": ("config-linux.md#pids", "Note: Even though it may superficially seem redundant, 0 is a valid limit value for the pids cgroup controller from the kernel's perspective and SHOULD be treated as such by runtimes."),
    "unified.write": ("config-linux.md#unified", "Configuration unknown to the runtime MUST still be written to the relevant file."),
    "unified.missing": ("config-linux.md#unified", "The runtime MUST generate an error when the configuration refers to a cgroup controller that is not present or that cannot be enabled."),
    "sysctl": ("config-linux.md#sysctl", "sysctl (object, OPTIONAL) allows kernel parameters to be modified at runtime for the container."),
    "seccomp.errnoRet": ("config-linux.md#seccomp", "errnoRet (uint, OPTIONAL) - the errno return code to use."),
    "seccomp.default-errno": ("config-linux.md#seccomp", "The default is EPERM."),
    "seccomp.defaultErrnoRet": ("config-linux.md#seccomp", "defaultErrnoRet (uint, OPTIONAL) - the errno return code to use."),
    "seccomp.no-errno": ("config-linux.md#seccomp", "When the action doesn't support an errno, the runtime MUST print and error and fail."),
    "seccomp.args": ("config-linux.md#seccomp", "args (array of objects, OPTIONAL) - the specific syscall in seccomp."),
    "seccomp.default": ("config-linux.md#seccomp", "defaultAction (string, REQUIRED) - the default action for seccomp."),
    "seccomp.actions": ("config-linux.md#seccomp", "action (string, REQUIRED) - the action for seccomp rules."),
    "seccomp.listener-one": ("config-linux.md#seccomp", "The runtime MUST send exactly one container process state per connection."),
    "seccomp.listener-fail": ("config-linux.md#seccomp", "If sending to this socket fails, the runtime MUST generate an error."),
    "seccomp.state-fds": ("config-linux.md#the-container-process-state", "The container runtime MUST send the container process state over the UNIX socket as regular payload serialized in JSON and file descriptors MUST be sent using SCM_RIGHTS."),
    "propagation.shared": ("config-linux.md#rootfs-mount-propagation", "shared: the rootfs mount belongs to a new peer group."),
    "propagation.slave": ("config-linux.md#rootfs-mount-propagation", "slave: the rootfs mount receives propagation events from the host (e.g. if something is mounted on the host it will also appear in the container) but not the other way around."),
    "propagation.private": ("config-linux.md#rootfs-mount-propagation", "private: the rootfs mount doesn't receive mount propagation events from the host and further mounts in nested containers will be isolated from the host and from the rootfs (even if the nested container rootfsPropagation option is shared)."),
    "propagation.unbindable": ("config-linux.md#rootfs-mount-propagation", "unbindable: the rootfs mount is a private mount that cannot be bind-mounted."),
    "maskedPaths": ("config-linux.md#masked-paths", "maskedPaths (array of strings, OPTIONAL) will mask over the provided paths inside the container so that they cannot be read."),
    "readonlyPaths": ("config-linux.md#readonly-paths", "readonlyPaths (array of strings, OPTIONAL) will set the provided paths as readonly inside the container."),
    "personality": ("config-linux.md#personality", "LINUX32 will set the uname system call to show a 32 bit CPU type, such as i686."),
    "personality.domain": ("config-linux.md#personality", "domain (string, REQUIRED) - the execution domain."),
}


def render(key, extra=""):
    """'file#section: "quote"' (plus a short remark) for a TAP line."""
    where, quote = REFS[key]
    text = f'{where}: "{quote}"'
    return f"{text} ({extra})" if extra else text


def _plain(text):
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](link)
    text = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", text)  # [text][ref]
    text = text.replace("`", "").replace("**", "").replace("*", "")
    return re.sub(r"\s+", " ", text)


def verify(spec_dir):
    """Returns the keys whose quote is not in the spec text (empty when all are)."""
    texts = {}
    missing = []
    for key, (where, quote) in REFS.items():
        doc = where.split("#")[0]
        if doc not in texts:
            path = os.path.join(spec_dir, doc)
            try:
                with open(path, encoding="utf-8") as f:
                    texts[doc] = _plain(f.read())
            except OSError:
                texts[doc] = None
        if texts[doc] is not None and _plain(quote) not in texts[doc]:
            missing.append(key)
    return missing
