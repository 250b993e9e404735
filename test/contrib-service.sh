#!/bin/sh
# make contrib-check, what runs here of an OpenRC or procd service without
# Alpine or OpenWrt: the script is sourced with its init system's helpers
# stubbed, what it would hand the supervisor is checked (supervise-daemon,
# the user, a bounded respawn), and its own command line is run, its paths
# moved into a scratch directory: the daemon serves, and the script's health
# check (OpenRC's healthcheck(), or gateway health for procd) passes while it
# does and fails once it has stopped. Run in a network namespace of its own
# (unshare -n, root), since the scripts use the default port, 18789.
# Usage: unshare -n sh test/contrib-service.sh openrc|openwrt SCRATCH; ends with "ok - ..." or "FAIL - ...".
# shellcheck disable=SC1091,SC2015,SC2034,SC2154
set -u
kind=$1 tmp=$2
ip link set lo up || { echo "FAIL - $kind: no loopback in the namespace"; exit 1; }
echo token >"$tmp/token"
# the daemon as the service would start it; its health while it serves, then after
serve() {
	rm -f "$tmp/err" && mkfifo "$tmp/err"
	"$@" 2>"$tmp/err" &
	pid=$!
	IFS= read -r line <"$tmp/err" || line=
	case $line in *"listening on ws://127.0.0.1:18789"*) ;; *) echo "FAIL - $kind: it did not start: $line"; return 1 ;; esac
	health || { echo "FAIL - $kind: the health check fails while it serves"; kill "$pid"; return 1; }
	kill -TERM "$pid" && wait "$pid" || { echo "FAIL - $kind: SIGTERM"; return 1; }
	health && { echo "FAIL - $kind: the health check passes once it has stopped"; return 1; }
	return 0
}
moved() { printf '%s\n' "$*" | sed "s|/etc/gateway/token|$tmp/token|; s|/etc/gateway/paired/state|$tmp/state|; \
s|/var/lib/gateway/state|$tmp/state|; s|^/usr/\(local/\)\{0,1\}bin/gateway|./gateway|"; }
case $kind in
openrc)
	checkpath() { :; }
	eerror() { echo "$*" >&2; }
	. ./contrib/openrc/gateway
	[ "$supervisor" = supervise-daemon ] && [ "$command_user" = gateway:gateway ] && [ "$respawn_max" -gt 0 ] &&
	    [ "$respawn_period" -gt 0 ] || { echo "FAIL - openrc: supervise-daemon, user gateway, bounded respawn"; exit 1; }
	command=./gateway
	health() { healthcheck; }
	# shellcheck disable=SC2046,SC2154
	serve ./gateway $(moved "$command_args") && echo "ok - contrib/openrc/gateway: supervise-daemon as gateway," \
	    "respawn at most $respawn_max in ${respawn_period}s; its command line serves, healthcheck() follows it" ;;
openwrt)
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
	serve $(moved "$(sed -n 's/^command //p' "$params")") && echo "ok - contrib/openwrt/gateway.init: procd as gateway," \
	    "$(grep '^respawn' "$params"), reload by SIGHUP; its command line serves, gateway health follows it" ;;
esac
