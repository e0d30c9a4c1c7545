#!/usr/bin/env bash
# Engine suite: berth (or runc) as the OCI runtime under containerd
# (containerd-shim-runc-v2 via ctr), Docker (dockerd --add-runtime) and podman
# (conmon). Every engine runs on private state, socket and cgroup locations
# made by this script and removed on every exit path. Prints TAP; the last line
# is `engines: N passed, N failed, N skipped`. See tests/engines/README.md.
#
# usage: tests/engines/run.sh [--runtime berth|runc] [--berth PATH]
#                             [--engines "containerd docker podman"] [--only REGEX]
# env:   ENGINE_RUNTIME=berth|runc  BERTH=PATH  ENGINES=...  ONLY=REGEX
#        ENGINE_NO_INSTALL=1 (do not apt-get install missing packages)
#        CHECK_TIMEOUT=180 (seconds, one check)  ENGINE_BUDGET=600 (seconds, the suite)
#        ENGINE_EVAL='shell code' (debugging: run it once each engine is up, with
#        the functions D, P, ctr_ at hand, e.g. ENGINE_EVAL='P info' --only none)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ENGINE_RUNTIME=${ENGINE_RUNTIME:-berth}
BERTH=${BERTH:-$REPO/build/berth}
ENGINES=${ENGINES:-containerd docker podman}
ONLY=${ONLY:-}

while (($#)); do
    case $1 in
        --runtime) ENGINE_RUNTIME=$2; shift 2 ;;
        --berth) BERTH=$2; shift 2 ;;
        --engines) ENGINES=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

((EUID == 0)) || { echo "run.sh: must run as root" >&2; exit 2; }
case $ENGINE_RUNTIME in
    berth) RT_BIN=$(realpath "$BERTH" 2>/dev/null) && [[ -x $RT_BIN ]] ||
               { echo "run.sh: berth binary $BERTH not found (build it, or pass --berth)" >&2; exit 2; } ;;
    runc) RT_BIN=$(command -v runc) || { echo "run.sh: runc not installed" >&2; exit 2; } ;;
    *) echo "run.sh: ENGINE_RUNTIME must be berth or runc" >&2; exit 2 ;;
esac

# shellcheck source=lib.sh
. "$HERE/lib.sh"

# --- packages ------------------------------------------------------------------
# Debian 12 packages of the engines; each is also listed in scripts/packages.txt.
ENGINE_PACKAGES=(containerd docker.io docker-compose podman conmon tini iptables
                 containernetworking-plugins golang-github-containernetworking-plugin-dnsname
                 busybox-static util-linux)
