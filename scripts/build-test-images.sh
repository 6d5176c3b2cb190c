#!/usr/bin/env bash
# Builds the local test images of infra/images/ (no registry can be reached here). An image whose
# inputs have not changed is kept: each image carries the hash of its inputs as label hearth.inputs.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$self")/.."
# shellcheck source=lib/images.sh
. "$(dirname "$self")/lib/images.sh"

pg_bin=/usr/lib/postgresql/15/bin
pg_lib=/usr/lib/postgresql/15/lib

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
