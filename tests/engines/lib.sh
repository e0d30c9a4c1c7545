# Shared helpers of the engine suite: TAP output, timeouts, and the cleanup of
# everything the suite made. Sourced by run.sh; not meant to run on its own.

TAP_N=0 TAP_PASS=0 TAP_FAIL=0 TAP_SKIP=0
FAILED_CHECKS=()
# Time limits (seconds): one check, and the whole suite; checks that would
# start after the budget is spent print "# SKIP" with the reason.
CHECK_TIMEOUT=${CHECK_TIMEOUT:-180}
ENGINE_BUDGET=${ENGINE_BUDGET:-600}

# descendants PID: every process below PID, children first.
descendants() {
    local p
    for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        descendants "$p"; echo "$p"
    done
}

# check "engine: what" FUNCTION [ARGS...]: runs FUNCTION (its output goes to a
# log), prints one TAP line. A function that returns 77 is a skip; its last
# output line is the reason.
check() {
    local name=$1; shift
    local log="$B/logs/check-$((TAP_N + 1)).log" rc
    TAP_N=$((TAP_N + 1))
    if [[ -n ${ONLY:-} && ! $name =~ $ONLY ]]; then
        echo "ok $TAP_N - $name # SKIP not selected by ONLY"
        TAP_SKIP=$((TAP_SKIP + 1)); return 0
    fi
    if ((SECONDS - T_START >= ENGINE_BUDGET)); then
        echo "ok $TAP_N - $name # SKIP the suite's time budget (${ENGINE_BUDGET}s) is spent"
        TAP_SKIP=$((TAP_SKIP + 1)); return 0
    fi
    local t0=$SECONDS cpid wpid
    ( set +e; "$@" ) >"$log" 2>&1 </dev/null &
    cpid=$!
    # a hung check fails after CHECK_TIMEOUT: its process tree gets SIGTERM
    # (engine clients run under timeout(1), which passes it on)
    ( sleep "$CHECK_TIMEOUT"; kill -TERM $(descendants "$cpid") "$cpid" ) >/dev/null 2>&1 &
    wpid=$!
    wait "$cpid"; rc=$?
    kill $(descendants "$wpid") "$wpid" 2>/dev/null
    wait "$wpid" 2>/dev/null
    ((rc == 143 && SECONDS - t0 >= CHECK_TIMEOUT)) && echo "FAIL the check did not finish in ${CHECK_TIMEOUT}s" >>"$log"
    if ((rc == 0)); then
        echo "ok $TAP_N - $name ($((SECONDS - t0))s)"; TAP_PASS=$((TAP_PASS + 1))
    elif ((rc == 77)); then
        echo "ok $TAP_N - $name # SKIP $(tail -n1 "$log")"; TAP_SKIP=$((TAP_SKIP + 1))
    else
        echo "not ok $TAP_N - $name (exit $rc, $((SECONDS - t0))s)"; TAP_FAIL=$((TAP_FAIL + 1))
        FAILED_CHECKS+=("$name")
        tail -n 15 "$log" | sed 's/^/#   /'
    fi
}

# skip_all "engine" "reason" "check names...": one SKIP line per check of an
# engine that could not start, so nothing is silent.
skip_check() {
    TAP_N=$((TAP_N + 1)); TAP_SKIP=$((TAP_SKIP + 1))
    echo "ok $TAP_N - $1 # SKIP $2"
}

# Assertions used inside checks: print what was expected on failure.
expect_eq() { # WHAT EXPECTED ACTUAL
    if [[ "$2" != "$3" ]]; then echo "FAIL $1: expected [$2] got [$3]"; return 1; fi
}
expect_match() { # WHAT REGEX ACTUAL
    if ! [[ "$3" =~ $2 ]]; then echo "FAIL $1: expected /$2/ in [$3]"; return 1; fi
}
fail() { echo "FAIL $*"; return 1; }
skip() { echo "$*"; return 77; }

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.2
    done
}

# wait_for_daemon PID SECONDS CMD...: like wait_for, but gives up at once when
# the daemon PID has exited.
wait_for_daemon() {
    local pid=$1 deadline=$((SECONDS + $2)); shift 2
    until "$@" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || { echo "daemon $pid exited"; return 1; }
        ((SECONDS >= deadline)) && return 1
        sleep 0.2
    done
}

# --- cleanup ---------------------------------------------------------------

