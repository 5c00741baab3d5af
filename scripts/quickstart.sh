#!/usr/bin/env bash
# The README's first command: set this machine up, then walk through layerctl end to end.
#   sudo ./scripts/quickstart.sh
# Makes a busybox base rootfs, imports it as busybox:latest into a scratch root on tmpfs, lists,
# inspects and saves it as an OCI and a Docker archive, lets skopeo read both, loads each into a
# second root and checks that the image there has the same layers (DiffIDs). Everything it makes
# is removed at the end.
set -euo pipefail

checkout=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

"$checkout/scripts/setup.sh"
export PATH="/usr/local/bin:$PATH"
hash -r

scratch_parent=/dev/shm
[[ -d $scratch_parent && -w $scratch_parent ]] || scratch_parent=${TMPDIR:-/tmp}
scratch=$(mktemp -d "$scratch_parent/layerctl-quickstart.XXXXXX")
trap 'rm -rf -- "$scratch"' EXIT

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

first=$scratch/root-a
second=$scratch/root-b

step "import it as an image"
run layerctl --root "$first" import "$scratch/busybox-rootfs.tar" busybox:latest
run layerctl --root "$first" images
run layerctl --root "$first" inspect busybox:latest
run layerctl --root "$first" history busybox:latest

step "save it as an OCI archive (zstd layers) and as a Docker archive (gzip layers)"
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

step "done: busybox:latest went through import, save and load in both formats unchanged"
