#!/bin/sh
# Exports each identity's public nkey, a file `<identity>.pub` in /run/secrets (written by the stack's
# init), as the HEARTH_NKEY_<IDENTITY> infra/nats.conf reads; a missing one stops the server at start.
set -eu
for file in /run/secrets/*.pub; do
  [ -e "$file" ] || break
  identity=$(basename "$file" .pub)
  export "HEARTH_NKEY_$(echo "$identity" | tr 'a-z-' 'A-Z_')=$(cat "$file")"
done
exec nats-server --config /etc/nats/nats-server.conf -sd /data
