#!/bin/sh
# make contrib-check: the service files in contrib/ are well formed.
# systemd-analyze verify (where systemd is installed) checks the unit, with
# ExecStart pointed at the binary just built; sh -n checks the s6 scripts,
# and finish is asked what it does with 78; shellcheck (Debian's, installed
# if missing) checks every shell script; the OpenRC script runs under
# Debian's OpenRC (test/contrib-openrc.sh), and the OpenWrt script as far as
# it can without procd (test/contrib-service.sh); both as root. Ends with
# "N passed, N failed".
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
sh -n contrib/s6/finish && [ -x contrib/s6/finish ] && { sh contrib/s6/finish 78; [ $? = 125 ]; } &&
    { sh contrib/s6/finish 64; [ $? = 125 ]; } && sh contrib/s6/finish 1 && sh contrib/s6/finish 0 &&
    ok "contrib/s6/finish: 78 and 64 stop s6 restarting (125), anything else is restarted" ||
    notok "contrib/s6/finish"
scripts="contrib/s6/run contrib/s6/finish contrib/openrc/gateway contrib/openwrt/gateway.init"
command -v shellcheck >/dev/null 2>&1 || sh test/apt.sh shellcheck >/dev/null 2>&1
if command -v shellcheck >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	shellcheck -s sh $scripts && ok "shellcheck: $scripts" || notok "shellcheck: $scripts"
else
	echo "skipped: shellcheck, which is not installed and could not be (apt-get needs root)"
fi
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1; then
	# OpenRC: Debian's, fetched and unpacked here, laid over the system only inside the test's namespaces
	mkdir "$tmp/debs" "$tmp/openrc-root" "$tmp/openrc"
	if sh test/apt.sh --download "$tmp/debs" openrc librc1 libeinfo1; then
		for deb in "$tmp"/debs/*.deb; do
			dpkg-deb -x "$deb" "$tmp/openrc-root"
		done
		out=$(unshare -m -n -p -f --mount-proc sh test/contrib-openrc.sh "$tmp/openrc-root" "$tmp/openrc" \
		    "$(pwd)/gateway" 2>&1)
		echo "$out"
		n=$(echo "$out" | grep -c '^ok - ')
		passed=$((passed + n))
		echo "$out" | grep -q '^FAIL - ' && failed=$((failed + $(echo "$out" | grep -c '^FAIL - ')))
		[ "$n" -gt 0 ] || failed=$((failed + 1))
	else
		echo "skipped: contrib/openrc/gateway under OpenRC: Debian's openrc could not be fetched"
	fi
	# procd is OpenWrt's alone: its script runs with procd's helpers stubbed
	mkdir "$tmp/openwrt"
	out=$(unshare -n sh test/contrib-service.sh "$tmp/openwrt" 2>&1)
	echo "$out"
	case $out in *"ok - "*) passed=$((passed + 1)) ;; *) failed=$((failed + 1)) ;; esac
else
	echo "skipped: the OpenRC and OpenWrt scripts run here, which needs root, unshare and ip"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
