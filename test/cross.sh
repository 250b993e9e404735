#!/bin/sh
# make cross-test: the daemon and the test runner built statically with
# Debian's cross compilers, and the whole suite run under qemu-user, for
# other byte orders and word sizes: s390x (64-bit big-endian), powerpc
# (32-bit big-endian) and armhf (32-bit ARM). The runner execs the daemon,
# so binfmt_misc must hand foreign binaries to qemu: it is mounted and the
# qemu handlers enabled if need be. 32-bit targets build with a 64-bit
# time_t. Installs what it needs (root). Ends with "N passed, N failed".
# Usage: sh test/cross.sh [s390x|powerpc|armhf ...]
set -u
cd "$(dirname "$0")/.." || exit 1
targets=${*:-s390x powerpc armhf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "cross-test: $*"; echo "0 passed, 1 failed"; exit 1; }
triple() {
	case $1 in
	s390x) echo s390x-linux-gnu ;;
	powerpc) echo powerpc-linux-gnu ;;
	armhf) echo arm-linux-gnueabihf ;;
	*) fail "unknown target $1" ;;
	esac
}
handler() {
	case $1 in
	s390x) echo qemu-s390x ;;
	powerpc) echo qemu-ppc ;;
	armhf) echo qemu-arm ;;
	esac
}
pkgs=
command -v qemu-s390x-static >/dev/null 2>&1 || pkgs="$pkgs qemu-user-static binfmt-support"
for t in $targets; do
	command -v "$(triple "$t")-gcc" >/dev/null 2>&1 || pkgs="$pkgs gcc-$(triple "$t")"
done
if [ -n "$pkgs" ]; then
	sh test/apt.sh $pkgs || fail "cannot install$pkgs"
fi
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
	mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>"$tmp/mount.log" ||
	    fail "binfmt_misc is not mounted and cannot be ($(cat "$tmp/mount.log")); the suite execs the daemon, so it needs it"
fi
# each target builds and runs in its own copy, all side by side (under qemu the suite mostly waits);
# their reports follow in order
run_target() {
	t=$1
	h=/proc/sys/fs/binfmt_misc/$(handler "$t")
	[ -e "$h" ] || update-binfmts --enable "$(handler "$t")" >/dev/null 2>&1
	if ! grep -q enabled "$h" 2>/dev/null; then
		echo "FAIL - binfmt has no enabled $(handler "$t") handler ($h)"
		return 1
	fi
	case $t in
	s390x) extra= ;;
	*) extra="-D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64" ;;      # wall clocks past 2038
	esac
	mkdir -p "$tmp/$t" && cp -R ./*.c ./*.h ./gateway.1 Makefile README test openclaw crypto "$tmp/$t"/
	echo "== $t ($(triple "$t"), static, under qemu)"
	if ! (cd "$tmp/$t" && make -s clean && make -s -j2 gateway test/run test/roundtrip CC="$(triple "$t")-gcc" \
	    CFLAGS="-std=c99 -pedantic -Wall -Wextra -O2 $extra" LDFLAGS=-static); then
		echo "FAIL - $t: does not build"
		return 1
	fi
	(cd "$tmp/$t" && GATEWAY_EMULATED=1 ./test/run ./gateway) >"$tmp/$t.log" 2>&1
	grep -E '^(FAIL|skipped|[a-z]+: [0-9]+ passed)' "$tmp/$t.log"
}
for t in $targets; do
	run_target "$t" >"$tmp/$t.report" 2>&1 &
done
wait
passed=0 failed=0
for t in $targets; do
	cat "$tmp/$t.report"
	last=$(grep -a '^[0-9]* passed, [0-9]* failed$' "$tmp/$t.log" 2>/dev/null | tail -n 1)
	echo "$t: ${last:-no count}"
	case $last in
	*" passed, "*" failed")
		passed=$((passed + ${last%% passed*}))
		rest=${last#* passed, }
		failed=$((failed + ${rest%% failed*})) ;;
	*) failed=$((failed + 1)) ;;
	esac
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
