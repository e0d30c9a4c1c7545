# Checks shared by Docker and podman, whose command lines are alike. run.sh
# picks the engine with use_engine docker|podman, which sets:
#   ENG   the engine's name            ECLI  its client (a wrapper script)
#   erun  `run` with the runtime       e_cg  CONTROLLER NAME -> cgroup directory
# Docker: dockerd on the suite's containerd, berth registered with
# --add-runtime (runc is dockerd's built-in runtime), picked with --runtime.
# podman: --runtime PATH, conmon, cgroupfs with an absolute --cgroup-parent.

E() { timeout 120 "$ECLI" "$@"; }
erun() { E run "${ERUN_ARGS[@]}" "$@"; }
use_engine() {
    ENG=$1
    case $ENG in
        docker) ECLI=$DOCKER ERUN_ARGS=(--runtime "$DOCKER_RT") E_CG=$CG/docker E_CG_PREFIX= E_INIT=docker-init ;;
        podman) ECLI=$PODMAN ERUN_ARGS=(--cgroup-parent "$CG/podman") E_CG=$CG/podman E_CG_PREFIX=libpod- E_INIT=podman-init ;;
    esac
}
# e_rm NAME...: remove at once (podman's rm -f would wait its stop timeout)
e_rm() { if [[ $ENG == podman ]]; then E rm -f -t 0 "$@"; else E rm -f "$@"; fi; }
e_cg() { echo "/sys/fs/cgroup/$1$E_CG/$E_CG_PREFIX$(dk_id "$2")"; }
dk_id() { E inspect -f '{{.Id}}' "$1"; }
dk_state() { E inspect -f "{{$2}}" "$1"; }
# a long-running container with signal traps that log what arrives
dk_sleeper() {
    erun -d --name "$1" "${@:2}" busybox sh -c \
        'trap "echo got TERM; exit 0" TERM; trap "echo got USR1" USR1; echo started; while :; do sleep 0.2; done' >/dev/null &&
        wait_for 20 sh -c "$ECLI logs $1 2>&1 | grep -q started"
}

