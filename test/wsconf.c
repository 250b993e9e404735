/*
 * RFC 6455 against the daemon in echo mode, after the Autobahn fuzzing-client
 * sections 1-7, 9 and 10, plus the handshake refusals. Each case opens its
 * own connection and asserts the exact reply or close code.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

#define FIN 0x80
static int port;

static int
conn(void)
{
	int fd = ws_open(port);

	if (fd < 0)
		check(0, "WebSocket handshake on %d", port);
	return fd;
}

static unsigned char *
pattern(size_t n)
{
	unsigned char *p = malloc(n ? n : 1);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)('a' + i % 26);
	return p;
}

/* one message, echoed whole; chop > 0 sends it in pieces of that size */
static void
echo_case(const char *name, int op, size_t n, size_t chop)
{
	unsigned char *p = pattern(n);
	int fd = conn();

	ws_send_frame(fd, FIN | op, p, n, chop);
	check(expect_frame(fd, op, p, n), "%s: echo of %zu bytes", name, n);
	check(close_clean(fd), "%s: clean close", name);
	free(p);
	close(fd);
}

/* frames sent as given; then the close code the server must send (0: none expected first) */
static void
fail_case(const char *name, int b0, const void *p, size_t n, int code)
{
	int fd = conn();

	ws_send_frame(fd, b0, p, n, 0);
	check(expect_close(fd, code), "%s: close %d", name, code);
	close(fd);
}

static void
section1(void)
{
	static const size_t sizes[] = { 0, 125, 126, 127, 128, 65535, 65536 };
	char name[32];
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		snprintf(name, sizeof name, "1.1.%zu text", i + 1);
		echo_case(name, WS_TEXT, sizes[i], 0);
		snprintf(name, sizeof name, "1.2.%zu binary", i + 1);
		echo_case(name, WS_BINARY, sizes[i], 0);
	}
	echo_case("1.1.8 text chopped 997", WS_TEXT, 65536, 997);
	echo_case("1.2.8 binary chopped 997", WS_BINARY, 65536, 997);
}

static void
section2(void)
{
	unsigned char *p = pattern(125);
	int fd, i;

	fd = conn();
	ws_send_frame(fd, FIN | WS_PING, "", 0, 0);
	check(expect_frame(fd, WS_PONG, "", 0), "2.1 empty ping: empty pong");
	ws_send_frame(fd, FIN | WS_PING, "Hello, world!", 13, 0);
	check(expect_frame(fd, WS_PONG, "Hello, world!", 13), "2.2 ping with text: same pong");
	ws_send_frame(fd, FIN | WS_PING, "\x00\xff\xfe\xfd\xfc\xfb\x00\xff", 8, 0);
	check(expect_frame(fd, WS_PONG, "\x00\xff\xfe\xfd\xfc\xfb\x00\xff", 8), "2.3 ping with binary: same pong");
	ws_send_frame(fd, FIN | WS_PING, p, 125, 0);
	check(expect_frame(fd, WS_PONG, p, 125), "2.4 ping of 125 bytes");
	ws_send_frame(fd, FIN | WS_PING, p, 125, 1);
	check(expect_frame(fd, WS_PONG, p, 125), "2.6 ping of 125 bytes, one byte at a time");
	ws_send_frame(fd, FIN | WS_PONG, "", 0, 0);
	ws_send_frame(fd, FIN | WS_PONG, "unsolicited", 11, 0);
	ws_send_frame(fd, FIN | WS_TEXT, "after", 5, 0);
	check(expect_frame(fd, WS_TEXT, "after", 5), "2.7/2.8 unsolicited pongs are ignored");
	for (i = 0; i < 10; i++)
		ws_send_frame(fd, FIN | WS_PING, "n", 1, i % 2 ? 1 : 0);
	for (i = 0; i < 10; i++)
		check(expect_frame(fd, WS_PONG, "n", 1), "2.10/2.11 ten pings, ten pongs (%d)", i);
	check(close_clean(fd), "clean close after pings");
	close(fd);
	{
		unsigned char f[200];
		size_t n = ws_frame(f, FIN | WS_PING, p, 125);
		fd = conn();
		f[1] = 0x80 | 126;              /* claim 126 in the 16-bit form */
		memmove(f + 4, f + 2, n - 2);
		f[2] = 0;
		f[3] = 126;
		send_all(fd, f, n + 2);
		check(expect_close(fd, 1002), "2.5 ping of 126 bytes: 1002");
		close(fd);
	}
	free(p);
}

