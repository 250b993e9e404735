.POSIX:
.SUFFIXES:
.SUFFIXES: .c .o

CC      = cc
CFLAGS  = -std=c99 -pedantic -Wall -Wextra -O2
LDFLAGS =
PREFIX  = /usr/local
MANPREFIX = $(PREFIX)/share/man
DESTDIR =

# three folders: the core (the root), verify-only crypto (crypto/) and the
# OpenClaw application (openclaw/); objects are named by path, bottom to top
CORE    = log.o notify.o peer.o lock.o timer.o event.o probe.o pool.o conn.o serve.o echo.o http.o route.o ws.o sha1.o base64.o
CRYPTO  = crypto/sha2.o crypto/ed25519.o
APP     = openclaw/counters.o openclaw/page.o openclaw/limit.o openclaw/token.o openclaw/schema.o openclaw/rpc.o openclaw/policy.o \
          openclaw/state.o openclaw/record.o openclaw/statefile.o openclaw/broker.o openclaw/invoke.o openclaw/pairing.o \
          openclaw/devices.o openclaw/approvals.o openclaw/empty.o openclaw/methods.o openclaw/metrics.o \
          openclaw/proto.o openclaw/json.o openclaw/device.o openclaw/catalog.o
OBJ     = $(CORE) $(CRYPTO) $(APP)
# no I/O: linked into the tests too (crypto/ed25519.o is pure, but test/sign.c brings its own copy)
PURE    = http.o route.o ws.o sha1.o base64.o timer.o crypto/sha2.o openclaw/json.o openclaw/device.o openclaw/catalog.o
CORE_HDR = config.h log.h notify.h sha1.h base64.h http.h route.h ws.h peer.h lock.h timer.h event.h probe.h pool.h \
          conn.h serve.h echo.h
HDR     = $(CORE_HDR) crypto/sha2.h crypto/ed25519.h openclaw/counters.h openclaw/page.h openclaw/json.h openclaw/limit.h \
          openclaw/token.h openclaw/schema.h openclaw/rpc.h openclaw/catalog.h openclaw/policy.h openclaw/device.h \
          openclaw/state.h openclaw/record.h openclaw/statefile.h openclaw/broker.h openclaw/invoke.h openclaw/pairing.h \
          openclaw/devices.h openclaw/approvals.h openclaw/empty.h openclaw/methods.h openclaw/metrics.h openclaw/proto.h

all: gateway

gateway: gateway.o $(OBJ)
	$(CC) $(LDFLAGS) -o $@ gateway.o $(OBJ)

# -I.: a file in a folder finds the root's headers; the root names a folder's headers by path
.c.o:
	$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -I. -c -o $@ $<

gateway.o $(OBJ): $(HDR)

# the event backend: the system's own (epoll, kqueue), or poll() anywhere
# (make EVENTS=poll); gateway-poll is the daemon on poll(), which make test
# runs too, so the fallback never rots
EVENTS  = native
EVENT_C = event.c event_epoll.c event_kqueue.c event_poll.c

event.o: $(EVENT_C)
	$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -DEVENTS_$(EVENTS) -I. -c -o $@ event.c

event-poll.o: $(EVENT_C) $(HDR)
	$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -DEVENTS_poll -I. -c -o $@ event.c

gateway-poll: gateway.o $(OBJ:event.o=event-poll.o)
	$(CC) $(LDFLAGS) -o $@ gateway.o $(OBJ:event.o=event-poll.o)

# the daemon the design card names, from the root's files alone: no file of
# openclaw/ or crypto/ is compiled or linked, so the compiler checks the boundary
minimal: gateway-minimal

gateway-minimal: gateway-minimal.o $(CORE)
	$(CC) $(LDFLAGS) -o $@ gateway-minimal.o $(CORE)

gateway-minimal.o: gateway.c $(CORE_HDR)
	$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -DGATEWAY_MINIMAL -c -o $@ gateway.c

TESTSRC = test/run.c test/client.c test/unit.c test/crypto.c test/sign.c test/layers.c test/core.c test/wsconf.c \
          test/proto.c test/nodes.c test/pairing.c test/state.c test/answers.c test/hostile.c test/ops.c test/metrics.c

test/run: $(TESTSRC) test/t.h $(PURE) $(HDR)
	$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -I. $(LDFLAGS) -o $@ $(TESTSRC) $(PURE)

# the state file's round trip, a property over random records (test/run runs it with the unit vectors)
test/roundtrip: test/roundtrip.c $(OBJ) $(HDR)
	$(CC) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -I. $(LDFLAGS) -o $@ test/roundtrip.c $(OBJ)

