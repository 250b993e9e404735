#!/bin/sh
# make lint-man: mandoc -Tlint must say nothing about gateway.1. Installs
# Debian's mandoc when it is missing (as root). Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
command -v mandoc >/dev/null 2>&1 || sh test/apt.sh mandoc
if ! command -v mandoc >/dev/null 2>&1; then
	echo "FAIL - mandoc is not installed"
	echo "0 passed, 1 failed"
	exit 1
fi
out=$(mandoc -Tlint gateway.1 2>&1)
if [ -z "$out" ]; then
	echo "ok - mandoc -Tlint gateway.1: nothing to report"
	echo "1 passed, 0 failed"
else
	echo "$out"
	echo "FAIL - mandoc -Tlint gateway.1"
	echo "0 passed, 1 failed"
	exit 1
fi
