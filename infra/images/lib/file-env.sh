# Sourced by the test images' entrypoints (scripts/lib/images.sh puts it in every image).
# file_env VAR [DEFAULT]: VAR comes from VAR or from the file VAR_FILE names, never both, as the
# official images read their *_FILE settings; DEFAULT when neither is set.
file_env() {
  var="$1"
  eval "value=\${$var:-}"
  eval "file=\${${var}_FILE:-}"
  if [ -n "$value" ] && [ -n "$file" ]; then
    echo "error: both $var and ${var}_FILE are set (they are exclusive)" >&2
    exit 1
  fi
  if [ -n "$file" ]; then value="$(cat "$file")"; fi
  [ -n "$value" ] || value="${2:-}"
  export "$var=$value"
  unset "${var}_FILE"
}
