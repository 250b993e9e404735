#!/bin/sh
# make contrib-check, what runs here of OpenWrt's procd service without
# OpenWrt (procd is OpenWrt's alone; OpenRC's script runs under the real
# OpenRC, test/contrib-openrc.sh): the script is sourced with procd's
# helpers stubbed, what it would hand procd is checked (the user, a bounded
# respawn, reload by SIGHUP), and its own command line is run, its paths
# moved into a scratch directory: the daemon serves, and gateway health
# passes while it does and fails once it has stopped. Run in a network
# namespace of its own (unshare -n, root), since the script uses the
# default port, 18789.
# Usage: unshare -n sh test/contrib-service.sh SCRATCH; ends with "ok - ..." or "FAIL - ...".
# shellcheck disable=SC1091,SC2015,SC2034,SC2154
set -u
tmp=$1
ip link set lo up || { echo "FAIL - openwrt: no loopback in the namespace"; exit 1; }
echo token >"$tmp/token"
# the daemon as procd would start it; its health while it serves, then after
serve() {
	rm -f "$tmp/err" && mkfifo "$tmp/err"
	"$@" 2>"$tmp/err" &
	pid=$!
	IFS= read -r line <"$tmp/err" || line=
	case $line in *"listening on ws://127.0.0.1:18789"*) ;; *) echo "FAIL - openwrt: it did not start: $line"; return 1 ;; esac
	health || { echo "FAIL - openwrt: the health check fails while it serves"; kill "$pid"; return 1; }
	kill -TERM "$pid" && wait "$pid" || { echo "FAIL - openwrt: SIGTERM"; return 1; }
	health && { echo "FAIL - openwrt: the health check passes once it has stopped"; return 1; }
	return 0
}
params="$tmp/params"
: >"$params"
procd_open_instance() { :; }
procd_close_instance() { :; }
procd_set_param() { printf '%s\n' "$*" >>"$params"; }
user_exists() { return 0; }
group_exists() { return 0; }
mkdir() { :; }
chown() { :; }
chmod() { :; }
. ./contrib/openwrt/gateway.init
TOKEN=$tmp/token PAIRED=$tmp
start_service || { echo "FAIL - openwrt: start_service"; exit 1; }
grep -qx "user gateway" "$params" && grep -q "^respawn [0-9]" "$params" && grep -qx "reload_signal HUP" "$params" ||
    { echo "FAIL - openwrt: procd user gateway, respawn, reload by SIGHUP:"; cat "$params"; exit 1; }
health() { ./gateway health >/dev/null 2>&1; }
# shellcheck disable=SC2046
serve $(sed -n 's|^command /usr/bin/gateway|./gateway|p' "$params") && echo "ok - contrib/openwrt/gateway.init: procd as" \
    "gateway, $(grep '^respawn' "$params"), reload by SIGHUP; its command line serves, gateway health follows it"
