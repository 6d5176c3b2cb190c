#!/bin/sh
# The hearth image's entries: a service, the compose stack's one-shot init, the vault's KEK rewrap,
# or the CLI. Each replaces this shell, so the service gets the engine's signals itself.
set -eu
app=/opt/hearth
usage='usage: console | vault | hatch | driver-localdocker | init | vault-rewrap | hearth <command>'
case "${1:-help}" in
  console | vault | hatch | driver-localdocker) exec node "$app/services/$1/dist/main.js" ;;
  vault-rewrap) exec node "$app/services/vault/dist/rewrap.js" ;;
  init) exec /usr/local/lib/hearth/init.sh ;;
  hearth)
    shift
    exec /usr/local/bin/hearth "$@"
    ;;
  help) echo "$usage" ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
