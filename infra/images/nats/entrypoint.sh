#!/bin/sh
# Exports each identity's public nkey, a file `<identity>.pub` in /run/secrets (written by the stack's
# init), as the HEARTH_NKEY_<IDENTITY> infra/nats.conf reads; a missing one stops the server at start.
set -eu
for file in /run/secrets/*.pub; do
  [ -e "$file" ] || break
  identity=$(basename "$file" .pub)
  export "HEARTH_NKEY_$(echo "$identity" | tr 'a-z-' 'A-Z_')=$(cat "$file")"
done
if [ -z "${HEARTH_NATS_NODE:-}" ]; then
  exec nats-server --config /etc/nats/nats-server.conf -sd /data
fi
# A cluster node (infra/compose.cluster.yml names it and its peers): each route to a peer, and what a
# peer's route must present, carry the password in /run/routes, written by init. It goes to the server
# in its environment, quoted for the configuration's parser, never on its command line.
password=$(cat /run/routes/route-password)
routes=''
for peer in $(echo "${HEARTH_NATS_PEERS:?HEARTH_NATS_PEERS must name every node host:port}" | tr ',' ' '); do
  routes="$routes${routes:+, }\"nats-route://route:$password@$peer\""
done
export HEARTH_NATS_ROUTES="[$routes]" HEARTH_NATS_ROUTE_PASSWORD="\"$password\"" HEARTH_NATS_CLUSTER_LISTEN=0.0.0.0:6222
exec nats-server --config /etc/nats/nats-cluster.conf -p 4222 -m 8222 -sd /data