# the whole suite on the daemon with each backend, then the core's suites on the minimal build
test: gateway gateway-poll gateway-minimal test/run test/roundtrip
	./test/run ./gateway ./gateway-poll ./gateway-minimal core websocket metrics

# the same suite with the daemon and the parsers under ASan and UBSan
sanitize:
	$(MAKE) clean
	GATEWAY_SANITIZED=1 $(MAKE) test CFLAGS="-std=c99 -g -O1 -fsanitize=address,undefined \
	    -fno-sanitize-recover=all" LDFLAGS="-fsanitize=address,undefined"
	$(MAKE) clean

# the same suite with the daemon under valgrind (built anew: no sanitizer objects left over)
valgrind:
	$(MAKE) clean
	$(MAKE) gateway gateway-poll test/run test/roundtrip
	GATEWAY_BIN="`pwd`/gateway" GATEWAY_UNDER_VALGRIND=1 ./test/run test/valgrind-gateway
	GATEWAY_BIN="`pwd`/gateway-poll" GATEWAY_UNDER_VALGRIND=1 ./test/run test/valgrind-gateway

interop: gateway
	sh test/interop/run.sh

# the load generator (a tool, not the daemon) and its table: see bench/run.sh
# (test/sign.c brings Ed25519, with signing, for the devices of the state file's profile)
bench/bench: bench/bench.c bench/flood.c bench/scale.c bench/state.c bench/bench.h bench/rfc8032.h bench/median.h test/sign.c \
    sha1.c crypto/sha2.c base64.c $(HDR)
	$(CC) $(CFLAGS) -I. -o $@ bench/bench.c bench/flood.c bench/scale.c bench/state.c test/sign.c sha1.c \
	    crypto/sha2.c base64.c

# Ed25519 beside OpenSSL 3 (Debian libssl-dev): a tool; the daemon never links OpenSSL
bench/verify: bench/verify.c bench/rfc8032.h bench/median.h crypto/ed25519.c crypto/sha2.c crypto/ed25519.h crypto/sha2.h
	$(CC) $(CFLAGS) -I. -o $@ bench/verify.c crypto/ed25519.c crypto/sha2.c -lcrypto

bench: gateway gateway-poll bench/bench
	sh bench/run.sh

# the man page: mandoc -Tlint says nothing
lint-man:
	sh test/man-lint.sh

# a static binary with musl (Debian musl-tools), stripped: its size is printed
static:
	musl-gcc -std=c99 -Os -D_POSIX_C_SOURCE=200809L -I. -static -s -o gateway-static gateway.c $(OBJ:.o=.c)
	musl-gcc -std=c99 -Os -D_POSIX_C_SOURCE=200809L -DGATEWAY_MINIMAL -static -s -o gateway-minimal-static \
	    gateway.c $(CORE:.o=.c)
	@ls -l gateway-static gateway-minimal-static | \
	    awk '{ print $$9 " (musl, static, -Os, stripped): " $$5 " bytes" }'

# the suite on s390x, powerpc and armhf: static cross builds under qemu-user (root)
cross-test:
	sh test/cross.sh

# the service files in contrib/
contrib-check:
	sh test/contrib-check.sh

# libFuzzer targets (clang) over the parsers, the protocol and the connection path
FUZZ_SECONDS = 60
fuzz:
	sh fuzz/run.sh $(FUZZ_SECONDS)

# the daemon's sources but main, for fuzz/run.sh
sources:
	@echo $(OBJ:.o=.c)

install: gateway
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1
	cp -f gateway $(DESTDIR)$(PREFIX)/bin/gateway
	chmod 755 $(DESTDIR)$(PREFIX)/bin/gateway
	ln -sf gateway $(DESTDIR)$(PREFIX)/bin/openclaw-gateway   # the name openclaw status looks for
	cp -f gateway.1 $(DESTDIR)$(MANPREFIX)/man1/gateway.1
	chmod 644 $(DESTDIR)$(MANPREFIX)/man1/gateway.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/gateway $(DESTDIR)$(PREFIX)/bin/openclaw-gateway \
	    $(DESTDIR)$(MANPREFIX)/man1/gateway.1

clean:
	rm -f gateway gateway-static gateway.o $(OBJ) gateway-minimal gateway-minimal-static gateway-minimal.o \
	    gateway-poll event-poll.o test/run test/roundtrip bench/bench bench/verify

.PHONY: all minimal test sanitize valgrind interop bench fuzz sources lint-man contrib-check static cross-test install uninstall clean
