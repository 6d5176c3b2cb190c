#!/bin/sh
# The official rabbitmq image's entrypoint (3.9 and later), in POSIX sh (busybox), for
# hearth-test/rabbitmq. RabbitMQ itself reads RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS,
# RABBITMQ_DEFAULT_VHOST and RABBITMQ_ERLANG_COOKIE, and the settings in /etc/rabbitmq/conf.d/*.conf
# (default_user, default_pass, …); the entrypoint only drops root and, like the official one, refuses
# the variables the image stopped reading in 3.9 (RABBITMQ_DEFAULT_PASS_FILE among them) rather than
# ignore them.
set -eu

if [ "${1#rabbitmq}" != "$1" ] && [ "$(id -u)" = 0 ]; then
  if [ "$1" = rabbitmq-server ]; then chown -R rabbitmq:rabbitmq /var/lib/rabbitmq; fi
  exec su -p -s /bin/sh rabbitmq -c 'exec "$0" "$@"' "$0" "$@"
fi

deprecated=''
for old in RABBITMQ_DEFAULT_PASS_FILE RABBITMQ_DEFAULT_USER_FILE RABBITMQ_MANAGEMENT_SSL_CACERTFILE \
  RABBITMQ_MANAGEMENT_SSL_CERTFILE RABBITMQ_MANAGEMENT_SSL_DEPTH RABBITMQ_MANAGEMENT_SSL_FAIL_IF_NO_PEER_CERT \
  RABBITMQ_MANAGEMENT_SSL_KEYFILE RABBITMQ_MANAGEMENT_SSL_VERIFY RABBITMQ_SSL_CACERTFILE RABBITMQ_SSL_CERTFILE \
  RABBITMQ_SSL_DEPTH RABBITMQ_SSL_FAIL_IF_NO_PEER_CERT RABBITMQ_SSL_KEYFILE RABBITMQ_SSL_VERIFY \
  RABBITMQ_VM_MEMORY_HIGH_WATERMARK; do
  eval "set_to=\${$old:-}"
  if [ -n "$set_to" ]; then
    echo "error: $old is set but deprecated" >&2
    deprecated=yes
  fi
done
if [ -n "$deprecated" ]; then
  echo 'error: deprecated environment variables detected; use a configuration file in /etc/rabbitmq/conf.d' >&2
  exit 1
fi

# If the long and short host names differ, use long names, as the official image does.
if [ -z "${RABBITMQ_USE_LONGNAME:-}" ] && [ "$(hostname)" != "$(hostname -s)" ]; then
  export RABBITMQ_USE_LONGNAME=true
fi

exec "$@"
