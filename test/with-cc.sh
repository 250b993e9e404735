#!/bin/sh
# make test built with another compiler (clang, tcc, musl-gcc), in a scratch
# copy of the tree so that nothing here is rebuilt. Installs the compiler from
# Debian when it is missing (as root). Ends with the suite's own
# "N passed, N failed". Usage: sh test/with-cc.sh CC
set -u
cc=${1:?usage: with-cc.sh CC}
cd "$(dirname "$0")/.." || exit 1
case $cc in
musl-gcc) pkg=musl-tools ;;
*) pkg=$cc ;;
esac
command -v "$cc" >/dev/null 2>&1 || sh test/apt.sh "$pkg"
command -v "$cc" >/dev/null 2>&1 || { echo "FAIL - $cc is not installed"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R ./*.c ./*.h ./gateway.1 Makefile README test openclaw crypto "$tmp"/ && cd "$tmp" || exit 1
echo "make test CC=$cc"
make clean >/dev/null && make -j2 test CC="$cc"
