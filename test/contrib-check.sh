#!/bin/sh
# make contrib-check: the service files in contrib/ are well formed.
# systemd-analyze verify (where systemd is installed) checks the unit, with
# ExecStart pointed at the binary just built; sh -n checks the s6 run script.
# Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
notok() { echo "FAIL - $*"; failed=$((failed + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s gateway || exit 1
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|/usr/local/bin/gateway|$(pwd)/gateway|" contrib/gateway.service >"$tmp/gateway.service"
	if out=$(systemd-analyze verify --man=no "$tmp/gateway.service" 2>&1) && [ -z "$out" ]; then
		ok "systemd-analyze verify contrib/gateway.service"
	else
		echo "$out"
		notok "systemd-analyze verify contrib/gateway.service"
	fi
	# the tunnel on the node's machine: an instance of the template, its user made up for the check
	sed "s|^User=openclaw|User=root|" "contrib/gateway-tunnel@.service" >"$tmp/gateway-tunnel@gateway-host.service"
	if out=$(systemd-analyze verify --man=no "$tmp/gateway-tunnel@gateway-host.service" 2>&1) && [ -z "$out" ]; then
		ok "systemd-analyze verify contrib/gateway-tunnel@.service (as gateway-tunnel@gateway-host)"
	else
		echo "$out"
		notok "systemd-analyze verify contrib/gateway-tunnel@.service"
	fi
else
	echo "skipped: systemd-analyze is not installed"
fi
sh -n contrib/s6/run && [ -x contrib/s6/run ] && [ "$(cat contrib/s6/notification-fd)" = 3 ] &&
    grep -q -- '--ready-fd 3' contrib/s6/run && ok "contrib/s6/run parses, and its notification-fd is the one it uses" ||
    notok "contrib/s6/run"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
