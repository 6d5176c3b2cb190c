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

# hearth-test/mariadb (and the mysql row's tag): the server, the client (as mariadb and mysql), what
# mariadb-install-db runs, and the SQL it loads. No host my.cnf: it may bind to 127.0.0.1 only.
add_mariadb() {
  local root=$1
  add_with_libraries "$root" /usr/sbin/mariadbd /usr/bin/mariadb /usr/bin/mariadb-admin \
    /usr/bin/my_print_defaults /usr/bin/resolveip
  ln -s mariadb "$root/usr/bin/mysql"
  ln -s mariadb-admin "$root/usr/bin/mysqladmin"
  install -m 0755 /usr/bin/mariadb-install-db "$root/usr/bin/mariadb-install-db"
  mkdir -p "$root/usr/share/mysql"
  cp -R /usr/share/mysql/charsets /usr/share/mysql/english /usr/share/mysql/*.sql "$root/usr/share/mysql/"
  printf 'mysql:x:999:999:MariaDB:/var/lib/mysql:/bin/sh\n' >>"$root/etc/passwd"
  printf 'mysql:x:999:\n' >>"$root/etc/group"
  mkdir -p "$root/etc/mysql/conf.d" "$root/var/lib/mysql" "$root/run/mysqld" "$root/docker-entrypoint-initdb.d" \
    "$root/usr/local/bin"
  install -m 0644 infra/images/mariadb/my.cnf "$root/etc/mysql/my.cnf"
  install -m 0755 infra/images/mariadb/docker-entrypoint.sh "$root/usr/local/bin/docker-entrypoint.sh"
}

# The plugins RabbitMQ's broker needs (the closure of the rabbit application's dependencies), as
# directories under $1. The others are never enabled here, and the node and every CLI call scan
# each plugin there is: without them both start faster.
rabbitmq_core_plugins() {
  local plugins=$1 app dir matches
  local -A kept=()
  local queue=(rabbit)
  while [ ${#queue[@]} -gt 0 ]; do
    app=${queue[0]}
    queue=("${queue[@]:1}")
    [ -z "${kept[$app]:-}" ] || continue
    matches=("$plugins/$app"-*)
    dir=${matches[0]}
    [ -d "$dir" ] || continue # an Erlang/OTP application: /usr/lib/erlang is copied whole
    kept[$app]=$dir
    # shellcheck disable=SC2207 # application names are single words
    queue+=($(tr -d '\n' <"$dir/ebin/$app.app" | grep -o '{\(included_\)\?applications, *\[[^]]*\]' |
      sed 's/.*\[//; s/\]//; s/,/ /g'))
  done
  printf '%s\n' "${kept[@]}"
}

# hearth-test/rabbitmq: the Erlang runtime and RabbitMQ as Debian installs them (RabbitMQ's plugins
# down to the broker's own), and the libraries of every ELF file among them (the runtime's binaries,
# its NIFs and port programs).
add_rabbitmq() {
  local root=$1 elf magic plugins
  local elfs=()
  plugins=$(find /usr/lib/rabbitmq/lib -maxdepth 2 -type d -name plugins)
  mkdir -p "$root/usr/lib" "$root/usr/bin" "$root$plugins"
  cp -a /usr/lib/erlang "$root/usr/lib/"
  tar -C / --exclude="${plugins#/}" -cf - usr/lib/rabbitmq | tar -C "$root" -xf -
  rabbitmq_core_plugins "$plugins" | xargs cp -a -t "$root$plugins/"
  while IFS= read -r -d '' elf; do
    LC_ALL=C read -r -N 4 magic <"$elf" || true
    [ "$magic" = $'\x7fELF' ] && elfs+=("${elf#"$root"}")
  done < <(find "$root/usr/lib/erlang" "$root/usr/lib/rabbitmq" -type f -perm -u+x -print0 -o -type f -name '*.so' -print0)
  add_with_libraries "$root" "${elfs[@]}"
  ln -s /bin/busybox "$root/usr/bin/env"
  printf 'rabbitmq:x:999:999:RabbitMQ:/var/lib/rabbitmq:/bin/sh\n' >>"$root/etc/passwd"
  printf 'rabbitmq:x:999:\n' >>"$root/etc/group"
  mkdir -p "$root/etc/rabbitmq/conf.d" "$root/var/lib/rabbitmq" "$root/var/log/rabbitmq" "$root/usr/local/bin"
  # Writable by the rabbitmq user, whatever owner the tarball gives them, as in the official image.
  chmod 1777 "$root/etc/rabbitmq" "$root/etc/rabbitmq/conf.d" "$root/var/lib/rabbitmq" "$root/var/log/rabbitmq"
  install -m 0644 infra/images/rabbitmq/10-defaults.conf "$root/etc/rabbitmq/conf.d/10-defaults.conf"
  install -m 0755 infra/images/rabbitmq/docker-entrypoint.sh "$root/usr/local/bin/docker-entrypoint.sh"
}

add_redis() {
  local root=$1
  add_with_libraries "$root" /usr/bin/redis-server /usr/bin/redis-cli
  printf 'redis:x:999:999:Redis:/data:/bin/sh\n' >>"$root/etc/passwd"
  printf 'redis:x:999:\n' >>"$root/etc/group"
  mkdir -p "$root/data" "$root/usr/local/bin"
  install -m 0755 infra/images/redis/docker-entrypoint.sh "$root/usr/local/bin/docker-entrypoint.sh"
}

deb=$(busybox_deb)
busybox_version=$(basename "$deb")
add_busybox_from_deb() { add_busybox "$1" "$deb"; }
postgres_version=$(dpkg-query -W -f='${Version}' postgresql-15)

# The versions of the Debian packages given, as words; fails when one is not installed.
versions_of() {
  local package status
  for package in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$package" 2>/dev/null) || return 1
    [ "${status%% *}" = installed ] || return 1
    printf '%s=%s ' "$package" "${status#* }"
  done
}

# build_from_packages TAGS DIR PACKAGES STEP...: build, from the machine's Debian PACKAGES
# (space-separated), or say which are needed where one is missing: only the driver's catalog tests
# start these images, and `npm test`'s set-up installs them.
build_from_packages() {
  local tags=$1 dir=$2 packages=$3 versions
  shift 3
  # shellcheck disable=SC2086 # a list of package names
  if ! versions=$(versions_of $packages); then
    echo "build-test-images: ${tags// /, } not built: needs Debian's $packages"
    return
  fi
  build "$tags" "$dir" "$(inputs_hash "$dir" "$busybox_version" "$versions")" add_busybox_from_deb "$@"
}

build hearth-test/busybox:1 infra/images/busybox \
  "$(inputs_hash infra/images/busybox "$busybox_version")" \
  add_busybox_from_deb
build hearth-test/postgres:15 infra/images/postgres \
  "$(inputs_hash infra/images/postgres "$busybox_version" "$postgres_version")" \
  add_busybox_from_deb add_postgres
build_from_packages "hearth-test/mariadb:10.11 hearth-test/mysql:10.11" infra/images/mariadb \
  "mariadb-server-core mariadb-client-core mariadb-client" add_mariadb
build_from_packages hearth-test/rabbitmq:3 infra/images/rabbitmq "rabbitmq-server erlang-base" add_rabbitmq
build_from_packages hearth-test/redis:7 infra/images/redis "redis-server redis-tools" add_redis
