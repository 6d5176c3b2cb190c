#!/bin/sh
# The compose stack's one-shot init (infra/compose.yml), run before every start and idempotent.
# `hearth init` writes the keys and the first admin token into HEARTH_HOME, the operator's volume, and
# keeps what is there already. Each service then gets a copy of its own secrets and nothing else in a
# volume of its own (mounted at /secrets/<service> here, /run/secrets there), mode 600, owned by the
# user that service runs as.
set -eu
umask 077
home="${HEARTH_HOME:?HEARTH_HOME must name the operator volume}"
hearth_uid=1000 # the image's user `hearth`: console, vault and hatch
root_uid=0      # driver-localdocker (it holds the engine's socket) and postgres (its entrypoint reads as root)
nats_uid=1000   # hearth/nats's user `nats`

chmod 700 "$home"
/usr/local/bin/hearth init

# PostgreSQL's superuser password, which the services present over the compose network.
if [ ! -s "$home/postgres-password" ]; then
  head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$home/postgres-password.tmp"
  mv -f "$home/postgres-password.tmp" "$home/postgres-password"
fi

# put SERVICE UID NAME: stdin becomes /secrets/SERVICE/NAME, replaced in one step.
put() {
  dir="/secrets/$1"
  chown "$2:$2" "$dir"
  chmod 700 "$dir"
  cat >"$dir/.$3.tmp"
  chown "$2:$2" "$dir/.$3.tmp"
  chmod 600 "$dir/.$3.tmp"
  mv -f "$dir/.$3.tmp" "$dir/$3"
}
put postgres $root_uid postgres-password <"$home/postgres-password"
put console $hearth_uid admin-token <"$home/admin-token"
put console $hearth_uid postgres-password <"$home/postgres-password"
put vault $hearth_uid vault-kek.json <"$home/vault-kek.json"
put vault $hearth_uid vault-seal.key <"$home/vault-seal.key"
put vault $hearth_uid root.pub <"$home/keys/root.pub"
put vault $hearth_uid driver-localdocker.pub <"$home/keys/driver-localdocker.pub"
put vault $hearth_uid console.pub <"$home/keys/console.pub"
put vault $hearth_uid postgres-password <"$home/postgres-password"
put hatch $hearth_uid hatch-signing-key.pem <"$home/hatch-signing-key.pem"
put hatch $hearth_uid postgres-password <"$home/postgres-password"
put driver-localdocker $root_uid driver-localdocker.json <"$home/keys/driver-localdocker.json"
put driver-localdocker $root_uid vault-seal.pub <"$home/vault-seal.pub"
# The console's vault principal (its writes, never a read) and the seal key the browser seals values to.
put console $hearth_uid console.json <"$home/keys/console.json"
put console $hearth_uid vault-seal.pub <"$home/vault-seal.pub"
# Each service's bus signing key (hatch's is its checkpoint key), and every service's public one, pinned.
put console $hearth_uid signing-key.pem <"$home/keys/console-signing-key.pem"
put vault $hearth_uid signing-key.pem <"$home/keys/vault-signing-key.pem"
put driver-localdocker $root_uid signing-key.pem <"$home/keys/driver-localdocker-signing-key.pem"
for service in console vault hatch; do put $service $hearth_uid service-keys.json <"$home/service-keys.json"; done
put driver-localdocker $root_uid service-keys.json <"$home/service-keys.json"
# Each service's own NATS seed; the NATS server gets every identity's public key, and no seed.
for service in console vault hatch; do put $service $hearth_uid nats.seed <"$home/nats/$service.seed"; done
put driver-localdocker $root_uid nats.seed <"$home/nats/driver-localdocker.seed"
for pub in "$home"/nats/*.pub; do put nats $nats_uid "$(basename "$pub")" <"$pub"; done
# A NATS cluster's route password (compose.cluster.yml mounts its volume here): every node presents it
# to its peers and asks it of them. Hex, so it goes into a route URL and the server's configuration as it is.
if [ -d /secrets/nats-routes ]; then
  if [ ! -s "$home/nats-route-password" ]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$home/nats-route-password.tmp"
    mv -f "$home/nats-route-password.tmp" "$home/nats-route-password"
  fi
  put nats-routes $nats_uid route-password <"$home/nats-route-password"
fi
echo 'hearth init: keys and token ready; each service has its own secrets'
