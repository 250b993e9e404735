#!/bin/sh
# make bench: the profiles against gateway, and against the npm ws echo
# server side by side when node is here (ws comes from npm, into a cache
# outside the repository: the one make interop fills, or its own), with
# the daemon on poll() and OpenSSL's Ed25519 beside ours where they are.
set -u
cd "$(dirname "$0")/.." || exit 1
WS_VERSION=8.23.0
server=
if command -v node >/dev/null 2>&1; then
	for dir in "${XDG_CACHE_HOME:-$HOME/.cache}/gateway-interop/ws" "${XDG_CACHE_HOME:-$HOME/.cache}/gateway-bench/ws"; do
		[ -f "$dir/node_modules/ws/package.json" ] && WS_MODULE=$dir/node_modules/ws && break
	done
	if [ -z "${WS_MODULE:-}" ] && command -v npm >/dev/null 2>&1; then
		dir=${XDG_CACHE_HOME:-$HOME/.cache}/gateway-bench/ws
		mkdir -p "$dir" && npm install --prefix "$dir" --no-audit --no-fund --no-save "ws@$WS_VERSION" >/dev/null 2>&1 &&
			WS_MODULE=$dir/node_modules/ws
	fi
	[ -n "${WS_MODULE:-}" ] && export WS_MODULE && server=bench/ws-echo.mjs
fi
# Ed25519 beside OpenSSL 3, where libssl-dev is installed (a tool: the daemon never links it)
rm -f bench/verify
if [ -f /usr/include/openssl/evp.h ]; then
	make -s bench/verify || echo "bench: bench/verify does not build; Ed25519 is measured alone"
fi
# the daemon on poll() too, beside the native backend (make bench builds it)
export BENCH_POLL_GATEWAY=./gateway-poll
echo "machine: $(uname -srm), $(getconf _NPROCESSORS_ONLN) CPUs, $(date -u +%Y-%m-%d)"
exec ./bench/bench ./gateway $server
