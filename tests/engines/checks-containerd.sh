# containerd checks: ctr on the suite's containerd; the task runs through
# containerd-shim-runc-v2 with --runc-binary (berth or runc) and a private
# --runc-root. Sourced by run.sh; ctr_ is the ctr client of the private daemon.

CTD_IMAGE=docker.io/library/busybox:latest
# crun_ ID [ctr run flags...] -- CMD...: ctr run with the runtime, its private
# root and an absolute cgroup below the suite's parent
crun_() {
    local id=$1; shift
    local flags=()
    while (($#)) && [[ $1 != -- ]]; do flags+=("$1"); shift; done
    shift
    ctr_ run --fifo-dir "$CTD_DIR/fifo" --runc-binary "$RT_BIN" --runc-root "$CTD_DIR/runc-root" --cgroup "$CG/ctr/$id" \
        "${flags[@]}" "$CTD_IMAGE" "$id" "$@"
}
ct_cg() { echo "/sys/fs/cgroup/$1$CG/ctr/$2"; }
ct_rm() { ctr_ task kill -s SIGKILL "$1" >/dev/null 2>&1; sleep 0.3; ctr_ task rm -f "$1" >/dev/null 2>&1; ctr_ c rm "$1" >/dev/null 2>&1; }
ct_status() { ctr_ task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }
# a detached task with signal traps, its output in a log file
ct_sleeper() {
    crun_ "$1" -d --log-uri "file://$B/logs/ctr-$1.out" "${@:2}" -- sh -c \
        'trap "echo got TERM; exit 0" TERM; trap "echo got USR1" USR1; echo started; while :; do sleep 0.2; done' >/dev/null &&
        wait_for 20 grep -q started "$B/logs/ctr-$1.out"
}

ct_echo() {
    local out; out=$(crun_ ct-echo --rm -- echo hi) || { fail "ctr run exited $?"; return 1; }
    expect_eq "output" "hi" "$out"
}
ct_exit_code() {
    crun_ ct-exit --rm -- sh -c 'exit 3'; local rc=$?
    expect_eq "exit code" 3 "$rc"
}
ct_tty() {
    local out rc
    out=$(in_tty "$CTR" run -t --rm --fifo-dir "$CTD_DIR/fifo" --runc-binary "$RT_BIN" --runc-root "$CTD_DIR/runc-root" \
        --cgroup "$CG/ctr/ct-tty" "$CTD_IMAGE" ct-tty sh -c 'tty; exit 4'); rc=$?
    echo "$out"
    grep -qE '(^|\^@)/dev/pts/[0-9]+$' <<<"$out" || { fail "no /dev/pts/N line"; return 1; }
    expect_eq "exit code" 4 "$rc"
}
ct_exec() {
    ct_sleeper ct-exec || { ct_rm ct-exec; return 1; }
    local out rc out2 rc2
    out=$(ctr_ task exec --fifo-dir "$CTD_DIR/fifo" --exec-id e1 ct-exec sh -c 'echo in-$((1+1)); exit 5'); rc=$?
    out2=$(in_tty "$CTR" task exec -t --fifo-dir "$CTD_DIR/fifo" --exec-id e2 ct-exec sh -c 'tty; exit 6'); rc2=$?
    ct_rm ct-exec
    echo "$out2"
    expect_eq "exec output" "in-2" "$out" && expect_eq "exec exit code" 5 "$rc" &&
        { grep -qE '(^|\^@)/dev/pts/[0-9]+$' <<<"$out2" || { fail "exec -t: no /dev/pts/N line"; return 1; }; } &&
        expect_eq "exec -t exit code" 6 "$rc2"
}
ct_kill() {
    ct_sleeper ct-kill || { ct_rm ct-kill; return 1; }
    ctr_ task kill -s SIGUSR1 ct-kill || { ct_rm ct-kill; fail "kill -s SIGUSR1"; return 1; }
    wait_for 10 grep -q 'got USR1' "$B/logs/ctr-ct-kill.out" || { ct_rm ct-kill; fail "USR1 not delivered"; return 1; }
    ctr_ task kill ct-kill || { ct_rm ct-kill; fail "kill (SIGTERM)"; return 1; }
    wait_for 10 sh -c "$CTR task ls | grep -q 'ct-kill .*STOPPED'"
    local st; st=$(ct_status ct-kill)
    local out; out=$(cat "$B/logs/ctr-ct-kill.out")
    ct_rm ct-kill
    echo "$out"
    expect_match "SIGTERM reached the process" 'got TERM' "$out" && expect_eq "status" STOPPED "$st"
}
ct_pause() {
    ct_sleeper ct-pause || { ct_rm ct-pause; return 1; }
    ctr_ task pause ct-pause || { ct_rm ct-pause; fail "pause"; return 1; }
    local st fz st2
    st=$(ct_status ct-pause); fz=$(cat "$(ct_cg freezer ct-pause)/freezer.state")
    ctr_ task resume ct-pause || { ct_rm ct-pause; fail "resume"; return 1; }
    st2=$(ct_status ct-pause)
    ct_rm ct-pause
    expect_eq "paused status" PAUSED "$st" && expect_eq "freezer" FROZEN "$fz" && expect_eq "resumed" RUNNING "$st2"
}
ct_ps() {
    ct_sleeper ct-ps || { ct_rm ct-ps; return 1; }
    local pid out; pid=$(ctr_ task ls | awk '$1 == "ct-ps" {print $2}')
    out=$(ctr_ task ps ct-ps)
    ct_rm ct-ps
    echo "pid=$pid"; echo "$out"
    [[ -n $pid ]] || { fail "no pid"; return 1; }
    expect_match "task ps lists the init pid" "(^|[[:space:]])$pid([[:space:]]|$)" "$out"
}
ct_metrics() {
    ct_sleeper ct-metrics --memory-limit 67108864 || { ct_rm ct-metrics; return 1; }
    local out; out=$(ctr_ task metrics ct-metrics)
    ct_rm ct-metrics
    echo "$out"
    expect_match "memory limit in metrics" '67108864' "$out"
}
ct_oom() {
    crun_ ct-oom --rm --memory-limit 33554432 -- sh -c 'tail /dev/zero'; local rc=$?
    expect_eq "exit code" 137 "$rc"
}
ct_cpus() {
    ct_sleeper ct-cpus --cpus 0.5 || { ct_rm ct-cpus; return 1; }
    local out; out=$(cat "$(ct_cg cpu ct-cpus)"/cpu.cfs_{quota,period}_us)
    ct_rm ct-cpus
    expect_eq "quota period" "50000 100000" "$(echo $out)"
}
ct_caps() {
    local out; out=$(crun_ ct-caps --rm --cap-drop CAP_CHOWN -- sh -c 'chown 1 /tmp 2>&1; grep CapEff /proc/self/status')
    echo "$out"
    expect_match "chown denied" 'Operation not permitted' "$out"
}
ct_seccomp() {
    cat >"$B/seccomp-nomkdir.json" <<'EOF'
{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}
EOF
    local out out2
    out=$(crun_ ct-sec --rm --seccomp -- sh -c 'grep Seccomp: /proc/self/status')
    out2=$(crun_ ct-sec2 --rm --seccomp --seccomp-profile "$B/seccomp-nomkdir.json" -- sh -c 'mkdir /tmp/d 2>&1; touch /tmp/f && echo touch-ok')
    echo "$out"; echo "$out2"
    expect_match "default profile: mode 2" 'Seccomp:[[:space:]]+2' "$out" &&
        expect_match "custom: mkdir denied" 'Operation not permitted' "$out2" && expect_match "custom: others allowed" 'touch-ok' "$out2"
}
ct_privileged() {
    local out rc; out=$(crun_ ct-priv --rm --privileged -- sh -c 'grep CapEff /proc/self/status' 2>&1); rc=$?
    echo "$out"
    if ((rc != 0)) && [[ $ENGINE_RUNTIME == runc ]] && ! host_bounding_full && [[ $out =~ caps|capabilit ]]; then
        skip "runc refuses --privileged: this host's bounding set lacks capabilities (rc $rc)"; return
    fi
    expect_eq "exit code" 0 "$rc" || return 1
    expect_match "all host capabilities" "CapEff:[[:space:]]+$(awk '/^CapBnd/ {print $2}' /proc/self/status)" "$out"
}
ct_error() {
    # create fails in the runtime: containerd shows the runtime's last error
    # line (of --log-format json) to the user
    local out rc
    out=$(crun_ ct-err2 --rm --with-ns network:/no/such/netns -- true 2>&1); rc=$?
    ct_rm ct-err2
    echo "rc=$rc"; echo "$out"
    ((rc != 0)) || { fail "ctr run with a missing netns path succeeded"; return 1; }
    expect_match "names the namespace path" '/no/such/netns' "$out"
}
ct_missing_binary() {
    # runc (and crun) look the binary up before create returns
    local out rc
    out=$(crun_ ct-err --rm -- /no/such/binary 2>&1); rc=$?
    ct_rm ct-err
    echo "rc=$rc"; echo "$out"
    ((rc != 0)) || { fail "ctr run of a missing binary succeeded"; return 1; }
    expect_match "create fails, naming the binary" 'create failed.*/no/such/binary' "$out"
}

ct_cgroups() {
    ct_sleeper ct-cg || { ct_rm ct-cg; return 1; }
    local pid; pid=$(ctr_ task ls | awk '$1 == "ct-cg" {print $2}')
    runtime_holds ct-cg "$pid" && cgroup_placement_ok "$pid" "$CG/ctr"; local rc=$?
    ct_rm ct-cg
    return $rc
}

CTD_CHECKS=(
    "containerd: ctr run echo hi prints hi|ct_echo"
    "containerd: ctr run exit 3 returns 3|ct_exit_code"
    "containerd: ctr run -t gets a terminal|ct_tty"
    "containerd: task exec and exec -t|ct_exec"
    "containerd: task kill -s SIGUSR1, then SIGTERM stops it|ct_kill"
    "containerd: task pause and resume|ct_pause"
    "containerd: task ps|ct_ps"
    "containerd: task metrics|ct_metrics"
    "containerd: --memory-limit 32m OOM kill exits 137|ct_oom"
    "containerd: --cpus|ct_cpus"
    "containerd: --cap-drop|ct_caps"
    "containerd: default and custom seccomp profiles|ct_seccomp"
    "containerd: --privileged|ct_privileged"
    "containerd: a failing create shows the runtime's error|ct_error"
    "containerd: a missing binary fails at create, naming it|ct_missing_binary"
    "containerd: run by the runtime under test, cgroups below the absolute parent, none in process_api|ct_cgroups"
)
