#!/bin/sh
# The official postgres image's env contract, in POSIX sh (busybox), for hearth-test/postgres:
# POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, POSTGRES_USER, POSTGRES_DB, POSTGRES_INITDB_ARGS,
# POSTGRES_HOST_AUTH_METHOD, /docker-entrypoint-initdb.d; initdb on first start. As in the official
# image, local and loopback connections are trusted and every other host must log in (SCRAM).
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

. /usr/local/lib/hearth/file-env.sh

if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2775 /var/run/postgresql
  # Read as root, so the file may be readable by root alone; the value travels on in this
  # process's environment only, which `docker inspect` does not show.
  file_env POSTGRES_PASSWORD
  exec su -p -s /bin/sh postgres -c 'exec "$0" "$@"' "$0" "$@"
fi

if [ "$1" = postgres ]; then
  file_env POSTGRES_PASSWORD
  : "${POSTGRES_USER:=postgres}"
  : "${POSTGRES_DB:=$POSTGRES_USER}"
  auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
      echo 'error: the database is uninitialized and no superuser password is set:' >&2
      echo '  set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (or POSTGRES_HOST_AUTH_METHOD=trust)' >&2
      exit 1
    fi
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image
    if [ -n "$POSTGRES_PASSWORD" ]; then
      printf '%s\n' "$POSTGRES_PASSWORD" |
        initdb --username="$POSTGRES_USER" --pwfile=/dev/stdin --auth-local=trust --auth-host=trust \
          --encoding=UTF8 --locale=C ${POSTGRES_INITDB_ARGS:-} >/dev/null
    else
      initdb --username="$POSTGRES_USER" --auth-local=trust --auth-host=trust \
        --encoding=UTF8 --locale=C ${POSTGRES_INITDB_ARGS:-} >/dev/null
    fi
    printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

    # First-start work on a server that listens on its socket only, as the official image does.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    psql_run() { psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --no-password "$@"; }
    if [ "$POSTGRES_DB" != postgres ]; then
      printf 'CREATE DATABASE :"db";\n' | psql_run --dbname postgres --set db="$POSTGRES_DB"
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      case "$f" in
        *.sh) echo "running $f"; . "$f" ;;
        *.sql) echo "running $f"; psql_run --dbname "$POSTGRES_DB" -f "$f" ;;
        *) ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo 'PostgreSQL init process complete; ready for start up.'
  fi
  unset POSTGRES_PASSWORD
fi

exec "$@"
