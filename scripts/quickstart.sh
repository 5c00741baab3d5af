#!/usr/bin/env bash
# The README's first command: set this machine up, then walk through layerctl end to end.
#   sudo ./scripts/quickstart.sh
# Makes a busybox base rootfs, imports it as busybox:latest into a scratch root on tmpfs, builds
# the example app (fixtures/dockerfiles/busybox-app) on it and runs it in a container, builds it
# again from the cache, then saves the base as an OCI and a Docker archive, lets skopeo read both,
# loads each into a second root and checks that the image there has the same layers (DiffIDs).
# Everything it makes is removed at the end.
set -euo pipefail

checkout=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

"$checkout/scripts/setup.sh"
export PATH="/usr/local/bin:$PATH"
hash -r

scratch_parent=/dev/shm
[[ -d $scratch_parent && -w $scratch_parent ]] || scratch_parent=${TMPDIR:-/tmp}
scratch=$(mktemp -d "$scratch_parent/layerctl-quickstart.XXXXXX")
first=$scratch/root-a
second=$scratch/root-b
daemon_socket=$scratch/daemon.sock
# Containers go under run's default cgroup parent, layerctl, in each hierarchy; the ones this run
# makes are removed at the end (rmdir: only while empty, so never one a container still uses).
made_cgroup_parents=()
for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
  [[ -e $hierarchy/cgroup.procs && ! -e ${hierarchy}layerctl ]] && made_cgroup_parents+=("${hierarchy}layerctl")
done
cleanup() {
  # The daemon first (its workers run in the scratch dir), containers next (their mounts live
  # under the root), then the roots' layers, then the files.
  LAYERCTL_SOCKET=$daemon_socket layerctl daemon stop >/dev/null 2>&1 || true
  layerctl --root "$first" rm -f quickstart-app >/dev/null 2>&1 || true
  layerctl --root "$first" gc >/dev/null 2>&1 || true
  rm -rf -- "$scratch"
  for parent in "${made_cgroup_parents[@]}"; do
    if [[ -d $parent ]]; then rmdir -- "$parent" 2>/dev/null || true; fi
  done
}
trap cleanup EXIT

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
run() { printf '$'; printf ' %q' "$@"; printf '\n'; "$@"; }
diff_ids() { layerctl --root "$1" inspect "$2" | node -e '
  let text = "";
  process.stdin.on("data", (chunk) => { text += chunk; });
  process.stdin.on("end", () => { for (const image of JSON.parse(text)) console.log(image.RootFS.Layers.join("\n")); });'
}

step "make a busybox base rootfs from Debian's busybox-static"
run "$checkout/fixtures/busybox/make-rootfs.sh" "$scratch/busybox-rootfs.tar"
ls -l "$scratch/busybox-rootfs.tar"

step "import it as an image"
run layerctl --root "$first" import "$scratch/busybox-rootfs.tar" busybox:latest
run layerctl --root "$first" images
run layerctl --root "$first" inspect busybox:latest
run layerctl --root "$first" history busybox:latest

step "build the example app on it (fixtures/dockerfiles/busybox-app) and run it"
run cat "$checkout/fixtures/dockerfiles/busybox-app/Dockerfile"
run layerctl --root "$first" --progress plain build -t app:latest "$checkout/fixtures/dockerfiles/busybox-app"
run layerctl --root "$first" history app:latest
run layerctl --root "$first" run --rm app:latest
run layerctl --root "$first" run --name quickstart-app --memory 64m --pids-limit 64 app:latest --plain
run layerctl --root "$first" ps -a
run layerctl --root "$first" rm quickstart-app
run layerctl --root "$first" run --rm --network none --entrypoint /bin/sh busybox:latest -c 'echo "PID $$ as $(id -un) on $(hostname); interfaces: $(ls /sys/class/net | tr "\\n" " ")"'

step "build it again: every step comes from the cache, and the image id is the same"
before=$(layerctl --root "$first" inspect app:latest | node -e 'let t="";process.stdin.on("data",(c)=>{t+=c});process.stdin.on("end",()=>console.log(JSON.parse(t)[0].Id))')
run layerctl --root "$first" --progress plain build -t app:latest "$checkout/fixtures/dockerfiles/busybox-app"
after=$(layerctl --root "$first" inspect app:latest | node -e 'let t="";process.stdin.on("data",(c)=>{t+=c});process.stdin.on("end",()=>console.log(JSON.parse(t)[0].Id))')
echo "image id before: $before"
echo "image id after:  $after"
[[ $before == "$after" ]] || { echo "quickstart: the cached rebuild gave another image id" >&2; exit 1; }

step "run it through a daemon of warm workers (layerctl daemon; a socket of the quickstart's own)"
export LAYERCTL_SOCKET=$daemon_socket
run layerctl daemon start
run layerctl --root "$first" run --rm app:latest
run layerctl daemon status
run layerctl daemon stop
unset LAYERCTL_SOCKET

step "save the base as an OCI archive (zstd layers) and as a Docker archive (gzip layers)"
run layerctl --root "$first" save busybox:latest -o "$scratch/busybox-oci.tar" --format oci
run layerctl --root "$first" save busybox:latest -o "$scratch/busybox-docker.tar" --format docker --compression gzip
ls -l "$scratch"/busybox-*.tar

step "other tools read them: skopeo inspect"
run skopeo inspect --format '{{.Os}}/{{.Architecture}} layers {{.Layers}}' "oci-archive:$scratch/busybox-oci.tar"
run skopeo inspect --format '{{.Os}}/{{.Architecture}} layers {{.Layers}}' "docker-archive:$scratch/busybox-docker.tar"

for format in oci docker; do
  step "load the $format archive into a second root"
  rm -rf -- "$second"
  run layerctl --root "$second" load -i "$scratch/busybox-$format.tar"
  run layerctl --root "$second" images
  expected=$(diff_ids "$first" busybox:latest)
  actual=$(diff_ids "$second" busybox:latest)
  echo "DiffIDs in the first root:  $expected"
  echo "DiffIDs in the second root: $actual"
  if [[ $expected != "$actual" ]]; then
    echo "quickstart: the $format archive did not load back with the same DiffIDs" >&2
    exit 1
  fi
  echo "same DiffIDs"
done

step "done: an app built and run on a local busybox base, rebuilt from the cache, and the base saved and loaded in both formats unchanged"
