# Helpers for the scripts that build Hearth's images from the host's Debian packages, no registry:
# sourced by scripts/build-test-images.sh and scripts/build-hearth-images.sh, which set $self.
# An image whose inputs have not changed is kept: each carries the hash of its inputs as label
# hearth.inputs.

# FROM scratch needs no BuildKit, and the engine here (Debian's 20.10) may have none.
export DOCKER_BUILDKIT=0

images_lib="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/hearth/images"
mkdir -p "$cache"

# A static busybox from Debian's busybox-static, downloaded once into the cache.
busybox_deb() {
  local deb
  deb=$(find "$cache" -maxdepth 1 -name 'busybox-static_*.deb' | sort | tail -n 1)
  if [ -z "$deb" ]; then
    (cd "$cache" && { apt-get download busybox-static || { apt-get update -qq && apt-get download busybox-static; }; }) \
      >/dev/null 2>&1
    deb=$(find "$cache" -maxdepth 1 -name 'busybox-static_*.deb' | sort | tail -n 1)
  fi
  echo "$deb"
}

# The hash of everything an image is made from: the calling script, these helpers, the files under
# DIR and the extra words given (package versions, content hashes).
inputs_hash() {
  local dir=$1
  shift
  {
    cat "$self" "$images_lib" infra/images/lib/file-env.sh
    find "$dir" -type f | sort | xargs cat
    printf '%s\n' "$@"
  } | sha256sum | cut -d' ' -f1
}

current_hash() {
  docker image inspect -f '{{ index .Config.Labels "hearth.inputs" }}' "$1" 2>/dev/null || true
}

add_busybox() {
  local root=$1 deb=$2 unpacked
  unpacked=$(mktemp -d)
  dpkg-deb -x "$deb" "$unpacked"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/run"
  chmod 1777 "$root/tmp"
  cp "$unpacked/bin/busybox" "$root/bin/busybox"
  rm -rf "$unpacked"
  # One process for some 270 links: a fork each costs seconds in all on a busy machine.
  "$root/bin/busybox" --list | grep -vx busybox |
    (cd "$root/bin" && xargs perl -e 'symlink("busybox", $_) or die "$_: $!\n" for @ARGV')
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
  install -D -m 0644 infra/images/lib/file-env.sh "$root/usr/local/lib/hearth/file-env.sh"
}

# Copies the shared-library closure (ldd) of the ELF files given to the same paths under $root.
add_libraries() {
  local root=$1
  shift
  ldd "$@" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' | sort -u |
    xargs -r cp -L --parents -t "$root/"
}

# Copies the ELF files given and their shared-library closure to the same paths under $root.
add_with_libraries() {
  local root=$1
  shift
  cp -L --parents "$@" "$root/"
  add_libraries "$root" "$@"
}

# A tarball of DIR that depends on its content only (names sorted, times zeroed, owned by root), so
# the builder's cache keeps a layer whose content has not changed.
pack() {
  tar -C "$1" --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -cf "$2" .
}

# build TAGS DIR HASH STEP...: a root file system made by the steps, as rootfs.tar beside the files
# of DIR (its Dockerfile and what that adds). TAGS names the image, or several names of one image
# (space-separated), each of which must carry HASH for it to be kept. Each step gets the root file
# system's path; a step may leave another tarball beside it, for the Dockerfile to add as a layer of
# its own.
build() {
  local tags dir=$2 hash=$3 tag fresh=yes
  read -r -a tags <<<"$1"
  shift 3
  for tag in "${tags[@]}"; do [ "$(current_hash "$tag")" = "$hash" ] || fresh=; done
  if [ -n "$fresh" ]; then
    echo "$(basename "$self" .sh): ${tags[*]} is up to date"
    return
  fi
  local work started=$SECONDS
  work=$(mktemp -d)
  mkdir "$work/rootfs"
  for step in "$@"; do "$step" "$work/rootfs"; done
  pack "$work/rootfs" "$work/rootfs.tar"
  rm -rf "$work/rootfs"
  cp -R "$dir/." "$work/"
  if ! docker build -q --label "hearth.inputs=$hash" "${tags[@]/#/--tag=}" "$work" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    rm -rf "$work"
    return 1
  fi
  rm -rf "$work"
  docker image prune -f --filter label=hearth.inputs >/dev/null # the image this one replaces
  echo "$(basename "$self" .sh): built ${tags[*]} in $((SECONDS - started)) s"
}
