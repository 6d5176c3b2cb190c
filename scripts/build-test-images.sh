#!/usr/bin/env bash
# Builds the local test images of infra/images/ (no registry can be reached here). An image whose
# inputs have not changed is kept: each image carries the hash of its inputs as label hearth.inputs.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$self")/.."
# FROM scratch needs no BuildKit, and the engine here (Debian's 20.10) may have none.
export DOCKER_BUILDKIT=0

cache="${XDG_CACHE_HOME:-$HOME/.cache}/hearth/images"
mkdir -p "$cache"
pg_bin=/usr/lib/postgresql/15/bin
pg_lib=/usr/lib/postgresql/15/lib

# A static busybox from Debian's busybox-static, downloaded once into the cache.
busybox_deb() {
  local deb
  deb=$(find "$cache" -maxdepth 1 -name 'busybox-static_*.deb' | sort | tail -n 1)
  if [ -z "$deb" ]; then
    (cd "$cache" && { apt-get download busybox-static || { apt-get update -qq && apt-get download busybox-static; }; }) \
      >/dev/null 2>&1
    deb=$(find "$cache" -maxdepth 1 -name 'busybox-static_*.deb' | sort | tail -n 1)
  fi
  echo "$deb"
}

# The hash of everything an image is made from.
inputs_hash() {
  local dir=$1
  shift
  {
    cat "$self"
    find "$dir" -type f | sort | xargs cat
    printf '%s\n' "$@"
  } | sha256sum | cut -d' ' -f1
}

current_hash() {
  docker image inspect -f '{{ index .Config.Labels "hearth.inputs" }}' "$1" 2>/dev/null || true
}

add_busybox() {
  local root=$1 deb=$2 unpacked
  unpacked=$(mktemp -d)
  dpkg-deb -x "$deb" "$unpacked"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/run"
  chmod 1777 "$root/tmp"
  cp "$unpacked/bin/busybox" "$root/bin/busybox"
  rm -rf "$unpacked"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
}

# Copies the ELF files given and their shared-library closure (ldd) to the same paths under $root.
add_with_libraries() {
  local root=$1
  shift
  cp -L --parents "$@" "$root/"
  ldd "$@" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' | sort -u |
    while read -r lib; do cp -L --parents "$lib" "$root/"; done
}

add_postgres() {
  local root=$1
  local binaries=(postgres initdb pg_ctl psql pg_isready createdb createuser pg_dump)
  local modules
  mapfile -t modules < <(find "$pg_lib" -maxdepth 1 -name '*.so' ! -name 'llvmjit*.so' | sort)
  add_with_libraries "$root" "${binaries[@]/#/$pg_bin/}" "${modules[@]}"
  mkdir -p "$root/usr/share/postgresql"
  cp -RL /usr/share/postgresql/15 "$root/usr/share/postgresql/"
  cp -RL /usr/share/zoneinfo "$root/usr/share/"
  printf 'postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n' >>"$root/etc/passwd"
  printf 'postgres:x:999:\n' >>"$root/etc/group"
  mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql" "$root/docker-entrypoint-initdb.d" \
    "$root/usr/local/bin"
  install -m 0755 infra/images/postgres/docker-entrypoint.sh "$root/usr/local/bin/docker-entrypoint.sh"
}

# build IMAGE DIR HASH STEP...: a root file system made by the steps, as rootfs.tar beside DIR's Dockerfile.
build() {
  local image=$1 dir=$2 hash=$3
  shift 3
  if [ "$(current_hash "$image")" = "$hash" ]; then
    echo "build-test-images: $image is up to date"
    return
  fi
  local work started=$SECONDS
  work=$(mktemp -d)
  mkdir "$work/rootfs"
  for step in "$@"; do "$step" "$work/rootfs"; done
  tar -C "$work/rootfs" --numeric-owner --owner=0 --group=0 -cf "$work/rootfs.tar" .
  cp "$dir/Dockerfile" "$work/"
  if ! docker build -q --label "hearth.inputs=$hash" -t "$image" "$work" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    rm -rf "$work"
    return 1
  fi
  rm -rf "$work"
  docker image prune -f --filter label=hearth.inputs >/dev/null # the image this one replaces
  echo "build-test-images: built $image in $((SECONDS - started)) s"
}

deb=$(busybox_deb)
busybox_version=$(basename "$deb")
add_busybox_from_deb() { add_busybox "$1" "$deb"; }
postgres_version=$(dpkg-query -W -f='${Version}' postgresql-15)

build hearth-test/busybox:1 infra/images/busybox \
  "$(inputs_hash infra/images/busybox "$busybox_version")" \
  add_busybox_from_deb
build hearth-test/postgres:15 infra/images/postgres \
  "$(inputs_hash infra/images/postgres "$busybox_version" "$postgres_version")" \
  add_busybox_from_deb add_postgres
