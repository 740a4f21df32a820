# shellcheck shell=bash
# Sourced by scripts/test and scripts/demo before they build: the package needs a Swift 6.1 or
# newer toolchain, which no script here installs (it is not a Debian package). Without one, say
# what to install instead of failing later inside a build.
#
#   require_swift NAME    NAME prefixes the message (the calling script's name)

swift_minimum_major=6
swift_minimum_minor=1

# The toolchain's version (6.3.1, 5.10) from `swift --version`: the number after "Swift version",
# else the first number that looks like a version.
swift_toolchain_version() {
  local text
  text="$(swift --version 2>&1 </dev/null)" || true
  sed -n 's/.*Swift version \([0-9][0-9]*\(\.[0-9][0-9]*\)*\).*/\1/p' <<<"$text" | head -n 1 | grep . ||
    grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' <<<"$text" | head -n 1
}

require_swift() {
  local name="${1:-scripts}" minimum="$swift_minimum_major.$swift_minimum_minor" version major minor
  local install="install a Swift $minimum or newer toolchain (https://www.swift.org/install/linux/: on Debian 12, swiftly or the debian12 tarball), put its usr/bin first on PATH, and run again"
  if ! command -v swift >/dev/null 2>&1; then
    printf '%s: no swift on PATH; %s\n' "$name" "$install" >&2
    exit 1
  fi
  version="$(swift_toolchain_version || true)"
  if [ -z "$version" ]; then
    printf '%s: %s --version names no version; %s\n' "$name" "$(command -v swift)" "$install" >&2
    exit 1
  fi
  major="${version%%.*}"
  minor="${version#"$major"}"; minor="${minor#.}"; minor="${minor%%.*}"; minor="${minor:-0}"
  if [ "$major" -lt "$swift_minimum_major" ] ||
     { [ "$major" -eq "$swift_minimum_major" ] && [ "$minor" -lt "$swift_minimum_minor" ]; }; then
    printf '%s: %s is Swift %s, older than %s; %s\n' "$name" "$(command -v swift)" "$version" "$minimum" "$install" >&2
    exit 1
  fi
}