static void
section3(void)
{
	static const struct { const char *name; int b0; } v[] = {
		{ "3.1 RSV1 text", FIN | 0x40 | WS_TEXT }, { "3.2 RSV2 text", FIN | 0x20 | WS_TEXT },
		{ "3.3 RSV3 text", FIN | 0x60 | WS_TEXT }, { "3.4 RSV4 text", FIN | 0x10 | WS_TEXT },
		{ "3.5 RSV5 binary", FIN | 0x50 | WS_BINARY }, { "3.6 RSV6 ping", FIN | 0x60 | WS_PING },
		{ "3.7 RSV7 close", FIN | 0x70 | WS_CLOSE },
	};
	size_t i;
	int fd;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		fd = conn();
		/* a good message first: it is echoed, then the bad frame fails the connection */
		ws_send_frame(fd, FIN | WS_TEXT, "ok", 2, 0);
		ws_send_frame(fd, v[i].b0, "x", 1, i == 3 ? 1 : 0);
		ws_send_frame(fd, FIN | WS_PING, "", 0, 0);
		check(expect_frame(fd, WS_TEXT, "ok", 2) && expect_close(fd, 1002), "%s: echo, then 1002", v[i].name);
		close(fd);
	}
}

static void
section4(void)
{
	char name[48];
	int op, fd;

	for (op = 3; op <= 15; op++) {
		if (op >= WS_CLOSE && op <= WS_PONG)
			continue;
		fd = conn();
		ws_send_frame(fd, FIN | WS_TEXT, "ok", 2, 0);
		ws_send_frame(fd, FIN | op, op & 1 ? "reserved" : "", op & 1 ? 8 : 0, 0);
		ws_send_frame(fd, FIN | WS_PING, "", 0, 0);
		snprintf(name, sizeof name, "4.%d reserved opcode %d", op < 8 ? 1 : 2, op);
		check(expect_frame(fd, WS_TEXT, "ok", 2) && expect_close(fd, 1002), "%s: echo, then 1002", name);
		close(fd);
	}
}

static void
section5(void)
{
	int fd, chop;

	fail_case("5.1 fragmented ping", WS_PING, "frag", 4, 1002);
	fail_case("5.2 fragmented pong", WS_PONG, "frag", 4, 1002);
	for (chop = 0; chop <= 1; chop++) {
		fd = conn();
		ws_send_frame(fd, WS_TEXT, "frag1", 5, (size_t)chop);
		ws_send_frame(fd, FIN | WS_CONT, "frag2", 5, (size_t)chop);
		check(expect_frame(fd, WS_TEXT, "frag1frag2", 10), "5.3/5.4 two fragments (chop %d)", chop);
		ws_send_frame(fd, WS_TEXT, "a", 1, (size_t)chop);
		ws_send_frame(fd, FIN | WS_PING, "p", 1, (size_t)chop);
		ws_send_frame(fd, WS_CONT, "b", 1, (size_t)chop);
		ws_send_frame(fd, FIN | WS_PING, "q", 1, (size_t)chop);
		ws_send_frame(fd, FIN | WS_CONT, "c", 1, (size_t)chop);
		check(expect_frame(fd, WS_PONG, "p", 1) && expect_frame(fd, WS_PONG, "q", 1) &&
		    expect_frame(fd, WS_TEXT, "abc", 3), "5.6-5.8/5.19 pings between fragments answered at once");
		ws_send_frame(fd, WS_BINARY, "", 0, 0);
		ws_send_frame(fd, WS_CONT, "", 0, 0);
		ws_send_frame(fd, FIN | WS_CONT, "", 0, 0);
		check(expect_frame(fd, WS_BINARY, "", 0), "5.18 empty fragments");
		check(close_clean(fd), "close after fragments");
		close(fd);
	}
	fail_case("5.9 continuation with FIN and nothing started", FIN | WS_CONT, "x", 1, 1002);
	fail_case("5.12 continuation without FIN and nothing started", WS_CONT, "x", 1, 1002);
	fd = conn();
	ws_send_frame(fd, WS_TEXT, "a", 1, 0);
	ws_send_frame(fd, FIN | WS_TEXT, "b", 1, 0);
	check(expect_close(fd, 1002), "5.15 a new message inside a fragmented one: 1002");
	close(fd);
	fd = conn();
	ws_send_frame(fd, FIN | WS_TEXT, "a", 1, 0);
	ws_send_frame(fd, FIN | WS_CONT, "b", 1, 0);
	check(expect_frame(fd, WS_TEXT, "a", 1) && expect_close(fd, 1002), "5.16 continuation after a whole message: 1002");
	close(fd);
}

