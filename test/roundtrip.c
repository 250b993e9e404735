/*
 * What the daemon writes in its state file, it reads back. Random device
 * records (every field; strings of every length up to each limit, of
 * control characters, quotes, backslashes, DEL and every UTF-8 length;
 * keys, roles, scopes, tokens, node surfaces) are saved, loaded and saved
 * again: the two files must be byte for byte the same, and the second load
 * must take the first's output without setting anything aside.
 *
 * ./test/roundtrip CASES SEED runs CASES cases from a fixed seed (make
 * test); built with -DFUZZING it is the libFuzzer target fuzz/state, whose
 * input is the bytes the records are drawn from (make fuzz). It links the
 * daemon's objects, but for main.
 */
#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "openclaw/json.h"
#include "openclaw/rpc.h"
#include "openclaw/state.h"
#include "openclaw/statefile.h"

struct options opt;                     /* gateway.c's, which is not linked */

/* the bytes records are drawn from; zeros once they run out */
static const unsigned char *src;
static size_t srclen, at;

static unsigned
byte(void)
{
	return at < srclen ? src[at++] : 0;
}

static unsigned
below(unsigned n)                       /* 0 to n - 1 */
{
	unsigned v = byte() << 8 | byte();

	return n ? v % n : 0;
}

/* one code point as UTF-8 into out (room for 4); its length */
static size_t
utf8(char *out)
{
	static const char special[] = "\"\\/\b\f\n\r\t\x7f";
	unsigned cp;

	switch (below(6)) {
	case 0: cp = 1 + below(31); break;                      /* a control character */
	case 1: cp = (unsigned char)special[below(sizeof special - 1)]; break;
	case 2: cp = 0x20 + below(0x5f); break;                 /* printable ASCII */
	case 3: cp = 0x80 + below(0x780); break;                /* two bytes */
	case 4: cp = 0x800 + below(0xf800); break;              /* three bytes, but surrogates */
	default: cp = 0x10000 + (below(0x100) << 12 | below(0x1000)); break;  /* four bytes */
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd;
	if (cp < 0x80)
		return out[0] = (char)cp, 1;
	if (cp < 0x800)
		return out[0] = (char)(0xc0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3f)), 2;
	if (cp < 0x10000)
		return out[0] = (char)(0xe0 | cp >> 12), out[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
		    out[2] = (char)(0x80 | (cp & 0x3f)), 3;
	return out[0] = (char)(0xf0 | cp >> 18), out[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
	    out[2] = (char)(0x80 | (cp >> 6 & 0x3f)), out[3] = (char)(0x80 | (cp & 0x3f)), 4;
}

/* a string of at most max bytes (often exactly max: the limit is where bugs live) */
static void
text(char *out, size_t max)
{
	size_t want = below(3) == 0 ? max : below((unsigned)max + 1), n = 0, k;
	char c[4];

	while (n < want) {
		k = utf8(c);
		if (n + k > want)
			break;
		memcpy(out + n, c, k);
		n += k;
	}
	out[n] = '\0';
}

/* a JSON array of names as the broker writes a node's caps or commands; at most max, within cap bytes */
static void
names(char *out, size_t cap, unsigned max)
{
	char one[NODE_NAME_MAX];
	struct jw w = jw_init(out, cap);
	unsigned n = below(max + 1), k;
	size_t before;

	JW_LIT(&w, "[");
	for (k = 0; k < n; k++) {
		text(one, below(3) ? 12 : NODE_NAME_MAX - 1);
		before = w.len;
		if (k)
			JW_LIT(&w, ",");
		jw_str(&w, one);
		if (w.overflow || w.len + 2 > cap) {
			w.len = before;
			w.overflow = 0;
			break;
		}
	}
	JW_LIT(&w, "]");
	out[w.len] = '\0';
}

static long long
when(void)
{
	long long v = 0;
	int k;

	for (k = 0; k < 7; k++)
		v = v << 8 | byte();
	return v & ((1LL << 50) - 1);
}

/* one random device into the table; 0 if it is full or the id is taken */
static int
device(void)
{
	static char caps[NODE_DECL_MAX / 4], commands[NODE_DECL_MAX / 2];
	unsigned char key[32], h[SHA256_LEN];
	char id[2 * SHA256_LEN + 1];
	struct paired *d;
	int k;

	for (k = 0; k < 32; k++)
		key[k] = (unsigned char)byte();
	key[0] ^= (unsigned char)at;            /* no two alike once the input runs out */
	key[1] ^= (unsigned char)(at >> 8);
	sha256(key, sizeof key, h);
	for (k = 0; k < SHA256_LEN; k++)
		snprintf(id + 2 * k, 3, "%02x", h[k]);
	if (state_find(id) || (d = state_add(id, key, when())) == NULL)
		return 0;
	d->approved_at = when();
	for (k = 0; k < D_FIELDS; k++)
		text(d->field[k], CLIENT_FIELD_MAX - 1);
	d->roles = 1 + below(3);
	d->scopes = below(1u << 10);
	for (k = 0; k < 2; k++)
		if (below(2)) {
			struct device_token *t = &d->token[k];
			size_t i;
			t->set = 1;
			for (i = 0; i < sizeof t->hash; i++)
				t->hash[i] = (unsigned char)byte();
			t->scopes = below(1u << 10);
			t->created_at = when();
			t->used_at = below(2) ? 1 + when() : 0;
		}
	if (below(2)) {
		names(caps, sizeof caps, NODE_CAPS_MAX);
		names(commands, sizeof commands, NODE_COMMANDS_MAX);
		if ((d->approved = surface_new(caps, commands, when())) != NULL) {
			d->approved->approved_at = when();
			text(d->approved->name, CLIENT_FIELD_MAX - 1);
			text(d->approved->version, CLIENT_FIELD_MAX - 1);
		}
	}
	return 1;
}

/* the file's bytes into buf; its length, or -1 */
static long
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (long)n;
}

/*
 * One case from bytes: save, load, save, load. NULL if the property holds,
 * else what broke. path is the state file, in a directory of its own.
 */
static const char *
roundtrip(const unsigned char *p, size_t n, const char *path)
{
	static char first[STATE_FILE_MAX], second[STATE_FILE_MAX];
	char why[PATH_MAX + 80];
	long a, b;
	int want = 0, k, devices;

	src = p, srclen = n, at = 0;
	unlink(path);
	state_load(path);                       /* no file: an empty table */
	devices = byte() == 255 ? DEVICES_MAX : 1 + (int)below(4);
	for (k = 0; k < devices; k++)
		want += device();
	if (state_save(why, sizeof why) < 0)
		return "the first save failed";
	if ((a = slurp(path, first, sizeof first)) < 0)
		return "the first file cannot be read";
	state_load(path);
	if (state_count() != want || access(path, F_OK) < 0)
		return "the first file was not taken back whole";
	if (state_save(why, sizeof why) < 0 || (b = slurp(path, second, sizeof second)) < 0)
		return "the second save failed";
	if (a != b || memcmp(first, second, (size_t)a) != 0)
		return "the second file is not the first, byte for byte";
	state_load(path);
	if (state_count() != want || access(path, F_OK) < 0)
		return "the second file was not taken back whole";
	return NULL;
}

/* a directory for the state file: in memory where there is /dev/shm, so fsync costs nothing */
static const char *
scratch(void)
{
	static char dir[64], path[96];

	snprintf(dir, sizeof dir, access("/dev/shm", W_OK) == 0 ? "/dev/shm/gateway-rt-XXXXXX" : "/tmp/gateway-rt-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(path, sizeof path, "%s/state", dir);
	return path;
}

#ifdef FUZZING
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *path;
	const char *broke;

	if (path == NULL) {
		rpc_init();
		if ((path = scratch()) == NULL)
			abort();
	}
	if ((broke = roundtrip(data, size, path)) != NULL) {
		fprintf(stderr, "roundtrip: %s\n", broke);
		abort();
	}
	return 0;
}
#else
int
main(int argc, char *argv[])
{
	static unsigned char input[8192];
	const long cases = argc > 1 ? atol(argv[1]) : 1000;
	unsigned long long x = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	const char *path = scratch(), *broke;
	char dir[96];
	long c, failed = 0, devices = 0;
	size_t i;

	if (path == NULL) {
		puts("roundtrip: no scratch directory");
		return 1;
	}
	rpc_init();
	for (c = 0; c < cases; c++) {
		for (i = 0; i < sizeof input; i++) {      /* xorshift64: the same cases on every machine */
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			input[i] = (unsigned char)(x >> 24);
		}
		if ((broke = roundtrip(input, sizeof input, path)) != NULL && failed++ < 10)
			printf("FAIL: roundtrip case %ld: %s\n", c, broke);
		devices += state_count();
	}
	printf("roundtrip: %ld cases, %ld devices, %ld failed\n", cases, devices, failed);
	unlink(path);
	snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(path, '/') - path), path);
	rmdir(dir);
	return failed != 0;
}
#endif
