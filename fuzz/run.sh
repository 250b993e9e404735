#!/bin/sh
# make fuzz: build each libFuzzer target from the daemon's own sources (clang,
# -fsanitize=fuzzer,address,undefined), run it for SECONDS over the seeds in
# fuzz/corpus/NAME plus a scratch corpus kept in ~/.cache/gateway-fuzz, and
# fail on any finding. Ends with "N passed, N failed".
# Usage: sh fuzz/run.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")/.." || exit 1
seconds=${1:-60}
case $seconds in '' | *[!0-9]*) echo "usage: sh fuzz/run.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
[ $# -gt 0 ] && shift
targets=${*:-http ws json proto conn ed25519 state}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/gateway-fuzz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

command -v clang >/dev/null 2>&1 || sh test/apt.sh clang
# OpenSSL is the reference the ed25519 target compares with (the daemon never links it)
case " $targets " in *" ed25519 "*) [ -f /usr/include/openssl/evp.h ] || sh test/apt.sh libssl-dev ;; esac
pure="http.c route.c ws.c sha1.c crypto/sha2.c base64.c openclaw/json.c"
# the daemon's sources but main, from the Makefile, so that a new module is never missing here
daemon=$(make -s sources)
without() {     # the daemon's sources but these
	for f in $daemon; do
		case " $* " in *" $f "*) ;; *) printf '%s ' "$f" ;; esac
	done
}
for t in $targets; do
	case $t in
	proto) src="fuzz/proto.c $(without conn.c serve.c echo.c)" len=4096 ;;   # fuzz/proto.c stands in for conn.c
	conn) src="fuzz/conn.c $daemon" len=8192 ;;
	ws) src="fuzz/ws.c $pure" len=4100 ;;
	ed25519) src="fuzz/ed25519.c crypto/ed25519.c crypto/sha2.c -lcrypto" len=1059 ;;
	state) src="-DFUZZING test/roundtrip.c $daemon" len=8192 ;;       # the state file's round trip
	*) src="fuzz/$t.c $pure" len=4096 ;;
	esac
	if ! clang -g -O1 -std=c99 -D_POSIX_C_SOURCE=200809L -I. -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -o "$tmp/$t" $src >"$tmp/build.log" 2>&1; then
		cat "$tmp/build.log"
		echo "FAIL - fuzz $t: does not build (needs clang with libFuzzer)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$cache/$t"
	"$tmp/$t" "$cache/$t" "fuzz/corpus/$t" -max_total_time="$seconds" -max_len=$len \
	    -artifact_prefix="$tmp/$t-" -print_final_stats=1 >"$tmp/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
	if [ $rc -eq 0 ]; then
		echo "ok - fuzz $t: ${runs:-?} runs in $seconds s, no findings"
		passed=$((passed + 1))
	else
		grep -E 'ERROR|SUMMARY|Assertion|runtime error' "$tmp/$t.log" | head -5
		for f in "$tmp/$t-"*; do
			[ -f "$f" ] && { echo "reproducer ($f), as hex:"; od -An -tx1 "$f" | head -20; }
		done
		echo "FAIL - fuzz $t: a finding after ${runs:-?} runs"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
