# make interop, a node on another machine (sourced by run.sh, with its
# helpers): two hosts of the suite's own, the namespace of the gateway and a
# second one for the node, joined by a veth pair. The gateway listens on
# loopback in the first, and Debian's OpenSSH server on the veth address
# there (keys made for the run). In the second, ssh -N -L forwards
# 127.0.0.1:18790 to the gateway's loopback port, and the real node host
# connects through it: it pairs, is approved with openclaw nodes approve and
# invoked. Then the tunnel drops (ssh killed) and comes back: the node host
# reconnects with no second approval, and so does the status page, open in
# Chromium on the node's host through the tunnel. And what the gateway sees
# of a tunnelled client: with no token, a tunnel logged in as the daemon's
# own user (root here) is let in, one logged in as another user (nobody) is
# not.

ns2=gateway-node-$$
gwaddr=10.231.0.1                       # inside the two namespaces only
ip netns add "$ns2" && ip netns exec "$ns2" ip link set lo up &&
ip link add "gw$$" type veth peer name "nd$$" &&
ip link set "gw$$" netns "$ns" && ip link set "nd$$" netns "$ns2" &&
inns ip addr add "$gwaddr/24" dev "gw$$" && inns ip link set "gw$$" up &&
ip netns exec "$ns2" ip addr add "${gwaddr%.1}.2/24" dev "nd$$" && ip netns exec "$ns2" ip link set "nd$$" up ||
	fail "cannot make the second host"

# sshd in the gateway's namespace, on the veth address only; keys for this run
mkdir "$tmp/ssh" && chmod 711 "$tmp" "$tmp/ssh"     # sshd reads keys-nobody as nobody
ssh-keygen -q -t ed25519 -N "" -f "$tmp/ssh/host" && ssh-keygen -q -t ed25519 -N "" -f "$tmp/ssh/client" ||
	fail "ssh-keygen failed"
cp "$tmp/ssh/client.pub" "$tmp/ssh/keys-root" && cp "$tmp/ssh/client.pub" "$tmp/ssh/keys-nobody" &&
chmod 644 "$tmp/ssh/keys-root" "$tmp/ssh/keys-nobody"
printf '%s %s\n' "$gwaddr" "$(cut -d' ' -f1,2 "$tmp/ssh/host.pub")" >"$tmp/ssh/known_hosts"
cat >"$tmp/ssh/sshd_config" <<EOF
ListenAddress $gwaddr
HostKey $tmp/ssh/host
PidFile none
AuthorizedKeysFile $tmp/ssh/keys-%u
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowTcpForwarding local
PermitOpen 127.0.0.1:18789
EOF
mkdir -p /run/sshd
mkfifo "$tmp/sshdout"
ip netns exec "$ns" /usr/sbin/sshd -D -e -f "$tmp/ssh/sshd_config" >"$tmp/sshdout" 2>&1 &
sshdpid=$!
exec 7<"$tmp/sshdout"
timeout 60 sh -c 'while IFS= read -r line; do case $line in *"Server listening on"*) exit 0 ;; esac; done; exit 1' <&7 &&
	ok "sshd (Debian's OpenSSH) listens on the veth address $gwaddr" || notok "sshd listens on $gwaddr"
cat <&7 >"$tmp/sshd.log" &
sshdlog=$!

# tunnel USER: ssh -N -L 18790 from the node's host, as USER; returns once the forward listens
tunnel() {
	rm -f "$tmp/sshout" "$tmp/ssh.log" && mkfifo "$tmp/sshout"
	ip netns exec "$ns2" ssh -v -N -L 18790:127.0.0.1:18789 -i "$tmp/ssh/client" -o BatchMode=yes \
	    -o UserKnownHostsFile="$tmp/ssh/known_hosts" -o StrictHostKeyChecking=yes -o ExitOnForwardFailure=yes \
	    -o ServerAliveInterval=15 -o ServerAliveCountMax=3 "$1@$gwaddr" >"$tmp/sshout" 2>&1 &
	sshpid=$!
	exec 6<"$tmp/sshout"
	if timeout 60 sh -c 'while IFS= read -r line; do
		printf "%s\n" "$line" >>"$1"
		case $line in *"Entering interactive session"*) exit 0 ;; esac
	done
	exit 1' sh "$tmp/ssh.log" <&6; then
		cat <&6 >/dev/null &
		sshlog=$!
		return 0
	fi
	exec 6<&-
	sed 's/^/    ssh: /' "$tmp/ssh.log"
	return 1
}
untunnel() {
	kill -KILL "$sshpid" 2>/dev/null
	wait "$sshpid" 2>/dev/null
	sshpid=
	wait "$sshlog" 2>/dev/null
	exec 6<&-
}
# the real CLI on the node's host, through the tunnel
nodecli() {
	host=$ns2
	openclaw "$@"
	rc=$?
	host=$ns
	return $rc
}

