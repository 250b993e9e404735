#!/bin/sh
# Install the Debian packages a suite needs and lacks (root only): one
# apt-get at a time on this host (flock), waiting for dpkg's lock rather
# than failing on it, so suites and CI runs side by side can all install.
# Usage: sh test/apt.sh PKG...; exit 0 when every PKG is installed.
#        sh test/apt.sh --download DIR PKG...: their .deb files into DIR, installed nowhere.
set -u
lock=
command -v flock >/dev/null 2>&1 && lock="flock /var/lock/gateway-apt.lock"
if [ "${1:-}" = --download ]; then
	dir=$2
	shift 2
	# shellcheck disable=SC2086
	(cd "$dir" && apt-get -q download "$@") >/dev/null 2>&1 ||
		{ [ "$(id -u)" = 0 ] && $lock apt-get -q -o DPkg::Lock::Timeout=1200 update >/dev/null 2>&1 &&
		(cd "$dir" && apt-get -q download "$@") >/dev/null 2>&1; } || { echo "apt.sh: apt-get download $* failed"; exit 1; }
	exit 0
fi
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
[ "$(id -u)" = 0 ] || { echo "apt.sh: needs root to install:$missing"; exit 1; }
log=$(mktemp)
# shellcheck disable=SC2086
if $lock sh -c 'apt-get -q -o DPkg::Lock::Timeout=1200 update &&
    DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=1200 install "$@"' sh $missing >"$log" 2>&1; then
	rm -f "$log"
	exit 0
fi
tail -n 20 "$log"
rm -f "$log"
echo "apt.sh: apt-get install$missing failed"
exit 1
