#!/bin/sh
# make interop: independent clients against the real daemon. Installs what it
# needs by itself (Debian packages through apt, npm packages into a cache
# outside the repository) and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/gateway-interop
WS_VERSION=8.23.0
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
pid=

say() { printf '%s\n' "$*"; }
fail() { say "interop: $*"; say "0 passed, 1 failed"; exit 1; }

# what the clients need
if ! /usr/bin/python3 -c 'import websockets, autobahn' 2>/dev/null; then
	[ "$(id -u)" = 0 ] || fail "needs python3-websockets and python3-autobahn (run as root to install them)"
	{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    python3-websockets python3-autobahn; } >"$tmp/apt.log" 2>&1 ||
	    { cat "$tmp/apt.log"; fail "apt-get install failed"; }
fi
if [ "$(node -p "require('$cache/ws/node_modules/ws/package.json').version" 2>/dev/null)" != "$WS_VERSION" ]; then
	mkdir -p "$cache/ws" && npm install --prefix "$cache/ws" --no-audit --no-fund --no-save \
	    "ws@$WS_VERSION" >"$tmp/npm.log" 2>&1 || { cat "$tmp/npm.log"; fail "npm install ws failed"; }
fi
make -s gateway || fail "build failed"

# start the daemon in echo mode on the first free port from 18790; the lock says which are taken
port=18790
while :; do
	rm -f "$tmp/err" && mkfifo "$tmp/err"
	./gateway --echo --port "$port" 2>"$tmp/err" &
	pid=$!
	exec 3<"$tmp/err"
	IFS= read -r line <&3               # its first line: listening, or why not
	case $line in
	*"listening on"*) break ;;
	GatewayLockError:*"already listening"*) exec 3<&-; wait $pid; port=$((port + 1)) ;;
	*) fail "gateway did not start: $line" ;;
	esac
	[ $port -lt 18890 ] || fail "no free port"
done
cat <&3 >"$tmp/gateway.log" &

run() {
	"$@" >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	[ $rc -eq 0 ] || say "FAIL - $* exited $rc"
	cat "$tmp/out" >>"$tmp/all"
	[ $rc -eq 0 ] || say "FAIL - exit status" >>"$tmp/all"
}
: >"$tmp/all"
run env WS_MODULE="$cache/ws/node_modules/ws" node test/interop/node-ws.mjs "$port"
run /usr/bin/python3 test/interop/python-websockets.py "$port"
run /usr/bin/python3 test/interop/python-autobahn.py "$port"

kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 0 ] && say "ok - gateway exited 0 after the clients" >>"$tmp/all" ||
	say "FAIL - gateway exit status $rc" >>"$tmp/all"
passed=$(grep -c '^ok - ' "$tmp/all")
failed=$(grep -c '^FAIL - ' "$tmp/all")
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