# with no token: the tunnel's login user is the peer the gateway sees (the CLI takes the tunnel's port
# from OPENCLAW_GATEWAY_PORT: with --url it would want a token)
ocenv="OPENCLAW_GATEWAY_PORT=18790"
start
tunnel root && ok "ssh -N -L through sshd, as root" || notok "ssh -N -L through sshd, as root"
nodecli gateway probe && grep -qF "Connect: ok" "$tmp/out" && ! grep -qiF "token missing" "$tmp/out" &&
	ok "no token: a tunnel logged in as the daemon's own user (root) is let in" ||
	notok "no token: a tunnel logged in as the daemon's own user (root) is let in"
untunnel
tunnel nobody && ok "ssh -N -L through sshd, as nobody" || notok "ssh -N -L through sshd, as nobody"
nodecli gateway probe
grep -qiF "token missing" "$tmp/out" &&
	ok "no token: a tunnel logged in as another user (nobody) hears token missing" ||
	notok "no token: a tunnel logged in as another user (nobody) hears token missing"
untunnel
ocenv=
stop

# with a token, the real node host through the tunnel: paired, approved, invoked; the tunnel drops and returns
start --token-file "$tmp/token" --state-file "$tmp/state.tunnel"
tunnel root || notok "the tunnel for the node host"
node_host "$ns2" 18790 remote-node "$tmp/nodeout"
nodepid=$!
exec 4<"$tmp/nodeout"
: >"$tmp/node.log"
node_says "node host gateway connected" && ok "openclaw node run on the other host: connected through the tunnel" ||
	notok "openclaw node run on the other host: connected through the tunnel"
ocenv="OPENCLAW_GATEWAY_URL=$url OPENCLAW_GATEWAY_TOKEN=$TOKEN"
openclaw nodes pending --json
request=$(sed -n 's/^ *"requestId": "\([0-9a-f-]*\)".*/\1/p' "$tmp/out" | head -n 1)
expect "nodes approve: the node on the other host" 0 '"approvedAtMs"' nodes approve "$request"
expect "nodes invoke system.which on the other host" 0 '"ok": true' \
    nodes invoke --node remote-node --command system.which --params '{"bins":["sh"]}'
openclaw devices list --json
grep -qF '"approvedVia": "silent"' "$tmp/out" && ok "its device paired silently, as a loopback client" ||
	notok "its device paired silently, as a loopback client"
# the status page in Chromium on the node's host, through the tunnel: served from the tunnel's port, with
# its WebSocket there too, so its origin is its own (no --allow-origin); open while the tunnel drops and returns
rm -f "$tmp/pageout" && mkfifo "$tmp/pageout"
ip netns exec "$ns2" /usr/bin/python3 test/interop/browser.py follows "http://127.0.0.1:18790/#token=$TOKEN" \
    >"$tmp/pageout" 2>&1 &
pagepid=$!
exec 7<"$tmp/pageout"
page_says() {   # the page's next line (its own timeout bounds the wait)
	line=$(IFS= read -r l <&7 && printf '%s' "$l")
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	*) line=${line#FAIL - }; notok "${line:-status page through the tunnel: nothing more (see above)}" ;;
	esac
}
page_says
untunnel
node_says "gateway closed" && ok "the tunnel drops: the node host sees its gateway go" ||
	notok "the tunnel drops: the node host sees its gateway go"
page_says
tunnel root && ok "the tunnel comes back" || notok "the tunnel comes back"
node_says "node host gateway connected" && ok "the node host reconnects through it by itself" ||
	notok "the node host reconnects through it by itself"
page_says
wait "$pagepid"
exec 7<&-
expect "nodes pending after the tunnel came back: no second approval" 0 "No pending pairing requests." nodes pending
expect "nodes invoke after the tunnel came back" 0 '"ok": true' \
    nodes invoke --node remote-node --command system.which --params '{"bins":["sh"]}'
ocenv=
kill -TERM -"$nodepid"
wait "$nodepid" 2>/dev/null
nodepid=
cat <&4 >/dev/null
exec 4<&-
untunnel
stop
kill "$sshdpid"
wait "$sshdpid" 2>/dev/null
sshdpid=
wait "$sshdlog"
exec 7<&-
ip netns del "$ns2"
ns2=
