#!/usr/bin/env bash
# Install WasmEdge for offload's second engine.
#
# WasmEdge is not packaged for Debian 12, but Debian 13 (trixie) ships 0.14.1 with
# `wasmedge compile` (AOT). Its packages need trixie's glibc, so they cannot be installed
# system-wide on Debian 12; instead they are unpacked into a private prefix and run through
# the prefix's own dynamic loader. A `wasmedge` already on PATH always wins.
#
# Usage: scripts/install-wasmedge.sh [--force]
# Prints the path of a usable `wasmedge` as the last line of stdout.
# Environment: OFFLOAD_WASMEDGE_PREFIX overrides the prefix (default ~/.cache/offload/wasmedge).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# The packages, in one place that test/provenance.test.ts reads too.
LIST="$here/packages/wasmedge.trixie"
# shellcheck source=packages/read-list.sh
. "$here/packages/read-list.sh"

PREFIX="${OFFLOAD_WASMEDGE_PREFIX:-$HOME/.cache/offload/wasmedge}"
LAUNCHER="$PREFIX/bin/wasmedge"
# What was unpacked, per package (<name>.list: the files of that .deb), and the list it came
# from: a changed list reinstalls, and the provenance test reads where each library came from.
RECORD="$PREFIX/.unpacked"
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

say() { echo "install-wasmedge: $*" >&2; }

# 1. A wasmedge on PATH wins (a developer's own install, or a distro package).
#    The private launcher itself may be on PATH; that counts as "already installed".
if [ "$FORCE" = 0 ] && command -v wasmedge >/dev/null 2>&1; then
  found="$(command -v wasmedge)"
  if "$found" --version >/dev/null 2>&1; then
    say "using wasmedge on PATH: $("$found" --version 2>&1 | head -n1)"
    echo "$found"
    exit 0
  fi
  say "wasmedge on PATH ($found) does not run; falling back to the private prefix"
fi

# 2. Quick no-op when the private prefix is already installed from today's list and works.
if [ "$FORCE" = 0 ] && [ -x "$LAUNCHER" ] && cmp -s "$LIST" "$RECORD/wasmedge.trixie" \
    && "$LAUNCHER" --version >/dev/null 2>&1; then
  say "already installed: $("$LAUNCHER" --version 2>&1 | head -n1)"
  echo "$LAUNCHER"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || { say "apt-get not found; install WasmEdge 0.14 yourself and put it on PATH"; exit 1; }
command -v dpkg-deb >/dev/null 2>&1 || { say "dpkg-deb not found; install WasmEdge 0.14 yourself and put it on PATH"; exit 1; }

arch="$(dpkg --print-architecture)"
case "$arch" in
  amd64) triplet=x86_64-linux-gnu; loader=ld-linux-x86-64.so.2 ;;
  arm64) triplet=aarch64-linux-gnu; loader=ld-linux-aarch64.so.1 ;;
  *) say "unsupported architecture $arch; install WasmEdge yourself and put it on PATH"; exit 1 ;;
esac

# 3. Find the machine's Debian mirror in its own apt configuration (never hard-coded):
#    the first URI of a non-security Debian source, in deb822 or one-line format.
find_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    while read -r uri; do
      case "$uri" in *security*) continue ;; esac
      case "$uri" in */debian|*/debian/) echo "${uri%/}"; return 0 ;; esac
    done < <(awk 'tolower($1)=="uris:" { for (i = 2; i <= NF; i++) print $i }' "$f")
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    while read -r uri; do
      case "$uri" in *security*) continue ;; esac
      case "$uri" in */debian|*/debian/) echo "${uri%/}"; return 0 ;; esac
    done < <(awk '$1=="deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }' "$f")
  done
  return 1
}
mirror="$(find_mirror)" || { say "no Debian mirror found in /etc/apt/sources.list{,.d}; install WasmEdge yourself"; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { say "missing $keyring (package debian-archive-keyring)"; exit 1; }

# 4. A private apt state directory so the machine's own apt state is never touched. It sits
#    beside the prefix, which is replaced whole on each install.
state="$PREFIX-apt-state"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/etc/sources.list.d" "$state/etc/preferences.d" "$state/debs"
: > "$state/status"
cat > "$state/etc/sources.list" <<EOF
deb [signed-by=$keyring] $mirror trixie main
EOF
apt_opts=(
  -o "Dir::Etc::SourceList=$state/etc/sources.list"
  -o "Dir::Etc::SourceParts=$state/etc/sources.list.d"
  -o "Dir::Etc::Preferences=$state/etc/preferences"
  -o "Dir::Etc::PreferencesParts=$state/etc/preferences.d"
  -o "Dir::State::Lists=$state/lists"
  -o "Dir::State::status=$state/status"
  -o "Dir::Cache=$state/cache"
  -o "APT::Architecture=$arch"
  -o "APT::Architectures::=$arch"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)

say "reading trixie package lists from the configured mirror (private state in $state)"
apt-get "${apt_opts[@]}" -q update >&2

mapfile -t packages < <(read_package_list "$LIST")
say "downloading ${#packages[@]} packages: ${packages[*]}"
( cd "$state/debs" && rm -f ./*.deb && apt-get "${apt_opts[@]}" -q download "${packages[@]}" >&2 )

# Unpacked beside the prefix and swapped in at the end, so a wasmedge that runs meanwhile (or
# an interrupted install) never sees a half-written prefix.
staging="$PREFIX.staging-$$"
rm -rf "$staging"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/.unpacked"
say "unpacking into $staging"
for deb in "$state/debs"/*.deb; do
  say "  $(basename "$deb")"
  dpkg-deb -x "$deb" "$staging"
  dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|' > "$staging/.unpacked/$(dpkg-deb -f "$deb" Package).list"
done

libdir="$staging/usr/lib/$triplet"
[ -x "$staging/usr/bin/wasmedge" ] || { say "unpacked packages contain no usr/bin/wasmedge"; exit 1; }
[ -e "$libdir/$loader" ] || { say "unpacked packages contain no $libdir/$loader"; exit 1; }

# 5. A launcher: runs the binary through the prefix's own loader and libraries, so the
#    host's older glibc is never mixed in. The prefix path is resolved at run time, so the
#    launcher keeps working when the prefix directory is moved (as it is just below).
mkdir -p "$staging/bin"
cat > "$staging/bin/wasmedge" <<EOF
#!/bin/sh
# offload's WasmEdge launcher (generated by scripts/install-wasmedge.sh)
here="\$(cd "\$(dirname "\$0")/.." && pwd)"
lib="\$here/usr/lib/$triplet"
exec "\$lib/$loader" --library-path "\$lib" "\$here/usr/bin/wasmedge" "\$@"
EOF
chmod +x "$staging/bin/wasmedge"
"$staging/bin/wasmedge" --version >/dev/null 2>&1 || { say "the unpacked launcher does not run: $("$staging/bin/wasmedge" --version 2>&1)"; exit 1; }
cp "$LIST" "$staging/.unpacked/wasmedge.trixie"

old="$PREFIX.old-$$"
[ -e "$PREFIX" ] && mv "$PREFIX" "$old"
mv "$staging" "$PREFIX"
rm -rf "$old"
say "installed: $("$LAUNCHER" --version 2>&1 | head -n1)"
# The downloaded .debs are no longer needed; the lists are kept for a quick --force.
rm -f "$state/debs"/*.deb
echo "$LAUNCHER"