install_missing() {
    local missing=() p added_policy=
    for p in "${ENGINE_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    if [[ -n ${ENGINE_NO_INSTALL:-} ]]; then
        echo "# missing packages: ${missing[*]} (ENGINE_NO_INSTALL set)"; return 0
    fi
    echo "# installing: ${missing[*]}"
    # The packages' maintainer scripts would start dockerd/containerd on the
    # machine's default directories: forbid service starts while installing.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && added_policy=1
    fi
    { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"; } \
        >/tmp/berth-engines-apt.log 2>&1 || echo "# apt-get install failed: see /tmp/berth-engines-apt.log"
    [[ -n $added_policy ]] && rm -f /usr/sbin/policy-rc.d
    return 0
}
install_missing

# --- private places ------------------------------------------------------------
TAG=$$
B=/run/berth-engines-$TAG            # every file, socket and state directory
CG=/berth-engines-$TAG               # every cgroup (absolute: never under process_api)
NET_PREFIX=be$TAG                    # every network interface the suite names
mkdir -p "$B/logs"
chmod 711 "$B"
SHM_LOCK_EXISTED=$([[ -e /dev/shm/libpod_lock ]] && echo 1)
DNSNAME_DIR=/run/containers/cni/dnsname
# Fixed paths the engines use whatever they are told: containerd 1.6 puts shim
# sockets in /run/containerd/s, dockerd makes /run/docker/plugins, podman's CNI
# keeps results in /var/lib/cni/results and network namespaces in /run/netns.
# The suite removes the ones it made (when empty) at the end.
FIXED_DIRS=(/run/containerd/s /run/containerd/fifo /run/containerd /run/docker/plugins /run/docker
            /var/lib/cni/results /var/lib/cni /run/netns)
FIXED_MADE=()
for d in "${FIXED_DIRS[@]}"; do [[ -e $d ]] || FIXED_MADE+=("$d"); done
DNSNAME_EXISTED=$([[ -e $DNSNAME_DIR ]] && echo 1)
# The CNI bridge plugin (isGateway) turns IPv4 forwarding on; put it back.
IP_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
CTD_PID= DOCKERD_PID=
T_START=$SECONDS

cleanup() {
    local rc=$? p
    trap - EXIT INT TERM HUP
    set +e
    # 1. ask the engines to remove their containers and networks
    [[ -n ${PODMAN_READY:-} ]] && { P rm -af -t 2 >/dev/null 2>&1; P network rm -f "${PODMAN_NET:-none}" >/dev/null 2>&1; }
    if [[ -n ${DOCKERD_PID:-} ]] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
        D ps -aq 2>/dev/null | xargs -r timeout 60 "$DOCKER" rm -f >/dev/null 2>&1
        D network prune -f >/dev/null 2>&1
    fi
    if [[ -n ${CTD_PID:-} ]] && kill -0 "$CTD_PID" 2>/dev/null; then
        for p in $(ctr_ task ls -q 2>/dev/null); do ctr_ task kill -s SIGKILL "$p" >/dev/null 2>&1; done
        sleep 0.5
        for p in $(ctr_ task ls -q 2>/dev/null); do ctr_ task rm -f "$p" >/dev/null 2>&1; done
        for p in $(ctr_ c ls -q 2>/dev/null); do ctr_ c rm "$p" >/dev/null 2>&1; done
    fi
    # 2. the daemons, by PID
    stop_pid "$DOCKERD_PID" dockerd
    stop_pid "$CTD_PID" containerd
    # 3. containers a dead engine left behind: delete them with the runtime
    #    on the suite's own state roots, then shims/conmon that still run
    for root in "$B"/containerd/runc-root/* "$B"/docker/exec/runtime-*/* "$B"/podman/rt-root; do
        [[ -d $root ]] || continue
        for p in $("$RT_BIN" --root "$root" list -q 2>/dev/null); do
            "$RT_BIN" --root "$root" delete --force "$p" >/dev/null 2>&1
        done
    done
    for p in $(pids_using_dir "$B"); do
        [[ $p == "$$" || $p == "$BASHPID" ]] && continue
        stop_pid "$p" "leftover $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | cut -c1-60)"
    done
    # 4. network interfaces the suite named
    for p in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$NET_PREFIX"); do
        ip link delete "$p" 2>/dev/null
    done
    # 5. firewall rules naming the suite's interfaces (dnsname opens port 53
    #    on the podman bridge in INPUT and leaves the rule behind)
    local table rule
    for table in filter nat mangle; do
        iptables -t "$table" -S 2>/dev/null | grep -E -- "-[io] $NET_PREFIX" | sed 's/^-A /-D /' |
            while read -r rule; do eval "iptables -t $table $rule" 2>/dev/null; done
    done
    [[ $(cat /proc/sys/net/ipv4/ip_forward) == "$IP_FORWARD" ]] || echo "$IP_FORWARD" >/proc/sys/net/ipv4/ip_forward
    # 6. mounts, cgroups, files
    umount_under "$B"
    rm_cgroup_tree "$CG"
    [[ -z $SHM_LOCK_EXISTED ]] && rm -f /dev/shm/libpod_lock
    # dnsname's dnsmasq for the suite's podman network, and its files
    if [[ -d $DNSNAME_DIR/$PODMAN_NET ]]; then
        p=$(cat "$DNSNAME_DIR/$PODMAN_NET/pidfile" 2>/dev/null)
        [[ -n $p && $(cat /proc/"$p"/comm 2>/dev/null) == dnsmasq ]] && stop_pid "$p" dnsmasq
        rm -rf "${DNSNAME_DIR:?}/$PODMAN_NET"
    fi
    rm -f /var/lib/cni/results/"$PODMAN_NET"-* 2>/dev/null
    for p in "${FIXED_MADE[@]}"; do
        [[ -d $p && -z $(ls -A "$p" 2>/dev/null) ]] || continue
        mountpoint -q "$p" && umount "$p" 2>/dev/null   # ip netns binds /run/netns onto itself
        rmdir "$p" 2>/dev/null
    done
    [[ -z $DNSNAME_EXISTED ]] && rmdir "$DNSNAME_DIR" /run/containers/cni /run/containers 2>/dev/null
    # 7. say what could not be removed
    local left
    left=$(ls -d /sys/fs/cgroup/*"$CG" 2>/dev/null; grep -F "$B/" /proc/self/mountinfo | cut -d' ' -f5
           ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep "^$NET_PREFIX"
           iptables-save 2>/dev/null | grep -- "$NET_PREFIX"; pids_using_dir "$B" | grep -vx "$$")
    [[ -z $left ]] || printf '# cleanup: left behind: %s\n' $left
    if [[ -n ${KEEP_LOGS:-} ]]; then
        echo "# logs kept in $B/logs"; find "$B" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
    else
        rm -rf "$B"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

echo "# runtime: $ENGINE_RUNTIME ($RT_BIN)"
echo "# private dir: $B, cgroup parent: $CG"

# Wrappers that point each engine's client at the suite's private daemon and
# configuration; usable from in_tty (a pseudo-terminal) and by docker-compose.
mkdir -p "$B/bin"
write_wrappers() {
    cat >"$B/bin/ctr" <<EOF
#!/bin/sh
exec /usr/bin/ctr --address "$B/containerd/containerd.sock" -n berth-engines "\$@"
EOF
    cat >"$B/bin/docker" <<EOF
#!/bin/sh
export DOCKER_CONFIG="$B/docker/client" DOCKER_HOST="unix://$B/docker/docker.sock"
exec /usr/bin/docker "\$@"
EOF
    # podman does not hand --runtime-flag to the cleanup command conmon runs
    # when a container exits (that one would use the runtime's default root,
    # /run/berth or /run/runc): a wrapper with the runtime's own name adds
    # --root on every call instead.
    mkdir -p "$B/podman/runtime"
    PODMAN_RT=$B/podman/runtime/$(basename "$RT_BIN")
    cat >"$PODMAN_RT" <<EOF
#!/bin/sh
exec "$RT_BIN" --root "$B/podman/rt-root" "\$@"
EOF
    chmod 755 "$PODMAN_RT"
    cat >"$B/bin/podman" <<EOF
#!/bin/sh
export CONTAINERS_CONF="$B/podman/containers.conf" CONTAINERS_STORAGE_CONF="$B/podman/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$B/podman/registries.conf" REGISTRY_AUTH_FILE="$B/podman/auth.json"
exec /usr/bin/podman --runtime "$PODMAN_RT" \\
    --cgroup-manager cgroupfs --events-backend file --tmpdir "$B/podman/tmp" \\
    --network-config-dir "$B/podman/cni" "\$@"
EOF
    chmod 755 "$B"/bin/*
}
write_wrappers

# --- the image -------------------------------------------------------------------
# A busybox root filesystem from busybox-static, as one uncompressed layer,
# wrapped by hand as an OCI image layout archive (for ctr) and imported from the
# plain tarball by docker and podman. No registry is involved.
IMG=$B/image
build_image() {
    mkdir -p "$IMG/oci/blobs/sha256"
    "$REPO/scripts/make-busybox-rootfs.sh" "$IMG/rootfs" || return 1
    mkdir -p "$IMG/rootfs/www"
    echo "hello from backend" >"$IMG/rootfs/www/index.html"
    tar -C "$IMG/rootfs" --numeric-owner --sort=name --mtime=@0 -cf "$IMG/layer.tar" . || return 1
    local layer_sha layer_size cfg cfg_sha cfg_size man man_sha man_size
    layer_sha=$(sha256sum "$IMG/layer.tar" | cut -d' ' -f1)
    layer_size=$(stat -c %s "$IMG/layer.tar")
    cp "$IMG/layer.tar" "$IMG/oci/blobs/sha256/$layer_sha"
    cfg='{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:'$layer_sha'"]}}'
    printf '%s' "$cfg" >"$IMG/cfg.json"
    cfg_sha=$(sha256sum "$IMG/cfg.json" | cut -d' ' -f1); cfg_size=$(stat -c %s "$IMG/cfg.json")
    mv "$IMG/cfg.json" "$IMG/oci/blobs/sha256/$cfg_sha"
    man='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'$cfg_sha'","size":'$cfg_size'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'$layer_sha'","size":'$layer_size'}]}'
    printf '%s' "$man" >"$IMG/man.json"
    man_sha=$(sha256sum "$IMG/man.json" | cut -d' ' -f1); man_size=$(stat -c %s "$IMG/man.json")
    mv "$IMG/man.json" "$IMG/oci/blobs/sha256/$man_sha"
    printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$IMG/oci/oci-layout"
    printf '%s' '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'$man_sha'","size":'$man_size',"annotations":{"io.containerd.image.name":"docker.io/library/busybox:latest","org.opencontainers.image.ref.name":"latest"}}]}' >"$IMG/oci/index.json"
    tar -C "$IMG/oci" -cf "$IMG/busybox-oci.tar" oci-layout index.json blobs
}
build_image || { echo "Bail out! cannot build the busybox image"; exit 1; }

# --- engines -----------------------------------------------------------------------
CTD_DIR=$B/containerd
CTD_SOCK=$CTD_DIR/containerd.sock
CTR=$B/bin/ctr
ctr_() { timeout 120 "$CTR" "$@"; }

start_containerd() {
    mkdir -p "$CTD_DIR"/{root,state,opt,runc-root,fifo}
    cat >"$CTD_DIR/config.toml" <<EOF
version = 2
root = "$CTD_DIR/root"
state = "$CTD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CTD_SOCK"
[ttrpc]
  address = "$CTD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTD_DIR/opt"
[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "$CTD_DIR/runc-v1-root"
EOF
    containerd --config "$CTD_DIR/config.toml" --log-level warn >"$B/logs/containerd.log" 2>&1 &
    CTD_PID=$!
    wait_for_daemon "$CTD_PID" 30 /usr/bin/ctr --address "$CTD_SOCK" version || { tail -n3 "$B/logs/containerd.log"; return 1; }
}

DOCKER_DIR=$B/docker
DOCKER_SOCK=$DOCKER_DIR/docker.sock
if [[ $ENGINE_RUNTIME == berth ]]; then DOCKER_RT=berth; else DOCKER_RT=runc; fi
DOCKER=$B/bin/docker
D() { timeout 120 "$DOCKER" "$@"; }

start_docker() {
    mkdir -p "$DOCKER_DIR"/{data,exec,client}
    # the trust key would go to /etc/docker/key.json: keep it private too
    printf '{"deprecated-key-path": "%s"}\n' "$DOCKER_DIR/key.json" >"$DOCKER_DIR/daemon.json"
    # --iptables=false/--ip-forward=false/--bridge=none: dockerd leaves the
    # host's firewall and forwarding alone; user-defined bridges still connect
    # containers on one bridge, and the embedded DNS works inside each
    # container's own network namespace.
    dockerd --config-file "$DOCKER_DIR/daemon.json" \
        --data-root "$DOCKER_DIR/data" --exec-root "$DOCKER_DIR/exec" \
        --pidfile "$DOCKER_DIR/dockerd.pid" -H "unix://$DOCKER_SOCK" \
        --containerd "$CTD_SOCK" --containerd-namespace berth-engines-moby \
        --containerd-plugins-namespace berth-engines-plugins \
        --bridge none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
        --default-address-pool base=10.213.0.0/16,size=24 \
        --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$CG/docker" \
        "${DOCKER_RT_ARGS[@]}" \
        --storage-driver overlay2 --log-level warn >"$B/logs/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    wait_for_daemon "$DOCKERD_PID" 60 D version || { tail -n3 "$B/logs/dockerd.log"; return 1; }
    D import -c 'CMD ["sh"]' "$IMG/layer.tar" busybox:latest >/dev/null
}
# runc is dockerd's built-in runtime (a name --add-runtime may not take)
DOCKER_RT_ARGS=()
[[ $DOCKER_RT == berth ]] && DOCKER_RT_ARGS=(--add-runtime "berth=$RT_BIN")

PODMAN_DIR=$B/podman
PODMAN_NET=mynetwork-$TAG
PODMAN=$B/bin/podman
P() { timeout 120 "$PODMAN" "$@"; }
# podman's run/create: the cgroup parent is per container
Prun() { P run --cgroup-parent "$CG/podman" "$@"; }

start_podman() {
    PODMAN_NPROC=$(ulimit -Hu); [[ $PODMAN_NPROC == unlimited ]] || ((PODMAN_NPROC > 32768)) && PODMAN_NPROC=32768
    mkdir -p "$PODMAN_DIR"/{root,runroot,tmp,cni,rt-root,cni-data}
    cat >"$PODMAN_DIR/containers.conf" <<EOF
[containers]
netns = "none"
# podman's defaults (nofile=1048576, nproc=4194304) are above this machine's
# hard limits, which a container cannot raise: use the suite's nofile, and an
# nproc no higher than the 32768 that conmon runs with
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=$PODMAN_NPROC:$PODMAN_NPROC"]
init_path = "/usr/bin/tini-static"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
tmp_dir = "$PODMAN_DIR/tmp"
static_dir = "$PODMAN_DIR/root/libpod"
volume_path = "$PODMAN_DIR/root/volumes"
lock_type = "file"
[network]
network_backend = "cni"
network_config_dir = "$PODMAN_DIR/cni"
cni_plugin_dirs = ["/usr/lib/cni"]
default_subnet = "10.214.0.0/24"
EOF
    cat >"$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$PODMAN_DIR/runroot"
graphroot = "$PODMAN_DIR/root"
EOF
    printf 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n' >"$PODMAN_DIR/registries.conf"
    echo '{}' >"$PODMAN_DIR/auth.json"
    P info >"$B/logs/podman-info.log" 2>&1 || { tail -5 "$B/logs/podman-info.log"; return 1; }
    P import --change 'CMD ["sh"]' "$IMG/layer.tar" localhost/busybox:latest >/dev/null || return 1
    PODMAN_READY=1
}

# podman_network_conf NAME: the bridge network, written as a CNI conflist in
# podman's private network directory rather than with `podman network create`,
# whose conflist adds the firewall plugin and masquerading (iptables chains that
# outlive the network). Here: the bridge, host-local addresses kept under $B,
# and dnsname (dnsmasq on the bridge) for lookups by container name.
podman_network_conf() {
    local name=$1
    cat >"$PODMAN_DIR/cni/$name.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$name",
  "plugins": [
    { "type": "bridge", "bridge": "${NET_PREFIX}p", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$PODMAN_DIR/cni-data",
                "routes": [ { "dst": "0.0.0.0/0" } ],
                "ranges": [ [ { "subnet": "10.215.$((TAG % 250)).0/24", "gateway": "10.215.$((TAG % 250)).1" } ] ] } },
    { "type": "dnsname", "domainName": "dns.podman", "capabilities": { "aliases": true } }
  ]
}
EOF
}

# --- checks ------------------------------------------------------------------------
want() { [[ " $ENGINES " == *" $1 "* ]]; }
if want containerd || want docker; then
    start_containerd >"$B/logs/containerd-start.log" 2>&1 ||
        CTD_FAILED="containerd did not start: $(tail -n1 "$B/logs/containerd-start.log")"
fi

if want containerd; then
    . "$HERE/checks-containerd.sh"
    if [[ -z ${CTD_FAILED:-} ]] && ctr_ image import "$IMG/busybox-oci.tar" >"$B/logs/ctr-import.log" 2>&1; then
        [[ -n ${ENGINE_EVAL:-} ]] && eval "$ENGINE_EVAL"
        run_checks CTD_CHECKS
    else
        skip_checks CTD_CHECKS "${CTD_FAILED:-ctr image import failed: $(tail -n1 "$B/logs/ctr-import.log")}"
    fi
fi
. "$HERE/checks-cli.sh"
if want docker; then
    use_engine docker
    if [[ -z ${CTD_FAILED:-} ]] && start_docker >"$B/logs/docker-start.log" 2>&1; then
        [[ -n ${ENGINE_EVAL:-} ]] && eval "$ENGINE_EVAL"
        run_checks DOCKER_CHECKS
    else
        skip_checks DOCKER_CHECKS "${CTD_FAILED:-dockerd did not start: $(tail -n1 "$B/logs/docker-start.log")}"
    fi
fi
if want podman; then
    use_engine podman
    if start_podman >"$B/logs/podman-start.log" 2>&1; then
        [[ -n ${ENGINE_EVAL:-} ]] && eval "$ENGINE_EVAL"
        run_checks PODMAN_CHECKS
    else
        skip_checks PODMAN_CHECKS "podman not usable: $(tail -n1 "$B/logs/podman-start.log")"
    fi
fi

echo "1..$TAP_N"
echo "# duration: $((SECONDS - T_START))s"
((TAP_FAIL)) && printf '# failed: %s\n' "${FAILED_CHECKS[@]}"
echo "engines: $TAP_PASS passed, $TAP_FAIL failed, $TAP_SKIP skipped"
((TAP_FAIL == 0))
