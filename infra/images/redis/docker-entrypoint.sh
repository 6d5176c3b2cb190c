#!/bin/sh
# The official redis image's entrypoint, in POSIX sh (busybox), for hearth-test/redis: redis-server
# runs as the redis user in /data, protected mode off. The official image has no variable for a
# password; this one takes REDIS_PASSWORD or REDIS_PASSWORD_FILE (as Bitnami's image names them),
# which sets requirepass. The value reaches redis-server as configuration on its standard input:
# neither its command line nor its environment holds it.
set -eu

. /usr/local/lib/hearth/file-env.sh

# Options or a configuration file alone are redis-server's, as in the official image.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi

if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find /data \! -user redis -exec chown redis '{}' +
  # Read as root, so the file may be readable by root alone.
  file_env REDIS_PASSWORD
  exec su -p -s /bin/sh redis -c 'exec "$0" "$@"' "$0" "$@"
fi

if [ "$1" = redis-server ]; then
  file_env REDIS_PASSWORD
  password="$REDIS_PASSWORD"
  unset REDIS_PASSWORD
  # Read after a configuration file and before command-line options, which may override it.
  exec "$@" - <<CONFIG
protected-mode no
$([ -z "$password" ] || printf 'requirepass "%s"\n' "$(printf '%s' "$password" | sed 's/[\\"]/\\&/g')")
CONFIG
fi

exec "$@"
