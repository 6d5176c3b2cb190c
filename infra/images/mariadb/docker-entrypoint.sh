#!/bin/sh
# The official mariadb image's env contract, in POSIX sh (busybox), for hearth-test/mariadb (also
# tagged hearth-test/mysql): MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH,
# MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD, MARIADB_ROOT_HOST,
# MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD, each also by its MYSQL_* name (the MARIADB_*
# one wins) and, where the official image reads one, by a *_FILE; /docker-entrypoint-initdb.d; the
# data directory initialised on first start. As in the official image, root logs in with the password
# from every host, localhost included. Time zone tables are left empty (as with
# MARIADB_INITDB_SKIP_TZINFO); replication and upgrades are not offered.
set -eu

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

. /usr/local/lib/hearth/file-env.sh

# mariadb_file_env MYSQL_X [DEFAULT]: MARIADB_X, else MYSQL_X (each by value or _FILE); both end equal.
mariadb_file_env() {
  file_env "$1" "${2:-}"
  maria="MARIADB_${1#MYSQL_}"
  eval "file_env $maria \"\${$1}\""
  eval "export $1=\"\${$maria}\""
}

setup_env() {
  mariadb_file_env MYSQL_ROOT_HOST %
  mariadb_file_env MYSQL_DATABASE
  mariadb_file_env MYSQL_USER
  mariadb_file_env MYSQL_PASSWORD
  mariadb_file_env MYSQL_ROOT_PASSWORD
  file_env MARIADB_PASSWORD_HASH
  file_env MARIADB_ROOT_PASSWORD_HASH
  : "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:=${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
  : "${MARIADB_RANDOM_ROOT_PASSWORD:=${MYSQL_RANDOM_ROOT_PASSWORD:-}}"
  export MARIADB_ALLOW_EMPTY_ROOT_PASSWORD MARIADB_RANDOM_ROOT_PASSWORD
}

# A value as the inside of an SQL string literal: \ and ' escaped, newlines as \n.
sql_string() {
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g'
}

# Runs SQL from stdin as root over the socket; the password, once set, travels in MYSQL_PWD only.
process_sql() {
  MYSQL_PWD="${ROOT_PW_SET:-}" mariadb --protocol=socket --socket="$SOCKET" -uroot --binary-mode "$@"
}

init_database() {
  if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ROOT_PASSWORD_HASH" ] &&
    [ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] && [ -z "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
    echo 'error: the database is uninitialized and no root password option is set: set one of' >&2
    echo '  MARIADB_ROOT_PASSWORD[_FILE], MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD' >&2
    exit 1
  fi
  if [ -n "$MARIADB_ROOT_PASSWORD_HASH" ] && { [ -n "$MARIADB_ROOT_PASSWORD" ] ||
    [ -n "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] || [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ]; }; then
    echo 'error: MARIADB_ROOT_PASSWORD_HASH and another MARIADB_ROOT_PASSWORD* option are set' >&2
    exit 1
  fi

  mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve --skip-log-bin --default-time-zone=SYSTEM --enforce-storage-engine= >/dev/null

  # First-start work on a server that listens on its socket only, as the official image does.
  mariadbd --skip-networking --socket="$SOCKET" --default-time-zone=SYSTEM &
  pid=$!
  tries=300
  until echo 'SELECT 1' | process_sql >/dev/null 2>&1; do
    tries=$((tries - 1))
    if [ "$tries" = 0 ] || ! kill -0 "$pid" 2>/dev/null; then
      echo 'error: the temporary server did not start' >&2
      exit 1
    fi
    sleep 0.1
  done

  if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
    MARIADB_ROOT_PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -d '\n/+=')"
    echo "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
  fi
  root_pw="$(sql_string "$MARIADB_ROOT_PASSWORD")"
  if [ -n "$MARIADB_ROOT_PASSWORD_HASH" ]; then
    root_auth="IDENTIFIED BY PASSWORD '$(sql_string "$MARIADB_ROOT_PASSWORD_HASH")'"
  else
    root_auth="IDENTIFIED BY '$root_pw'"
  fi
  {
    echo 'SET @@SESSION.SQL_LOG_BIN=0;'
    echo "DROP USER IF EXISTS root@'127.0.0.1', root@'::1';"
    echo "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname, '\\'');"
    [ -n "$MARIADB_ROOT_PASSWORD_HASH" ] || echo "SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$root_pw');"
    if [ -n "$MARIADB_ROOT_HOST" ] && [ "$MARIADB_ROOT_HOST" != localhost ]; then
      host="$(sql_string "$MARIADB_ROOT_HOST")"
      echo "CREATE USER 'root'@'$host' $root_auth;"
      echo "GRANT ALL ON *.* TO 'root'@'$host' WITH GRANT OPTION;"
      echo "GRANT PROXY ON ''@'%' TO 'root'@'$host' WITH GRANT OPTION;"
    fi
    if [ -n "$MARIADB_DATABASE" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`;"
    fi
    if [ -n "$MARIADB_USER" ] && { [ -n "$MARIADB_PASSWORD" ] || [ -n "$MARIADB_PASSWORD_HASH" ]; }; then
      if [ -n "$MARIADB_PASSWORD_HASH" ]; then
        echo "CREATE USER '$MARIADB_USER'@'%' IDENTIFIED BY PASSWORD '$(sql_string "$MARIADB_PASSWORD_HASH")';"
      else
        echo "CREATE USER '$MARIADB_USER'@'%' IDENTIFIED BY '$(sql_string "$MARIADB_PASSWORD")';"
      fi
      if [ -n "$MARIADB_DATABASE" ]; then
        echo "GRANT ALL ON \`$MARIADB_DATABASE\`.* TO '$MARIADB_USER'@'%';"
      fi
    fi
  } | process_sql --database=mysql
  [ -n "$MARIADB_ROOT_PASSWORD_HASH" ] || ROOT_PW_SET="$MARIADB_ROOT_PASSWORD"

  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "running $f"; . "$f" ;;
      *.sql) echo "running $f"; process_sql ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"} <"$f" ;;
      *.sql.gz) echo "running $f"; gunzip -c "$f" | process_sql ${MARIADB_DATABASE:+--database="$MARIADB_DATABASE"} ;;
      *) ;;
    esac
  done
  if [ -n "$MARIADB_ROOT_PASSWORD_HASH" ]; then
    echo "SET PASSWORD FOR 'root'@'localhost' = '$(sql_string "$MARIADB_ROOT_PASSWORD_HASH")';" | process_sql
  fi

  kill "$pid"
  wait "$pid" || true
  unset ROOT_PW_SET root_pw root_auth
  echo 'MariaDB init process done. Ready for start up.'
}

if [ "${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi

if [ "$1" = mariadbd ] || [ "$1" = mysqld ]; then
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DATADIR" "${SOCKET%/*}"
    chown mysql:mysql "$DATADIR" "${SOCKET%/*}"
    # Read as root, so a secret file may be readable by root alone; the values travel on in this
    # process's environment only, which `docker inspect` does not show.
    setup_env
    exec su -p -s /bin/sh mysql -c 'exec "$0" "$@"' "$0" "$@"
  fi
  setup_env
  if [ ! -d "$DATADIR/mysql" ]; then init_database; fi
  unset MARIADB_ROOT_PASSWORD MYSQL_ROOT_PASSWORD MARIADB_PASSWORD MYSQL_PASSWORD MARIADB_PASSWORD_HASH \
    MARIADB_ROOT_PASSWORD_HASH
fi

exec "$@"
