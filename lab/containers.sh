#!/usr/bin/env bash
# Builds the meshgd image as `meshgd:latest` from the project's Dockerfile, preparing this machine for containers
# first where it has to (`npm run image` runs this; `.ci/run` calls it before the integration tests, whose
# test/integration/compose-podman.test.ts brings a generated compose file up with the image).
#
# - With a Docker engine (`docker info` answers; a docker client alone is not enough): `docker build`, nothing else.
# - Otherwise Podman, on a Debian machine like the CI one (root, no image registry, the npm registry reachable from
#   the host only):
#   1. installs podman, runc, podman-compose, debootstrap and CNI's dnsname plugin (container names resolve) with
#      apt-get where they are missing;
#   2. writes /etc/containers/containers.conf where the machine has none: runc as the runtime (crun fails with
#      "cgroups in hybrid mode not supported") and no default ulimits ("setrlimit RLIMIT_NPROC: Operation not
#      permitted");
#   3. makes the Dockerfile's base image, `node:24-slim`, when it is not there: Debian bookworm (debootstrap, minbase,
#      from the mirror apt already uses), the Node 24 binary of the project's own `node` dependency and the host's
#      npm, in the official image's places (/usr/local, a `node` user with uid 1000). The result is cached as a tar
#      under $MESHGD_CACHE (default /var/cache/meshgd) and imported from there the next time;
#   4. `podman build` of the unchanged Dockerfile, except where packages come from: the container cannot reach the
#      npm registry, so the build's `npm ci` runs in npm's offline mode against the host's npm cache (mounted into
#      the build as a throw-away overlay; `npm ci` on the host fills it). `--online` lets the build use the registry.
#
# Usage: lab/containers.sh [--online] [--engine docker|podman] [--context DIR]
#   --context DIR: build from DIR (an export of a commit, say) rather than this checkout; its Dockerfile and
#   package-lock.json are the ones used
# Environment: MESHGD_IMAGE (default meshgd:latest), MESHGD_CACHE (default /var/cache/meshgd).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
image=${MESHGD_IMAGE:-meshgd:latest}
cache=${MESHGD_CACHE:-/var/cache/meshgd}
base=node:24-slim
online=false
engine=
context=$root

rootfs= # a base image's root file system while it is being made (removed on any exit)
trap '[ -z "$rootfs" ] || rm -rf "$rootfs"' EXIT

say() { echo "containers.sh: $*" >&2; }
die() { say "$*"; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --online) online=true ;;
    --engine) engine=${2:?--engine needs docker or podman}; shift ;;
    --context) context=$(cd "${2:?--context needs a folder}" && pwd); shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

# The project's Node 24 (the `node` dependency's binary), what goes into the base image.
project_node() {
  local bin=$root/node_modules/node/bin/node
  [ -x "$bin" ] || die "no $bin: run npm ci first"
  echo "$bin"
}

# The npm the host runs (its package folder), copied into the base image as the official image has it.
host_npm_dir() {
  local cli
  cli=$(readlink -f "$(command -v npm)") || die "no npm on PATH"
  (cd "$(dirname "$cli")/.." && pwd)
}

install_packages() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v podman-compose >/dev/null || missing+=(podman-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  # CNI, Debian 12's default network backend for podman, resolves service names (the peers' /dns4/bootstrap) only
  # with this plugin, a Recommends that --no-install-recommends leaves out: without it every peer fails ENOTFOUND
  [ -x /usr/lib/cni/dnsname ] || missing+=(golang-github-containernetworking-plugin-dnsname)
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}, and installing them needs root"
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_containers_conf() {
  local conf=/etc/containers/containers.conf
  if [ -e "$conf" ]; then
    grep -q '^runtime *= *"runc"' "$conf" || say "note: $conf exists and does not choose runc; left as it is"
    return
  fi
  say "writing $conf (runc, no default ulimits)"
  mkdir -p /etc/containers
  cat >"$conf" <<'EOF'
# written by meshgd lab/containers.sh: crun fails here ("cgroups in hybrid mode not supported"), and the default
# ulimits cannot be set in this kind of VM ("setrlimit RLIMIT_NPROC: Operation not permitted")
[containers]
default_ulimits = []

[engine]
runtime = "runc"
EOF
}

# The Debian mirror apt already uses (deb822 sources first, then sources.list).
debian_mirror() {
  local uri
  uri=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$uri" ] || uri=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$uri" ] || die "no Debian mirror in /etc/apt/sources.list*"
  echo "$uri"
}

