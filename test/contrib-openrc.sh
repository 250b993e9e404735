#!/bin/sh
# make contrib-check: contrib/openrc/gateway under the real OpenRC, Debian's
# (openrc, librc1, libeinfo1, unpacked by contrib-check.sh into ROOT, not
# installed). rc-service starts it under supervise-daemon as user gateway,
# with the timers of /etc/conf.d/gateway; checkpath gives the state
# directory, the token and the log their owners and modes; its healthcheck,
# as supervise-daemon runs it, passes while the daemon serves and fails
# while it is stopped (SIGSTOP); reload rereads the token (SIGHUP); a
# SIGKILLed daemon is started again; stop is a clean exit; and with the port
# held by another instance (exit 78) supervise-daemon gives up after its
# bounded respawns. Runs in namespaces of its own
# (unshare -m -n -p -f --mount-proc, root): the packages and a scratch copy
# of /etc are mounted over the system's for this process tree only, so
# nothing on the host changes, and nothing outlives the script.
# Usage: sh test/contrib-openrc.sh ROOT SCRATCH GATEWAY; a line "ok - ..." or "FAIL - ..." a check.
# shellcheck disable=SC2015
set -u
root=$1 tmp=$2 gateway=$3
ok() { echo "ok - openrc: $*"; }
notok() { echo "FAIL - openrc: $*"; }
fail() { notok "$*"; exit 1; }
# until CMD...: true once CMD is (tried every 0.1 s for 30 s): supervise-daemon tells no one when it has acted
until_true() {
	n=0
	until "$@" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 300 ] || return 1
		sleep 0.1
	done
}
daemon() { pgrep -x -u gateway gateway; }
live() { /usr/local/bin/gateway health --port 18789 --timeout 2000; }
supervising() { pgrep -f '^supervise-daemon gateway' >/dev/null; }
not() { ! "$@"; }

mount --make-rprivate / && ip link set lo up || fail "no namespace of its own"
# the packages over the system's directories, wherever /bin, /sbin and /lib lead (merged /usr or not)
for d in bin sbin lib; do
	[ -d "$root/$d" ] || continue
	to=$(readlink -f "/$d")
	mount -t overlay overlay -o "lowerdir=$root/$d:$to" "$to" || fail "cannot lay the packages over $to"
done
cp -a /etc "$tmp/etc" && cp -a "$root/etc/." "$tmp/etc/" && mount --bind "$tmp/etc" /etc &&
	mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/log && mount -t tmpfs tmpfs /var/lib &&
	mount -t tmpfs tmpfs /usr/local/bin || fail "cannot mount the scratch directories"
# OpenRC's state, as its boot would leave it; the service's files, as an Alpine host would hold them
mkdir -p /run/openrc && (cd /run/openrc && mkdir daemons exclusive failed hotplugged inactive options scheduled \
    started starting stopping tmp wasinactive) && echo default >/run/openrc/softlevel || fail "no /run/openrc"
cp "$gateway" /usr/local/bin/gateway
rm -f /etc/init.d/*
cp contrib/openrc/gateway /etc/init.d/gateway
# Alpine's localmount mounts the local filesystems; Debian's OpenRC has none, so an empty one stands in
printf '#!/sbin/openrc-run\nstart() { return 0; }\n' >/etc/init.d/localmount
chmod 755 /etc/init.d/gateway /etc/init.d/localmount
# supervise-daemon's own health checks stay out of the way: the test runs the healthcheck itself
mkdir -p /etc/conf.d && printf 'respawn_delay=1\nhealthcheck_delay=3600\n' >/etc/conf.d/gateway
# the user start_pre would make with Alpine's adduser -S (Debian's adduser takes other options)
echo 'gateway:x:990:990::/var/lib/gateway:/sbin/nologin' >>/etc/passwd
echo 'gateway:x:990:' >>/etc/group
echo 'gateway:!:20000::::::' >>/etc/shadow
mkdir -p /etc/gateway && (umask 077 && head -c 32 /dev/urandom | base64 >/etc/gateway/token)

rc-service gateway start >"$tmp/out" 2>&1 && until_true live && pid=$(daemon) &&
	ok "rc-service gateway start: supervise-daemon runs it as user gateway (pid $pid), and it serves" ||
	{ cat "$tmp/out"; cat /var/log/gateway.log; fail "rc-service gateway start"; }
case $(pgrep -a -f '^supervise-daemon gateway') in
*" --respawn-delay 1 "*" --healthcheck-delay 3600 "*) ok "/etc/conf.d/gateway's respawn_delay and healthcheck_delay reach it" ;;
*) notok "/etc/conf.d/gateway's respawn_delay and healthcheck_delay reach it: $(pgrep -a -f '^supervise-daemon')" ;;
esac
modes=$(stat -c '%n %U:%G %a' /var/lib/gateway /etc/gateway/token /var/log/gateway.log | paste -s -d ,)
[ "$modes" = "/var/lib/gateway gateway:gateway 700,/etc/gateway/token root:gateway 640,/var/log/gateway.log gateway:gateway 640" ] &&
	ok "checkpath: $modes" || notok "checkpath: $modes"
/etc/init.d/gateway healthcheck >/dev/null 2>&1 && ok "healthcheck passes while it serves" ||
	notok "healthcheck passes while it serves"
kill -STOP "$pid"
/etc/init.d/gateway healthcheck >/dev/null 2>&1 && notok "healthcheck fails while it is stopped" ||
	ok "healthcheck fails while it is stopped (SIGSTOP)"
kill -CONT "$pid"
rc-service gateway reload >/dev/null 2>&1 && until_true grep -q "token reread" /var/log/gateway.log &&
	ok "rc-service gateway reload: the token is reread (SIGHUP)" || notok "rc-service gateway reload"
kill -KILL "$pid"
until_true not kill -0 "$pid"
until_true live && new=$(daemon) && [ "$new" != "$pid" ] &&
	ok "SIGKILLed (pid $pid), it is started again (pid $new)" || notok "SIGKILLed, it is started again"
rc-service gateway stop >/dev/null 2>&1 && until_true not daemon && ! live >/dev/null 2>&1 &&
	[ "$(tail -n 1 /var/log/gateway.log)" = "gateway: stopped" ] &&
	ok "rc-service gateway stop: a clean stop, and the port is free" || notok "rc-service gateway stop"

# the port held by another instance: the daemon exits 78, and supervise-daemon gives up after its tries
/usr/local/bin/gateway 2>/dev/null &
holder=$!
until_true live || notok "another instance on the port"
rc-service gateway start >/dev/null 2>&1
if until_true not supervising; then
	tries=$(grep -c "^GatewayLockError: another gateway instance is already listening" /var/log/gateway.log)
	[ "$tries" -gt 1 ] && ! rc-service gateway status >/dev/null 2>&1 &&
		ok "the port held (exit 78): supervise-daemon gave up after $tries tries" ||
		notok "the port held: $tries tries, and the service's status"
else
	notok "the port held (exit 78): supervise-daemon still restarts it after 30 s"
fi
kill "$holder"
wait "$holder"