static void
section6(void)
{
	static const char *valid[] = {
		"", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc",
		"\x7f", "\xc2\x80", "\xe0\xa0\x80", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf",
		"\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbb\xbf",
	};
	static const char *invalid[] = {
		("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80" "edited"), "\x80", "\xbf", "\xc0\xaf",
		"\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xf8\x88\x80\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xf4\x90\x80\x80", "\xfe", "\xff", "\xc2", "\xe0\xa0", "\xf0\x90\x80", "\xc2\x41",
		"\xed\xa0\x80\xed\xb0\x80",
	};
	size_t i, n, k;
	int fd;

	for (i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		n = strlen(valid[i]);
		fd = conn();
		ws_send_frame(fd, FIN | WS_TEXT, valid[i], n, 0);
		check(expect_frame(fd, WS_TEXT, valid[i], n), "6.x valid UTF-8 %zu echoed", i);
		/* the same text cut into one-byte fragments, code points split across frames */
		for (k = 0; k < n; k++)
			ws_send_frame(fd, (k + 1 == n ? FIN : 0) | (k ? WS_CONT : WS_TEXT), valid[i] + k, 1, 0);
		if (n > 0)
			check(expect_frame(fd, WS_TEXT, valid[i], n), "6.x valid UTF-8 %zu in 1-byte fragments", i);
		check(close_clean(fd), "6.x close");
		close(fd);
	}
	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		n = strlen(invalid[i]);
		fail_case("6.x invalid UTF-8", FIN | WS_TEXT, invalid[i], n, 1007);
		fd = conn();
		for (k = 0; k < n; k++)
			ws_send_frame(fd, (k + 1 == n ? FIN : 0) | (k ? WS_CONT : WS_TEXT), invalid[i] + k, 1, 0);
		check(expect_close(fd, 1007), "6.x invalid UTF-8 %zu in 1-byte fragments: 1007", i);
		close(fd);
	}
	/* 6.4.x fail fast: the close comes before the message is complete */
	fd = conn();
	ws_send_frame(fd, WS_TEXT, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", 11, 0);
	ws_send_frame(fd, WS_CONT, "\xf4\x90\x80\x80", 4, 0);
	check(expect_close(fd, 1007), "6.4.1 invalid fragment: 1007 before the message ends");
	close(fd);
	{
		unsigned char f[64];
		size_t len = ws_frame(f, FIN | WS_TEXT, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80"
		    "\xcd\xbc\xce\xbc\xce\xb5" "edited", 28);
		fd = conn();
		send_all(fd, f, len - 10);      /* the rest is never sent */
		check(expect_close(fd, 1007), "6.4.3 invalid bytes mid-frame: 1007 before the frame ends");
		close(fd);
	}
}