dk_echo() {
    local out; out=$(erun --rm busybox echo hi) || { fail "$ENG run exited $?"; return 1; }
    expect_eq "output" "hi" "$out"
}
dk_exit_code() {
    erun --rm busybox sh -c 'echo out; echo err >&2; exit 3'; local rc=$?
    expect_eq "exit code" 3 "$rc"
}
dk_tty() {
    local out; out=$(in_tty "$ECLI" run "${ERUN_ARGS[@]}" --rm -t busybox sh -c 'tty; exit 4'); local rc=$?
    echo "$out"
    grep -qE '(^|\^@)/dev/pts/[0-9]+$' <<<"$out" || { fail "no /dev/pts/N line"; return 1; }
    expect_eq "exit code" 4 "$rc"
}
dk_exec() {
    dk_sleeper be-exec || return 1
    local out rc
    out=$(E exec be-exec sh -c 'echo in-$((1+1)); exit 5'); rc=$?
    e_rm be-exec >/dev/null
    expect_eq "exec output" "in-2" "$out" && expect_eq "exec exit code" 5 "$rc"
}
dk_exec_tty() {
    dk_sleeper be-exect || return 1
    local out rc
    out=$(in_tty "$ECLI" exec -t be-exect sh -c 'tty; exit 6'); rc=$?
    e_rm be-exect >/dev/null
    echo "$out"
    grep -qE '(^|\^@)/dev/pts/[0-9]+$' <<<"$out" || { fail "no /dev/pts/N line"; return 1; }
    expect_eq "exec -t exit code" 6 "$rc"
}
dk_stop() {
    dk_sleeper be-stop || return 1
    local t0=$SECONDS out code
    E stop -t 20 be-stop >/dev/null || { fail "$ENG stop failed"; return 1; }
    out=$(E logs be-stop 2>&1); code=$(dk_state be-stop .State.ExitCode)
    e_rm be-stop >/dev/null
    echo "$out"
    expect_match "SIGTERM reached the process" 'got TERM' "$out" && expect_eq "exit code" 0 "$code" &&
        { ((SECONDS - t0 < 15)) || fail "stop took $((SECONDS - t0))s (SIGTERM ignored?)"; }
}
dk_kill() {
    dk_sleeper be-kill || return 1
    E kill -s USR1 be-kill >/dev/null || { fail "$ENG kill -s USR1"; return 1; }
    wait_for 10 sh -c "$ECLI logs be-kill 2>&1 | grep -q 'got USR1'" || { E logs be-kill; e_rm be-kill; fail "USR1 not delivered"; return 1; }
    E kill be-kill >/dev/null || { fail "$ENG kill"; return 1; }
    wait_for 10 sh -c "[ \"\$($ECLI inspect -f '{{.State.Running}}' be-kill)\" = false ]"
    local code; code=$(dk_state be-kill .State.ExitCode)
    e_rm be-kill >/dev/null
    expect_eq "exit code after SIGKILL" 137 "$code"
}
dk_restart() {
    dk_sleeper be-restart || return 1
    local pid1 pid2 n
    pid1=$(dk_state be-restart .State.Pid)
    E restart -t 10 be-restart >/dev/null || { e_rm be-restart; fail "$ENG restart"; return 1; }
    wait_for 20 sh -c "[ \$($ECLI logs be-restart 2>&1 | grep -c started) -ge 2 ]"
    pid2=$(dk_state be-restart .State.Pid); n=$(E logs be-restart 2>&1 | grep -c started)
    local running; running=$(dk_state be-restart .State.Running)
    e_rm be-restart >/dev/null
    expect_eq "running after restart" true "$running" && expect_eq "started twice" 2 "$n" &&
        { [[ $pid1 != "$pid2" ]] || fail "same pid $pid1 after restart"; }
}
dk_pause() {
    erun -d --name be-pause busybox sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.1; done' >/dev/null || return 1
    sleep 0.5
    E pause be-pause >/dev/null || { e_rm be-pause; fail "$ENG pause"; return 1; }
    local st fz a b
    st=$(dk_state be-pause .State.Status); fz=$(cat "$(e_cg freezer be-pause)/freezer.state")
    a=$(cat "/proc/$(dk_state be-pause .State.Pid)/root/tmp/n"); sleep 0.6
    b=$(cat "/proc/$(dk_state be-pause .State.Pid)/root/tmp/n")
    E unpause be-pause >/dev/null || { e_rm be-pause; fail "$ENG unpause"; return 1; }
    sleep 0.6
    local c st2; c=$(E exec be-pause cat /tmp/n); st2=$(dk_state be-pause .State.Status)
    e_rm be-pause >/dev/null
    expect_eq "paused status" paused "$st" && expect_eq "freezer" FROZEN "$fz" &&
        expect_eq "no progress while paused" "$a" "$b" && expect_eq "status after unpause" running "$st2" &&
        { ((c > b)) || fail "no progress after unpause ($b -> $c)"; }
}
dk_update() {
    dk_sleeper be-update --memory 64m --pids-limit 100 --cpus 1 || return 1
    local ok=0 mem pids quota want_pids=50
    # each update names one resource: Docker sends 0 for the others
    E update --memory 96m --memory-swap 96m be-update >/dev/null || { echo "update --memory failed"; ok=1; }
    if E update --help | grep -q -- --pids-limit; then
        E update --pids-limit 50 be-update >/dev/null || { echo "update --pids-limit failed"; ok=1; }
    else
        echo "$ENG update has no --pids-limit: pids.max stays 100"; want_pids=100
    fi
    E update --cpus 0.5 be-update >/dev/null || { echo "update --cpus failed"; ok=1; }
    mem=$(cat "$(e_cg memory be-update)/memory.limit_in_bytes")
    pids=$(cat "$(e_cg pids be-update)/pids.max")
    quota=$(cat "$(e_cg cpu be-update)/cpu.cfs_quota_us")
    local running; running=$(dk_state be-update .State.Running)
    e_rm be-update >/dev/null
    ((ok == 0)) && expect_eq "memory.limit_in_bytes" $((96 << 20)) "$mem" && expect_eq "pids.max" "$want_pids" "$pids" &&
        expect_eq "cpu.cfs_quota_us" 50000 "$quota" && expect_eq "still running" true "$running"
}
dk_oom() {
    erun --name be-oom --memory 32m --memory-swap 32m busybox sh -c 'tail /dev/zero'; local rc=$?
    local oom; oom=$(dk_state be-oom .State.OOMKilled)
    e_rm be-oom >/dev/null
    echo "OOMKilled=$oom"
    # podman 4.3 with conmon on cgroup v1 reports OOMKilled=false even with runc
    expect_eq "exit code" 137 "$rc" && { [[ $ENG == podman ]] || expect_eq "OOMKilled" true "$oom"; }
}
dk_pids_limit() {
    # 20 background sleeps in a cgroup of 10 pids: forks fail, the count stays at 10
    local out
    out=$(erun --rm --pids-limit 10 busybox sh -c 'read m </sys/fs/cgroup/pids/pids.max; echo max=$m
        (for i in $(seq 20); do sleep 5 & done); read c </sys/fs/cgroup/pids/pids.current; echo current=$c' 2>&1)
    echo "$out"
    expect_match "pids.max" 'max=10' "$out" && expect_match "pids.current at most 10" 'current=([0-9]|10)([^0-9]|$)' "$out" &&
        expect_match "fork refused" "can't fork" "$out"
}
dk_cpus() {
    local out; out=$(erun --rm --cpus 0.5 busybox sh -c 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us')
    expect_eq "quota period" "50000 100000" "$(echo $out)"
}
dk_read_only() {
    local out rc
    out=$(erun --rm --read-only --tmpfs /tmp busybox sh -c 'touch /x 2>&1; echo rc=$?; touch /tmp/x && echo tmp-ok'); rc=$?
    echo "$out"
    expect_match "root read-only" 'Read-only file system' "$out" && expect_match "tmpfs writable" 'tmp-ok' "$out"
}
dk_cap_drop() {
    local out; out=$(erun --rm --cap-drop ALL busybox sh -c 'grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status; chown 1 /tmp 2>&1')
    echo "$out"
    expect_match "CapEff" 'CapEff:[[:space:]]+0000000000000000' "$out" &&
        expect_match "CapBnd" 'CapBnd:[[:space:]]+0000000000000000' "$out" &&
        expect_match "chown denied" 'Operation not permitted' "$out"
}
dk_seccomp_default() {
    local out out2; out=$(erun --rm busybox sh -c 'grep Seccomp: /proc/self/status; unshare -U true 2>&1; echo rc=$?')
    out2=$(erun --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status)
    echo "$out"; echo "$out2"
    expect_match "seccomp mode 2" 'Seccomp:[[:space:]]+2' "$out" && expect_match "unconfined: mode 0" 'Seccomp:[[:space:]]+0' "$out2" || return 1
    # Docker's default profile denies unshare(CLONE_NEWUSER) without CAP_SYS_ADMIN (podman's allows it)
    [[ $ENG != docker ]] || expect_match "unshare denied" 'rc=[1-9]' "$out"
}
dk_seccomp_custom() {
    cat >"$B/seccomp-nomkdir.json" <<'EOF'
{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}
EOF
    local out; out=$(erun --rm --security-opt "seccomp=$B/seccomp-nomkdir.json" busybox sh -c 'mkdir /tmp/d 2>&1; echo rc=$?; touch /tmp/f && echo touch-ok')
    echo "$out"
    expect_match "mkdir denied" 'Operation not permitted' "$out" && expect_match "rc" 'rc=1' "$out" &&
        expect_match "others allowed" 'touch-ok' "$out"
}
dk_nnp() {
    local out; out=$(erun --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status)
    expect_match "NoNewPrivs" 'NoNewPrivs:[[:space:]]+1' "$out"
}
dk_init() {
    local out; out=$(erun --rm --init busybox sh -c 'cat /proc/1/comm; echo $$')
    echo "$out"
    expect_eq "pid 1 is the init" "$E_INIT" "$(head -n1 <<<"$out")" && expect_match "sh is not pid 1" '^[0-9]+$' "$(tail -n1 <<<"$out")" &&
        { [[ $(tail -n1 <<<"$out") != 1 ]] || fail "sh is pid 1"; }
}
dk_ulimit() {
    local out; out=$(erun --rm --ulimit nofile=512:1024 --ulimit nproc=300:400 busybox sh -c 'echo $(ulimit -n) $(ulimit -Hn) $(ulimit -u)')
    expect_eq "nofile soft hard, nproc" "512 1024 300" "$out"
}
dk_sysctl() {
    local out; out=$(erun --rm --sysctl kernel.msgmax=12345 --sysctl net.ipv4.ip_unprivileged_port_start=99 busybox \
        sh -c 'cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_unprivileged_port_start')
    expect_eq "sysctls" "12345 99" "$(echo $out)"
}
dk_top() {
    dk_sleeper be-top || return 1
    local out; out=$(E top be-top)
    e_rm be-top >/dev/null
    echo "$out"
    expect_match "top shows the shell" 'sh -c trap' "$out"
}
dk_stats() {
    dk_sleeper be-stats --memory 64m || return 1
    local out; out=$(E stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' be-stats)
    e_rm be-stats >/dev/null
    echo "$out"
    expect_match "stats line" '^be-stats [0-9.]+[kKMG]i?B / (64MiB|67.11MB) [1-9]' "$out"
}
dk_privileged() {
    local out rc; out=$(erun --rm --privileged busybox sh -c 'grep CapEff /proc/self/status; ls /dev | wc -l' 2>&1); rc=$?
    echo "$out"
    if ((rc != 0)) && [[ $ENGINE_RUNTIME == runc ]] && ! host_bounding_full && [[ $out =~ caps|capabilit ]]; then
        skip "runc refuses --privileged: this host's bounding set lacks capabilities (rc $rc)"; return
    fi
    expect_eq "exit code" 0 "$rc" || return 1
    # podman asks for the host's bounding set; Docker 20.10 for every
    # capability it knows (0-37, up to CAP_AUDIT_READ): the runtime grants
    # what it asks for that the host has
    local bnd want mask=$(((1 << 38) - 1))
    bnd=$((16#$(awk '/^CapBnd/ {print $2}' /proc/self/status)))
    [[ $ENG == docker ]] && bnd=$((bnd & mask))
    printf -v want '%016x' "$bnd"
    expect_match "capabilities" "CapEff:[[:space:]]+$want" "$out"
}
dk_error() {
    # a create that fails in the runtime: its message must reach the user
    # (dockerd checks sysctl names, not values: the runtime's write fails)
    local out rc; out=$(erun --rm --sysctl kernel.msgmax=notanumber busybox true 2>&1); rc=$?
    echo "$out"
    ((rc != 0)) || { fail "create with --sysctl kernel.msgmax=notanumber succeeded"; return 1; }
    expect_match "runtime's reason" 'msgmax.*(invalid argument|Invalid argument)' "$out"
}
dk_missing_binary() {
    # engines map "not found" from the runtime's create to 127 (runc and crun
    # look the binary up before create returns)
    local out rc; out=$(erun --rm busybox /no/such/binary 2>&1); rc=$?
    echo "$out"
    expect_eq "exit code for a missing binary" 127 "$rc" && expect_match "names the binary" '/no/such/binary' "$out"
}
dk_cgroups() {
    dk_sleeper be-cg || return 1
    local pid; pid=$(dk_state be-cg .State.Pid)
    runtime_holds "$(dk_id be-cg)" "$pid" && cgroup_placement_ok "$pid" "$E_CG"; local rc=$?
    e_rm be-cg >/dev/null
    return $rc
}
dk_network() {
    local net=mynetwork
    if [[ $ENG == docker ]]; then
        E network create -o "com.docker.network.bridge.name=${NET_PREFIX}d" $net >/dev/null || { fail "network create"; return 1; }
    else
        net=$PODMAN_NET; podman_network_conf $net >/dev/null || { fail "network config"; return 1; }
    fi
    erun -d --name backend --network $net busybox httpd -f -p 8080 -h /www >/dev/null || { E network rm $net; fail "backend"; return 1; }
    local out rc
    out=$(erun --rm --network $net busybox sh -c \
        'for i in $(seq 25); do timeout 3 wget -q -O- http://backend:8080/ && exit 0; sleep 0.2; done; exit 1'); rc=$?
    e_rm backend >/dev/null; E network rm $net >/dev/null
    echo "$out"
    expect_eq "front exit" 0 "$rc" && expect_eq "fetched by name" "hello from backend" "$out"
}
dk_compose() {
    command -v docker-compose >/dev/null || { skip "docker-compose not installed"; return; }
    sed -e "s|@RUNTIME@|$DOCKER_RT|g" -e "s|@BRIDGE@|${NET_PREFIX}c|g" "$HERE/compose.yml" >"$B/compose.yml"
    local proj=be$TAG out rc
    export DOCKER_HOST="unix://$DOCKER_SOCK" DOCKER_CONFIG="$DOCKER_DIR/client" COMPOSE_HTTP_TIMEOUT=120
    timeout 180 docker-compose -p "$proj" -f "$B/compose.yml" up -d backend || { fail "compose up backend"; return 1; }
    out=$(timeout 120 docker-compose -p "$proj" -f "$B/compose.yml" run --rm front 2>&1); rc=$?
    timeout 120 docker-compose -p "$proj" -f "$B/compose.yml" down -t 2 >/dev/null 2>&1
    echo "$out"
    expect_eq "front exit" 0 "$rc" && expect_match "fetched by name" 'hello from backend' "$out"
}

# The checks of both engines; "ENG:" becomes the engine's name.
CLI_CHECKS=(
    "ENG: run --rm busybox echo hi prints hi|dk_echo"
    "ENG: run exit 3 returns 3|dk_exit_code"
    "ENG: run -t gets a terminal|dk_tty"
    "ENG: exec output and exit code|dk_exec"
    "ENG: exec -t gets a terminal|dk_exec_tty"
    "ENG: stop delivers SIGTERM to the process|dk_stop"
    "ENG: kill -s USR1 then kill (137)|dk_kill"
    "ENG: restart|dk_restart"
    "ENG: pause and unpause|dk_pause"
    "ENG: update memory, pids, cpu one at a time|dk_update"
    "ENG: --memory 32m OOM kill exits 137|dk_oom"
    "ENG: --pids-limit|dk_pids_limit"
    "ENG: --cpus|dk_cpus"
    "ENG: --read-only|dk_read_only"
    "ENG: --cap-drop ALL|dk_cap_drop"
    "ENG: default seccomp profile|dk_seccomp_default"
    "ENG: custom seccomp profile|dk_seccomp_custom"
    "ENG: --security-opt no-new-privileges|dk_nnp"
    "ENG: --init|dk_init"
    "ENG: --ulimit|dk_ulimit"
    "ENG: --sysctl|dk_sysctl"
    "ENG: top|dk_top"
    "ENG: stats --no-stream|dk_stats"
    "ENG: --privileged|dk_privileged"
    "ENG: a failing create shows the runtime's error|dk_error"
    "ENG: a missing binary exits 127, naming it|dk_missing_binary"
    "ENG: run by the runtime under test, cgroups below the absolute parent, none in process_api|dk_cgroups"
    "ENG: bridge network mynetwork, front fetches backend by name|dk_network"
)
DOCKER_CHECKS=("${CLI_CHECKS[@]/#ENG:/docker:}"
    "docker: docker-compose backend and front on mynetwork|dk_compose")
PODMAN_CHECKS=("${CLI_CHECKS[@]/#ENG:/podman:}")