# A tar of a root file system like node:24-slim's: bookworm minbase, Node in /usr/local/bin, npm in
# /usr/local/lib/node_modules, user and group `node` (1000).
make_base_tar() {
  local tar=$1 node npm_dir
  node=$(project_node)
  npm_dir=$(host_npm_dir)
  rootfs=$(mktemp -d "${TMPDIR:-/tmp}/meshgd-rootfs-XXXXXX")
  say "debootstrap bookworm (minbase) into $rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" >/dev/null
  install -m 0755 "$node" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" /usr/sbin/groupadd --gid 1000 node
  chroot "$rootfs" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # what the slim images leave out
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old
  tar -C "$rootfs" --numeric-owner -cf "$tar.tmp" .
  mv "$tar.tmp" "$tar"
  rm -rf "$rootfs"
  rootfs=
}

podman_base_image() {
  if podman image exists "$base"; then return; fi
  local node_version npm_version tar
  node_version=$("$(project_node)" --version)
  npm_version=$(npm --version)
  tar=$cache/node-$node_version-npm-$npm_version-bookworm-minbase.tar
  mkdir -p "$cache"
  if [ ! -s "$tar" ]; then make_base_tar "$tar"; else say "base image from the cache: $tar"; fi
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${node_version#v}" \
    --change 'CMD ["node"]' \
    "$tar" "$base" >/dev/null
  say "imported $base (Node $node_version, npm $npm_version)"
}

# Fills the host's npm cache with whatever of package-lock.json it lacks (an `npm ci` into a scratch folder): a
# machine whose node_modules grew by `npm install` may lack the metadata `npm ci` reads (the lock file names no
# tarball addresses). After a plain `npm ci`, as in CI, nothing is missing and this is not needed.
warm_npm_cache() {
  local scratch
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/meshgd-npm-XXXXXX")
  cp "$context/package.json" "$context/package-lock.json" "$scratch/"
  cp -r "$context/vendor" "$scratch/"
  say "filling the host npm cache from the registry (npm ci --prefer-offline in $scratch)"
  (cd "$scratch" && npm ci --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) || { rm -rf "$scratch"; die "npm ci on the host failed"; }
  rm -rf "$scratch"
}

podman_build() {
  local args=(--format docker --tag "$image" --file "$context/Dockerfile")
  if [ "$online" = false ]; then
    local npm_cache npmrc
    npm_cache=$(npm config get cache)
    [ -d "$npm_cache/_cacache" ] || die "no npm cache at $npm_cache: run npm ci first (the build installs from it)"
    npmrc=$cache/npmrc-offline
    mkdir -p "$cache"
    printf '%s\n' '# meshgd lab/containers.sh: the image build installs from the host npm cache, not the registry' \
      'offline=true' 'cache=/npm-cache' >"$npmrc"
    # npm's global config file in the build containers; the cache as an overlay, so the build never writes to it
    args+=(--volume "$npmrc:/usr/local/etc/npmrc:ro" --volume "$npm_cache:/npm-cache:O")
  fi
  say "podman build $image"
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/meshgd-build-XXXXXX.log")
  if podman build "${args[@]}" "$context" >"$log" 2>&1; then rm -f "$log"; return; fi
  if [ "$online" = false ] && grep -q ENOTCACHED "$log"; then
    rm -f "$log"
    warm_npm_cache
    podman build "${args[@]}" "$context" >"$log" 2>&1 || { cat "$log" >&2; die "podman build failed"; }
    rm -f "$log"
    return
  fi
  cat "$log" >&2
  rm -f "$log"
  die "podman build failed"
}

if [ -z "$engine" ]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then engine=docker; else engine=podman; fi
fi
t0=$(date +%s)
case $engine in
  docker)
    say "docker build $image"
    docker build -t "$image" "$context"
    size=$(docker image inspect --format '{{.Size}}' "$image")
    ;;
  podman)
    install_packages
    write_containers_conf
    podman info >/dev/null || die "podman cannot run on this machine (podman info failed)"
    podman_base_image
    podman_build
    size=$(podman image inspect --format '{{.Size}}' "$image")
    ;;
  *) die "--engine must be docker or podman, not $engine" ;;
esac
say "$image with $engine: $((size / 1000000)) MB, built in $(($(date +%s) - t0)) s"