static void
section7(void)
{
	static const int valid[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999 };
	static const int invalid[] = { 0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535 };
	unsigned char p[130];
	size_t i;
	int fd;

	fd = conn();
	ws_send_frame(fd, FIN | WS_TEXT, "Hello", 5, 0);
	ws_send_frame(fd, FIN | WS_CLOSE, "\x03\xe8", 2, 0);
	ws_send_frame(fd, FIN | WS_CLOSE, "\x03\xe8", 2, 0);
	ws_send_frame(fd, FIN | WS_PING, "", 0, 0);
	ws_send_frame(fd, FIN | WS_TEXT, "after", 5, 0);
	check(expect_frame(fd, WS_TEXT, "Hello", 5) && expect_frame(fd, WS_CLOSE, "\x03\xe8", 2),
	    "7.1.1-7.1.4 echo, then one close; nothing after it");
	check(read_all(fd, (char *)p, sizeof p, HANG_MS) == 0, "7.1 server closes TCP after the handshake");
	close(fd);
	fd = conn();
	ws_send_frame(fd, WS_TEXT, "frag", 4, 0);
	ws_send_frame(fd, FIN | WS_CLOSE, "", 0, 0);
	ws_send_frame(fd, FIN | WS_CONT, "ment", 4, 0);
	check(expect_frame(fd, WS_CLOSE, "", 0), "7.1.5/7.3.1 empty close inside a message: empty close");
	close(fd);
	fail_case("7.3.2 one-byte close", FIN | WS_CLOSE, "\x03", 1, 1002);
	memcpy(p, "\x03\xe8", 2);
	memset(p + 2, 'r', 123);
	fd = conn();
	ws_send_frame(fd, FIN | WS_CLOSE, p, 125, 0);
	check(expect_frame(fd, WS_CLOSE, p, 125), "7.3.5 close with a 123-byte reason: code and reason echoed");
	close(fd);
	fail_case("7.5.1 close reason not UTF-8", FIN | WS_CLOSE, "\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80", 16, 1007);
	for (i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		p[0] = (unsigned char)(valid[i] >> 8);
		p[1] = (unsigned char)valid[i];
		fd = conn();
		ws_send_frame(fd, FIN | WS_CLOSE, p, 2, 0);
		check(expect_frame(fd, WS_CLOSE, p, 2), "7.7 close code %d echoed", valid[i]);
		close(fd);
	}
	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		p[0] = (unsigned char)(invalid[i] >> 8);
		p[1] = (unsigned char)invalid[i];
		fail_case("7.9 invalid close code", FIN | WS_CLOSE, p, 2, 1002);
	}
}

static void
section9(void)
{
	static const size_t sizes[] = { 65536, 262144, 1048576, 4194304, 8388608, WS_MAX_PAYLOAD };
	static const size_t frags[] = { 64, 1024, 16384, 65536, 1048576, 4194304 };
	unsigned char *p = pattern(WS_MAX_PAYLOAD);
	size_t i, off, n = 4194304;
	int fd;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		fd = conn();
		ws_send_frame(fd, FIN | WS_TEXT, p, sizes[i], 0);
		check(expect_frame(fd, WS_TEXT, p, sizes[i]), "9.1 text of %zu bytes", sizes[i]);
		ws_send_frame(fd, FIN | WS_BINARY, p, sizes[i], 0);
		check(expect_frame(fd, WS_BINARY, p, sizes[i]), "9.2 binary of %zu bytes", sizes[i]);
		close(fd);
	}
	for (i = 0; i < sizeof frags / sizeof frags[0]; i++) {
		fd = conn();
		for (off = 0; off < n; off += frags[i])
			ws_send_frame(fd, (off + frags[i] >= n ? FIN : 0) | (off ? WS_CONT : WS_BINARY),
			    p + off, frags[i], 0);
		check(expect_frame(fd, WS_BINARY, p, n), "9.4 4 MiB in %zu-byte fragments", frags[i]);
		close(fd);
	}
	fd = conn();
	ws_send_frame(fd, FIN | WS_BINARY, p, 65536, 1300);
	check(expect_frame(fd, WS_BINARY, p, 65536), "10.1.1 64 KiB in 1300-byte writes");
	for (i = 0; i < 1000; i++)
		ws_send_frame(fd, FIN | WS_TEXT, p, 16, 0);
	for (i = 0; i < 1000 && expect_frame(fd, WS_TEXT, p, 16); i++)
		;
	check(i == 1000, "9.7 1000 small messages echoed in order (%zu)", i);
	close(fd);
	free(p);
}