# stop_pid PID NAME: SIGTERM, wait up to 15 s, then SIGKILL. Only PIDs this
# suite started (or found by its private directory in their command line).
stop_pid() {
    local pid=$1 name=$2 i
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 75; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    echo "# cleanup: $name ($pid) ignored SIGTERM, killing" >&2
    kill -KILL "$pid" 2>/dev/null
    sleep 0.2
}

# pids_using_dir DIR: processes whose command line names DIR (shims, conmon,
# the engines' helpers): they all carry the suite's private socket or state
# path, which no other process on the machine has.
pids_using_dir() {
    local dir=$1 p cmd
    for p in /proc/[0-9]*; do
        cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
        [[ $cmd == *"$dir"* ]] && echo "${p#/proc/}"
    done
}

# umount_under DIR: every mount below DIR, deepest first.
umount_under() {
    local dir=$1 m
    while read -r m; do
        [[ -n $m ]] || continue
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
            echo "# cleanup: cannot unmount $m" >&2
    done < <(awk -v d="$dir" '{ gsub(/\\040/, " ", $5); if (index($5, d) == 1) print $5 }' /proc/self/mountinfo | sort -r)
}

# rm_cgroup_tree REL: removes /sys/fs/cgroup/*/REL (and unified), deepest
# first. REL is always an absolute parent the suite chose (/berth-engines-*).
rm_cgroup_tree() {
    local rel=$1 root d
    [[ $rel == /berth-engines-* ]] || return 0
    for root in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
        [[ -d $root$rel ]] || continue
        while read -r d; do
            rmdir "$d" 2>/dev/null || echo "# cleanup: cannot remove cgroup $d" >&2
        done < <(find "$root$rel" -depth -type d 2>/dev/null)
    done
}

# Check tables: each entry is "engine: what|function". run_checks runs them
# all; skip_checks prints one SKIP line per entry (an engine that is not there).
run_checks() {
    local -n table=$1
    local entry
    for entry in "${table[@]}"; do check "${entry%%|*}" "${entry##*|}"; done
}
skip_checks() {
    local -n table=$1
    local entry
    for entry in "${table[@]}"; do skip_check "${entry%%|*}" "$2"; done
}

# in_tty CMD...: runs CMD with a pseudo-terminal as its stdin/stdout (util-linux
# script), so engines' -t sees a terminal. Output is the terminal's, \r removed.
in_tty() {
    local q
    printf -v q '%q ' "$@"
    timeout 60 script -qefc "$q" /dev/null </dev/null | tr -d '\r'
    return "${PIPESTATUS[0]}"
}

# cgroup_placement_ok PID CGPARENT: every cgroup of PID is below CGPARENT (the
# suite's absolute parent), none under the caller's process_api group.
cgroup_placement_ok() {
    local cg; cg=$(cat "/proc/$1/cgroup") || { echo "no process $1"; return 1; }
    echo "$cg"
    if grep -q process_api <<<"$cg"; then echo "FAIL a cgroup under process_api"; return 1; fi
    expect_match "memory cgroup below $2" ":memory:$2/" "$cg" && expect_match "pids cgroup below $2" ":pids:$2/" "$cg"
}

# runtime_holds ID PID: the runtime under test keeps container ID in one of the
# suite's state roots and reports it running as PID: the engine called this
# runtime, not its default one. (runc and berth both keep ROOT/ID/state.json.)
runtime_holds() {
    local id=$1 pid=$2 f root st
    f=$(find "$B/containerd/runc-root" "$B/docker/exec" "$B/podman/rt-root" -maxdepth 4 \
             -path "*/$id/state.json" 2>/dev/null | head -n 1)
    [[ -n $f ]] || { fail "no state of $id in the suite's runtime roots"; return 1; }
    root=$(dirname "$(dirname "$f")")
    st=$("$RT_BIN" --root "$root" state "$id") || { fail "$RT_BIN --root $root state $id"; return 1; }
    echo "$RT_BIN --root $root state $id: $st"
    expect_match "status" '"status": *"running"' "$st" && expect_match "pid" "\"pid\": *$pid[^0-9]" "$st"
}

# The host's bounding set lacks capabilities (this VM's does): runc refuses
# --privileged there, berth warns and runs.
host_bounding_full() {
    local bnd last
    bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
    last=$(cat /proc/sys/kernel/cap_last_cap)
    [[ $((16#$bnd)) == $(((1 << (last + 1)) - 1)) ]]
}
