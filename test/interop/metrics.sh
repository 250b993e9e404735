# make interop, /metrics (sourced by run.sh, with its helpers): Debian's
# promtool checks the exposition, idle, under load (sessions held, a node
# connected and waiting) and after the node has gone; Debian's Prometheus,
# on loopback in the namespace with its data in the suite's scratch,
# scrapes the daemon every second, and PromQL through its HTTP API returns
# the live session count and a counter that rises as clients connect.

# the exposition now, into $tmp/metrics; promtool's verdict on it
metrics_check() {
	inns /usr/bin/python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:18789/metrics").read().decode())' >"$tmp/metrics"
	if promtool check metrics <"$tmp/metrics" >"$tmp/promtool" 2>&1 && grep -q '^gateway_sessions' "$tmp/metrics"; then
		ok "promtool check metrics: $1"
	else
		sed 's/^/    /' "$tmp/promtool"
		notok "promtool check metrics: $1"
	fi
}
# value NAME: a sample's value in $tmp/metrics
value() { sed -n "s/^$1 //p" "$tmp/metrics"; }

start --token-file "$tmp/token"
metrics_check "idle"
# Prometheus, scraping every second; it says when it is ready, on stderr
mkdir "$tmp/prom"
cat >"$tmp/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: gateway
    static_configs:
      - targets: ["127.0.0.1:18789"]
EOF
mkfifo "$tmp/promout"
ip netns exec "$ns" prometheus --config.file="$tmp/prom/prometheus.yml" --storage.tsdb.path="$tmp/prom/data" \
    --web.listen-address=127.0.0.1:19090 >"$tmp/promout" 2>&1 &
prom=$!
exec 7<"$tmp/promout"
if timeout 60 sh -c 'while IFS= read -r line; do
	case $line in *"Server is ready to receive web requests"*) exit 0 ;; esac
done
exit 1' <&7; then
	ok "prometheus (Debian's) is up, on loopback in the namespace"
else
	notok "prometheus (Debian's) is up, on loopback in the namespace"
fi
cat <&7 >"$tmp/prom/log" &
promlog=$!
promql() { inns /usr/bin/python3 test/interop/promql.py 19090 "$1" "$2" >"$tmp/out" 2>&1; }
promql 'up{job="gateway"}' 1 && ok "prometheus scrapes the daemon: up is 1" ||
	notok "prometheus scrapes the daemon: $(cat "$tmp/out")"
# five sessions held; the scraped gauge says five, and the messages received rise with them
mkfifo "$tmp/heldin" "$tmp/heldout"
ip netns exec "$ns" /usr/bin/python3 test/interop/sessions.py 18789 "$TOKEN" 5 <"$tmp/heldin" >"$tmp/heldout" 2>&1 &
held=$!
exec 8>"$tmp/heldin" 9<"$tmp/heldout"
IFS= read -r line <&9 || line=
case $line in "ok - "*) ok "python3-websockets: ${line#ok - }" ;; *) notok "python3-websockets holds 5 sessions: $line" ;; esac
promql 'gateway_sessions{role="operator"}' 5 && ok "PromQL: gateway_sessions{role=\"operator\"} is 5, the live count" ||
	notok "PromQL: the live session count: $(cat "$tmp/out")"
metrics_check "with five sessions held"
before=$(value gateway_messages_received_total)
inns /usr/bin/python3 test/interop/sessions.py 18789 "$TOKEN" 5 </dev/null >"$tmp/out" 2>&1
promql 'gateway_messages_received_total' $((before + 5)) &&
	ok "PromQL: gateway_messages_received_total rose by five connects, from $before to $(cat "$tmp/out")" ||
	notok "PromQL: gateway_messages_received_total rising from $before: $(cat "$tmp/out")"
# a node comes (it waits for approval), then goes
mkfifo "$tmp/metricsnode"
ip netns exec "$ns" env WS_MODULE="$cache/ws/node_modules/ws" node test/interop/keyed-node.mjs 18789 "$TOKEN" own stay \
    >"$tmp/metricsnode" 2>&1 &
keyedpid=$!
exec 5<"$tmp/metricsnode"
IFS= read -r line <&5 || line=
promql 'gateway_nodes{state="pending"}' 1 && ok "PromQL: the node waiting for approval is pending" ||
	notok "PromQL: a pending node: $(cat "$tmp/out")"
metrics_check "with a node connected and pending"
kill "$keyedpid"
wait "$keyedpid" 2>/dev/null
keyedpid=
exec 5<&-
exec 8>&-                               # the held sessions close
wait "$held" 2>/dev/null
held=
exec 9<&-
metrics_check "after the node and the sessions have gone"
[ "$(value 'gateway_sessions{role="node"}')" = 0 ] && [ "$(value 'gateway_sessions{role="operator"}')" = 0 ] &&
	ok "gateway_sessions: none left" || notok "gateway_sessions left: $(grep '^gateway_sessions' "$tmp/metrics")"
kill "$prom"
wait "$prom" 2>/dev/null
prom=
wait "$promlog"
exec 7<&-
stop