/* the message limit: refused from the header, before any payload */
static void
limits(void)
{
	unsigned char h[14] = { FIN | WS_BINARY, 0x80 | 127, 0, 0, 0, 0, 0x01, 0, 0, 0x01, 1, 2, 3, 4 };
	unsigned char *p = pattern(WS_MAX_PAYLOAD / 2 + 1);
	int fd;

	fd = conn();
	send_all(fd, h, sizeof h);              /* 16 MiB + 1, no payload follows */
	check(expect_close(fd, 1009), "message of 16 MiB + 1: 1009 from the header alone");
	close(fd);
	fd = conn();
	ws_send_frame(fd, WS_BINARY, p, WS_MAX_PAYLOAD / 2, 0);
	ws_send_frame(fd, FIN | WS_CONT, p, WS_MAX_PAYLOAD / 2 + 1, 0);
	check(expect_close(fd, 1009), "fragments adding up to 16 MiB + 1: 1009");
	close(fd);
	h[1] = 127;                             /* unmasked */
	h[6] = 0;
	h[9] = 1;
	fd = conn();
	send_all(fd, h, 11);
	check(expect_close(fd, 1002), "unmasked frame: 1002");
	close(fd);
	h[1] = 0x80 | 127;
	h[2] = 0x80;                            /* 64-bit length, top bit set */
	fd = conn();
	send_all(fd, h, sizeof h);
	check(expect_close(fd, 1002), "64-bit length with the top bit set: 1002");
	close(fd);
	free(p);
}

static void
handshakes(void)
{
	static const struct { const char *name, *req; int status; const char *has; } v[] = {
		{ "no Upgrade", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "Upgrade" },
		{ "GET / with Upgrade but not websocket", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: h2c\r\n\r\n",
		    400, "invalid WebSocket upgrade" },
		{ "Upgrade: h2c", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "Upgrade" },
		{ "no Connection: Upgrade", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "Connection" },
		{ "version 8", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", 426,
		  "\r\nSec-WebSocket-Version: 13\r\n" },
		{ "no version", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", 426, "\r\nSec-WebSocket-Version: 13\r\n" },
		{ "no key", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Version: 13\r\n\r\n", 400, "Sec-WebSocket-Key" },
		{ "key of 15 bytes", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "Sec-WebSocket-Key" },
		{ "key not Base64", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ!!\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "Sec-WebSocket-Key" },
		{ "two keys", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		  "Sec-WebSocket-Version: 13\r\n\r\n", 400, "Sec-WebSocket-Key" },
		{ "HTTP/1.0", "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "HTTP/1.1" },
		{ "no Host", "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, "" },
		{ "POST", "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 405, "Allow: GET" },
		{ "lists and case", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: foo, WebSocket\r\nConnection: keep-alive, UPGRADE\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
		  "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
		  "Sec-WebSocket-Protocol: chat\r\n\r\n", 101, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" },
	};
	char resp[4096];
	unsigned char f[32];
	size_t i, n;
	int st, fd;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (v[i].status == 101) {
			fd = tcp_connect(port);
			send_all(fd, v[i].req, strlen(v[i].req));
			n = (size_t)read_some(fd, resp, sizeof resp - 1, HANG_MS);
			resp[n < sizeof resp ? n : 0] = '\0';
			st = strncmp(resp, "HTTP/1.1 101 ", 13) == 0 ? 101 : -1;
			close(fd);
		} else
			st = http_get(port, v[i].req, resp, sizeof resp);
		check(st == v[i].status && strstr(resp, v[i].has), "handshake, %s: %d, want %d", v[i].name, st, v[i].status);
		if (st == 101)
			check(!strstr(resp, "Sec-WebSocket-Extensions") && !strstr(resp, "Sec-WebSocket-Protocol"),
			    "no extension and no subprotocol selected");
	}
	/* echo mode has no status page: the page speaks the protocol */
	st = http_get(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp);
	check(st == 404 && strstr(resp, "not found"), "echo mode: GET / is 404, no status page (%d)", st);
	st = http_get(port, "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp);
	check(st == 404 && strcmp(strstr(resp, "\r\n\r\n"), "\r\n\r\n") == 0, "echo mode: HEAD / is 404, no body");
	/* frames in the same write as the request head are kept */
	n = ws_frame(f, FIN | WS_TEXT, "early", 5);
	fd = ws_open_extra(port, (const char *)f, n);
	check(fd >= 0 && expect_frame(fd, WS_TEXT, "early", 5), "a frame sent with the head is echoed");
	close(fd);
}

/* a client that sends but does not read cannot stall the loop for others */
static void
slow_reader(void)
{
	unsigned char *p = pattern(4194304);
	char resp[512];
	int fd = conn(), i, st;
	pid_t writer;

	/*
	 * A child sends 4 x 4 MiB and we read nothing yet: the daemon queues
	 * the echoes, then stops reading this client, so the child blocks.
	 */
	fflush(NULL);
	if ((writer = fork()) == 0) {
		for (i = 0; i < 4; i++)
			ws_send_frame(fd, FIN | WS_BINARY, p, 4194304, 0);
		_exit(0);
	}
	st = http_get(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", resp, sizeof resp);
	check(st == 200, "another client is served while one does not read (%d)", st);
	for (i = 0; i < 4; i++)
		check(expect_frame(fd, WS_BINARY, p, 4194304), "the slow reader still gets echo %d whole", i);
	waitpid(writer, &st, 0);
	close(fd);
	free(p);
}

/* --max-payload: the limit is the option's */
static void
max_payload(void)
{
	struct gw g;
	const char *args[] = { "--echo", "--max-payload", "1000", NULL };
	unsigned char *p = pattern(1001);
	int fd;

	port = free_port();
	check(gw_start(&g, port, args), "echo gateway with --max-payload 1000");
	fd = conn();
	ws_send_frame(fd, FIN | WS_BINARY, p, 1000, 0);
	check(expect_frame(fd, WS_BINARY, p, 1000), "a message of exactly --max-payload is echoed");
	ws_send_frame(fd, FIN | WS_BINARY, p, 1001, 0);
	check(expect_close(fd, 1009), "one byte more: 1009");
	close(fd);
	free(p);
	check(gw_stop(&g) == 0, "stops");
}

/* the next frame that is not a ping; pings are answered, as an active client does */
static int
next_unpinged(int fd, unsigned char **p, size_t *n)
{
	int op;

	while ((op = ws_recv(fd, p, n)) == WS_PING) {
		ws_send_frame(fd, FIN | WS_PONG, *p, *n, 0);
		free(*p);
	}
	return op;
}

/* idle ping, and the drop of a silent peer, with a short --idle-ms */
static void
timers(void)
{
	struct gw g;
	const char *args[] = { "--echo", "--idle-ms", "200", NULL };
	unsigned char *p;
	size_t n;
	int fd, op;

	port = free_port();
	check(gw_start(&g, port, args), "echo gateway with --idle-ms 200");
	fd = conn();
	op = ws_recv(fd, &p, &n);
	free(p);
	check(op == WS_PING, "a silent client is pinged (%d)", op);
	op = ws_recv(fd, &p, &n);
	free(p);
	check(op == -1 && read_all(fd, (char *)&op, 1, HANG_MS) == 0, "and dropped if it stays silent");
	close(fd);
	/* a slow machine may ping it first: a ping is not a drop */
	fd = conn();
	ws_send_frame(fd, FIN | WS_TEXT, "x", 1, 0);
	op = next_unpinged(fd, &p, &n);
	check(op == WS_TEXT && n == 1 && p[0] == 'x', "an active client is echoed (%d)", op);
	free(p);
	ws_send_frame(fd, FIN | WS_CLOSE, "\x03\xe8", 2, 0);
	op = next_unpinged(fd, &p, &n);
	check(op == WS_CLOSE && n == 2 && memcmp(p, "\x03\xe8", 2) == 0 && read_all(fd, (char *)&op, 1, HANG_MS) == 0,
	    "and is not dropped: its close is answered (%d)", op);
	free(p);
	close(fd);
	/* our close unanswered: the connection is dropped after the close timeout */
	fd = conn();
	ws_send_frame(fd, FIN | 0x40 | WS_TEXT, "x", 1, 0);
	op = ws_recv(fd, &p, &n);
	free(p);
	check(op == WS_CLOSE && read_all(fd, (char *)&op, 1, HANG_MS) == 0, "unanswered close: dropped");
	close(fd);
	gw_stop(&g);
}

void
ws_tests(void)
{
	struct gw g;
	const char *args[] = { "--echo", NULL };

	port = free_port();
	if (!gw_start(&g, port, args)) {
		check(0, "echo gateway starts: %s", g.log);
		return;
	}
	handshakes();
	section1();
	section2();
	section3();
	section4();
	section5();
	section6();
	section7();
	section9();
	limits();
	slow_reader();
	check(gw_stop(&g) == 0, "echo gateway stops cleanly");
	timers();
	max_payload();
}
