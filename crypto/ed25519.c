/*
 * Ed25519 signature verification (RFC 8032 5.1.7) by OpenSSL's rules, which
 * the real gateway follows (it verifies through Node's crypto): S below L;
 * the key decoded as OpenSSL decodes it (y taken mod p; x = 0 with the sign
 * bit set passes); R exactly the encoding of [S]B - [k]A. Nothing here is
 * secret, so nothing needs constant time. Field elements mod 2^255 - 19 are
 * ten signed limbs of 26 and 25 bits in turn (radix 2^25.5, as in ref10):
 * products of limbs and their sums fit in 64 bits with room for a few
 * additions, so additions never carry. Points are extended coordinates
  * (X:Y:Z:T) on -x^2 + y^2 = 1 + d x^2 y^2. A verification is one
 * double-scalar multiplication, k over A's 8 odd multiples in width-5 NAF
 * and S over B's 64 in width 8 (made once, affine): about 253 doublings
 * and 70 additions (a width-w NAF has one digit in w + 1, on average).
 * ed25519_public derives a public key from a seed (for the gateway's own
 * identity, whose seed is then forgotten): the daemon never signs.
 */
#include <stdint.h>
#include <string.h>

#include "sha2.h"
#include "ed25519.h"

typedef int64_t fe[10];

struct ge {                     /* a point: x = X/Z, y = Y/Z, xy = T/Z */
	fe X, Y, Z, T;
};

struct cached {                 /* a point ready to be added: Y+X, Y-X, Z, 2dT */
	fe ypx, ymx, z, t2d;
};

struct niels {                  /* an affine point (Z = 1) ready to be added: y+x, y-x, 2dxy */
	fe ypx, ymx, xy2d;
};

static const fe zero, one = { 1 };
static const fe curve_d = { 56195235, 13857412, 51736253, 6949390, 114729, 24766616, 60832955, 30306712,
	48412415, 21499315 };
static const fe sqrtm1 = { 34513072, 25610706, 9377949, 3500415, 12389472, 33281959, 41962654,
	31548777, 326685, 11406482 };
static const struct ge base = {         /* B, the generator: y = 4/5, x even */
	{ 52811034, 25909283, 16144682, 17082669, 27570973, 30858332, 40966398, 8378388, 20764389, 8758491 },
	{ 40265304, 26843545, 13421772, 20132659, 26843545, 6710886, 53687091, 13421772, 40265318, 26843545 },
	{ 1 },
	{ 28827043, 27438313, 39759291, 244362, 8635006, 11264893, 19351346, 13413597, 16611511, 27139452 },
};
/* L = 2^252 + 27742317777372353535851937790883648493, the group order, little-endian */
static const int64_t order[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
	0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };

#define WIDTH(i) (26 - ((i) & 1))       /* bits in limb i */

/*
 * Carry t into h, each limb to within half its width (rounded, so limbs
 * stay small on both sides of 0), in two chains side by side; the carry out
 * of the top wraps around times 19, as 2^255 = 19 mod p. Right shifts of
 * negative numbers are arithmetic on every compiler this builds with.
 */
#define CARRY(i) (cy = (t[i] + ((int64_t)1 << (WIDTH(i) - 1))) >> WIDTH(i), \
	t[i] -= cy * ((int64_t)1 << WIDTH(i)), t[((i) + 1) % 10] += (i) == 9 ? 19 * cy : cy)

/*
 * Carry t into h, as CARRY says, limb by limb: a macro, so that t stays in
 * the registers the products left it in. (A function the compiler would
 * not inline cost a fifth of a verification; one wide copy of limbs just
 * stored one by one, stalled on store forwarding, a third.)
 */
#define FE_CARRY(h, t) do { \
	int64_t cy; \
	CARRY(0), CARRY(4), CARRY(1), CARRY(5); \
	CARRY(2), CARRY(6), CARRY(3), CARRY(7); \
	CARRY(4), CARRY(8), CARRY(9), CARRY(0); \
	h[0] = t[0], h[1] = t[1], h[2] = t[2], h[3] = t[3], h[4] = t[4]; \
	h[5] = t[5], h[6] = t[6], h[7] = t[7], h[8] = t[8], h[9] = t[9]; \
} while (0)

static void
fe_add(fe h, const fe f, const fe g)
{
	int i;

	for (i = 0; i < 10; i++)
		h[i] = f[i] + g[i];
}

static void
fe_sub(fe h, const fe f, const fe g)
{
	int i;

	for (i = 0; i < 10; i++)
		h[i] = f[i] - g[i];
}

/*
 * h = f g. Limb i weighs 2^ceil(25.5 i), so a product of two odd limbs
 * counts twice, and a product that lands at limb 10 or above wraps around
 * times 19. h may be f or g.
 */
static void
fe_mul(fe h, const fe f, const fe g)
{
	/* G: g times 19; F: the odd limbs of f, doubled; written out, so that they stay in registers */
	const int64_t G[10] = { 19 * g[0], 19 * g[1], 19 * g[2], 19 * g[3], 19 * g[4], 19 * g[5], 19 * g[6],
		19 * g[7], 19 * g[8], 19 * g[9] };
	const int64_t F[10] = { 0, 2 * f[1], 0, 2 * f[3], 0, 2 * f[5], 0, 2 * f[7], 0, 2 * f[9] };
	int64_t t[10];
	t[0] = f[0]*g[0] + F[1]*G[9] + f[2]*G[8] + F[3]*G[7] + f[4]*G[6] + F[5]*G[5] + f[6]*G[4] + F[7]*G[3] + f[8]*G[2] + F[9]*G[1];
	t[1] = f[0]*g[1] + f[1]*g[0] + f[2]*G[9] + f[3]*G[8] + f[4]*G[7] + f[5]*G[6] + f[6]*G[5] + f[7]*G[4] + f[8]*G[3] + f[9]*G[2];
	t[2] = f[0]*g[2] + F[1]*g[1] + f[2]*g[0] + F[3]*G[9] + f[4]*G[8] + F[5]*G[7] + f[6]*G[6] + F[7]*G[5] + f[8]*G[4] + F[9]*G[3];
	t[3] = f[0]*g[3] + f[1]*g[2] + f[2]*g[1] + f[3]*g[0] + f[4]*G[9] + f[5]*G[8] + f[6]*G[7] + f[7]*G[6] + f[8]*G[5] + f[9]*G[4];
	t[4] = f[0]*g[4] + F[1]*g[3] + f[2]*g[2] + F[3]*g[1] + f[4]*g[0] + F[5]*G[9] + f[6]*G[8] + F[7]*G[7] + f[8]*G[6] + F[9]*G[5];
	t[5] = f[0]*g[5] + f[1]*g[4] + f[2]*g[3] + f[3]*g[2] + f[4]*g[1] + f[5]*g[0] + f[6]*G[9] + f[7]*G[8] + f[8]*G[7] + f[9]*G[6];
	t[6] = f[0]*g[6] + F[1]*g[5] + f[2]*g[4] + F[3]*g[3] + f[4]*g[2] + F[5]*g[1] + f[6]*g[0] + F[7]*G[9] + f[8]*G[8] + F[9]*G[7];
	t[7] = f[0]*g[7] + f[1]*g[6] + f[2]*g[5] + f[3]*g[4] + f[4]*g[3] + f[5]*g[2] + f[6]*g[1] + f[7]*g[0] + f[8]*G[9] + f[9]*G[8];
	t[8] = f[0]*g[8] + F[1]*g[7] + f[2]*g[6] + F[3]*g[5] + f[4]*g[4] + F[5]*g[3] + f[6]*g[2] + F[7]*g[1] + f[8]*g[0] + F[9]*G[9];
	t[9] = f[0]*g[9] + f[1]*g[8] + f[2]*g[7] + f[3]*g[6] + f[4]*g[5] + f[5]*g[4] + f[6]*g[3] + f[7]*g[2] + f[8]*g[1] + f[9]*g[0];
	FE_CARRY(h, t);
}

/* h = f^2: fe_mul's table with each pair of limbs taken once, twice over */
static void
fe_sq(fe h, const fe f)
{
	/* d, q and G: f times 2, 4 and 19, written out, so that they stay in registers */
	const int64_t d[10] = { 2 * f[0], 2 * f[1], 2 * f[2], 2 * f[3], 2 * f[4], 2 * f[5], 2 * f[6], 2 * f[7],
		2 * f[8], 2 * f[9] };
	const int64_t q[10] = { 0, 4 * f[1], 0, 4 * f[3], 0, 4 * f[5], 0, 4 * f[7], 0, 0 };
	const int64_t G[10] = { 0, 0, 0, 0, 0, 19 * f[5], 19 * f[6], 19 * f[7], 19 * f[8], 19 * f[9] };
	int64_t t[10];
	t[0] = f[0]*f[0] + q[1]*G[9] + d[2]*G[8] + q[3]*G[7] + d[4]*G[6] + d[5]*G[5];
	t[1] = d[0]*f[1] + d[2]*G[9] + d[3]*G[8] + d[4]*G[7] + d[5]*G[6];
	t[2] = d[0]*f[2] + d[1]*f[1] + q[3]*G[9] + d[4]*G[8] + q[5]*G[7] + f[6]*G[6];
	t[3] = d[0]*f[3] + d[1]*f[2] + d[4]*G[9] + d[5]*G[8] + d[6]*G[7];
	t[4] = d[0]*f[4] + q[1]*f[3] + f[2]*f[2] + q[5]*G[9] + d[6]*G[8] + d[7]*G[7];
	t[5] = d[0]*f[5] + d[1]*f[4] + d[2]*f[3] + d[6]*G[9] + d[7]*G[8];
	t[6] = d[0]*f[6] + q[1]*f[5] + d[2]*f[4] + d[3]*f[3] + q[7]*G[9] + f[8]*G[8];
	t[7] = d[0]*f[7] + d[1]*f[6] + d[2]*f[5] + d[3]*f[4] + d[8]*G[9];
	t[8] = d[0]*f[8] + q[1]*f[7] + d[2]*f[6] + q[3]*f[5] + f[4]*f[4] + d[9]*G[9];
	t[9] = d[0]*f[9] + d[1]*f[8] + d[2]*f[7] + d[3]*f[6] + d[4]*f[5];
	FE_CARRY(h, t);
}

/* h = f^(2^n), n >= 1 */
static void
fe_sqn(fe h, const fe f, int n)
{
	fe_sq(h, f);
	while (--n > 0)
		fe_sq(h, h);
}

/* the 255 bits of s, the top bit ignored: a value up to 2^255 - 1, not reduced */
static void
fe_frombytes(fe h, const unsigned char s[32])
{
	int i, k, at;

	for (i = 0, at = 0; i < 10; at += WIDTH(i), i++)
		for (h[i] = 0, k = 0; k < WIDTH(i); k++)
			h[i] |= (int64_t)(s[(at + k) / 8] >> (at + k) % 8 & 1) << k;
}

/* the canonical encoding: the value mod p, below p, little-endian */
static void
fe_tobytes(unsigned char s[32], const fe f)
{
	int64_t t[10], q, c;
	int i, k, at;

	memcpy(t, f, sizeof t);
	FE_CARRY(t, t);
	/* q = floor(f / p), -1, 0 or 1: subtract q p by adding 19 q and dropping 2^255 q */
	q = (19 * t[9] + ((int64_t)1 << 24)) >> 25;
	for (i = 0; i < 10; i++)
		q = (t[i] + q) >> WIDTH(i);
	t[0] += 19 * q;
	for (i = 0; i < 9; i++) {
		c = t[i] >> WIDTH(i);
		t[i + 1] += c;
		t[i] -= c * ((int64_t)1 << WIDTH(i));
	}
	t[9] &= ((int64_t)1 << 25) - 1;
	memset(s, 0, 32);
	for (i = 0, at = 0; i < 10; at += WIDTH(i), i++)
		for (k = 0; k < WIDTH(i); k++)
			s[(at + k) / 8] |= (unsigned char)((t[i] >> k & 1) << (at + k) % 8);
}

/*
 * z^(2^252 - 3) = z^((p - 5) / 8), for the square root, or with invert
 * z^(2^255 - 21) = z^(p - 2) = 1/z: both by way of z^(2^250 - 1).
 */
static void
fe_pow(fe out, const fe z, int invert)
{
	fe z2, z9, z11, t, a, b;

	fe_sq(z2, z);
	fe_sqn(t, z2, 2);
	fe_mul(z9, t, z);
	fe_mul(z11, z9, z2);
	fe_sq(t, z11);
	fe_mul(a, t, z9);               /* 2^5 - 1 */
	fe_sqn(t, a, 5);
	fe_mul(a, t, a);                /* 2^10 - 1 */
	fe_sqn(t, a, 10);
	fe_mul(b, t, a);                /* 2^20 - 1 */
	fe_sqn(t, b, 20);
	fe_mul(t, t, b);                /* 2^40 - 1 */
	fe_sqn(t, t, 10);
	fe_mul(a, t, a);                /* 2^50 - 1 */
	fe_sqn(t, a, 50);
	fe_mul(b, t, a);                /* 2^100 - 1 */
	fe_sqn(t, b, 100);
	fe_mul(t, t, b);                /* 2^200 - 1 */
	fe_sqn(t, t, 50);
	fe_mul(t, t, a);                /* 2^250 - 1 */
	fe_sqn(t, t, invert ? 5 : 2);
	fe_mul(out, t, invert ? z11 : z);
}

/* the last step of every formula below: (X, Y, T, Z) = (EF, GH, EH, FG); T only if an addition follows */
static void
ge_finish(struct ge *r, const fe e, const fe f, const fe g, const fe h, int with_t)
{
	fe_mul(r->X, e, f);
	fe_mul(r->Y, g, h);
	if (with_t)
		fe_mul(r->T, e, h);
	fe_mul(r->Z, f, g);
}

/*
 * r = 2p (dbl-2008-hwcd with a = -1, every term negated, which the products
 * cancel). T only if an addition follows: a doubling does not read it.
 */
static void
ge_double(struct ge *r, const struct ge *p, int with_t)
{
	fe a, b, c, e, f, g, h;

	fe_sq(a, p->X);
	fe_sq(b, p->Y);
	fe_sq(c, p->Z);
	fe_add(c, c, c);
	fe_add(h, a, b);
	fe_add(e, p->X, p->Y);
	fe_sq(e, e);
	fe_sub(e, h, e);
	fe_sub(g, a, b);
	fe_add(f, c, g);
	ge_finish(r, e, f, g, h, with_t);
}

/* r = p + q, or p - q if negate: -(x, y) = (-x, y) swaps Y+X and Y-X and negates T (add-2008-hwcd-3) */
static void
ge_add(struct ge *r, const struct ge *p, const struct cached *q, int negate, int with_t)
{
	fe a, b, c, dd, e, f, g, h;

	fe_sub(e, p->Y, p->X);
	fe_mul(a, e, negate ? q->ypx : q->ymx);
	fe_add(e, p->Y, p->X);
	fe_mul(b, e, negate ? q->ymx : q->ypx);
	fe_mul(c, p->T, q->t2d);
	if (negate)
		fe_sub(c, zero, c);
	fe_mul(dd, p->Z, q->z);
	fe_add(dd, dd, dd);
	fe_sub(e, b, a);
	fe_sub(f, dd, c);
	fe_add(g, dd, c);
	fe_add(h, b, a);
	ge_finish(r, e, f, g, h, with_t);
}

/* r = p + q (or p - q) for an affine q: a product fewer, since q's Z is 1 (madd-2008-hwcd-3) */
static void
ge_madd(struct ge *r, const struct ge *p, const struct niels *q, int negate, int with_t)
{
	fe a, b, c, dd, e, f, g, h;

	fe_sub(e, p->Y, p->X);
	fe_mul(a, e, negate ? q->ypx : q->ymx);
	fe_add(e, p->Y, p->X);
	fe_mul(b, e, negate ? q->ymx : q->ypx);
	fe_mul(c, p->T, q->xy2d);
	if (negate)
		fe_sub(c, zero, c);
	fe_add(dd, p->Z, p->Z);
	fe_sub(e, b, a);
	fe_sub(f, dd, c);
	fe_add(g, dd, c);
	fe_add(h, b, a);
	ge_finish(r, e, f, g, h, with_t);
}

static void
ge_cache(struct cached *c, const struct ge *p)
{
	fe_add(c->ypx, p->Y, p->X);
	fe_sub(c->ymx, p->Y, p->X);
	memcpy(c->z, p->Z, sizeof(fe));
	fe_mul(c->t2d, p->T, curve_d);
	fe_add(c->t2d, c->t2d, c->t2d);
}

/* the point y encodes, x from the sign bit: x^2 = (y^2 - 1) / (d y^2 + 1); -1 if there is none */
static int
ge_frombytes(struct ge *h, const unsigned char s[32])
{
	unsigned char vxx[32], root[32];
	fe u, v, v3, x;

	fe_frombytes(h->Y, s);
	memcpy(h->Z, one, sizeof one);
	fe_sq(u, h->Y);
	fe_mul(v, u, curve_d);
	fe_sub(u, u, one);
	fe_add(v, v, one);
	fe_sq(v3, v);
	fe_mul(v3, v3, v);
	fe_sq(x, v3);
	fe_mul(x, x, v);
	fe_mul(x, x, u);
	fe_pow(x, x, 0);
	fe_mul(x, x, v3);
	fe_mul(x, x, u);                /* u v^3 (u v^7)^((p - 5) / 8): v x^2 is u or -u, or there is no root */
	fe_sq(v3, x);
	fe_mul(v3, v3, v);
	fe_tobytes(vxx, v3);
	fe_tobytes(root, u);
	if (memcmp(vxx, root, 32) != 0) {
		fe_sub(u, zero, u);
		fe_tobytes(root, u);
		if (memcmp(vxx, root, 32) != 0)
			return -1;
		fe_mul(x, x, sqrtm1);
	}
	fe_tobytes(root, x);
	if ((root[0] & 1) != s[31] >> 7)
		fe_sub(x, zero, x);
	memcpy(h->X, x, sizeof x);
	fe_mul(h->T, x, h->Y);
	return 0;
}

static void
ge_tobytes(unsigned char s[32], const struct ge *p)
{
	unsigned char sign[32];
	fe zi, x, y;

	fe_pow(zi, p->Z, 1);
	fe_mul(x, p->X, zi);
	fe_mul(y, p->Y, zi);
	fe_tobytes(s, y);
	fe_tobytes(sign, x);
	s[31] ^= (unsigned char)((sign[0] & 1) << 7);
}

/* s (64 bytes, little-endian) mod L, into r (32 bytes) */
static void
sc_reduce(unsigned char r[32], const unsigned char s[64])
{
	int64_t x[64], carry, q;
	int i, j;

	for (i = 0; i < 64; i++)
		x[i] = s[i];
	/* 2^(8i) = -16 (L - 2^252) 2^(8(i-32)) mod L: fold each top byte down, then carry up to i - 1 */
	for (i = 63; i >= 32; i--) {
		for (j = 0; j < 16; j++)
			x[i - 32 + j] -= 16 * x[i] * order[j];
		x[i] = 0;
		for (j = i - 32; j < i - 1; j++) {
			carry = (x[j] + 128) >> 8;
			x[j] -= carry * 256;
			x[j + 1] += carry;
		}
	}
	/* take floor(x / 2^252) L away, then one L back if that went below 0 */
	for (carry = 0, j = 0, q = x[31] >> 4; j < 32; j++) {
		x[j] += carry - q * order[j];
		carry = x[j] >> 8;
		x[j] &= 255;
	}
	for (j = 0; j < 32; j++)
		x[j] -= carry * order[j];
	for (j = 0; j < 32; j++) {
		x[j + 1] += x[j] >> 8;
		r[j] = (unsigned char)(x[j] & 255);
	}
}

/*
 * a in width-w NAF (w at most 8): 256 digits, each 0 or odd, below 2^(w-1)
 * in size, and w - 1 zeros after each nonzero one. From the bottom: at a
 * set bit, the next w bits are a digit (less 2^w if past 2^(w-1)), which is
 * taken away (if negative, 2^w is carried up), and the w - 1 bits after it
 * are zeros. a is in 64-bit words, so a digit costs a few operations.
 */
static void
naf(signed char r[256], const unsigned char a[32], int w)
{
	uint64_t k[5] = { 0, 0, 0, 0, 0 }, v;
	int i, j, d;

	for (i = 0; i < 32; i++)
		k[i / 8] |= (uint64_t)a[i] << 8 * (i % 8);
	memset(r, 0, 256);
	for (i = 0; i < 256; i++) {
		if (!(k[i / 64] >> i % 64 & 1))
			continue;
		v = k[i / 64] >> i % 64;        /* the w bits from i, which may straddle two words */
		if (i % 64 > 64 - w)
			v |= k[i / 64 + 1] << (64 - i % 64);
		d = (int)(v & (((uint64_t)1 << w) - 1));
		for (j = 0; j < w && i + j < 256; j++)  /* the window taken away: its bits cleared */
			k[(i + j) / 64] &= ~((uint64_t)1 << (i + j) % 64);
		if (d >= 1 << (w - 1)) {        /* negative: 2^w carried up */
			d -= 1 << w;
			for (j = i + w; j < 320 && (k[j / 64] >> j % 64 & 1); j++)
				k[j / 64] &= ~((uint64_t)1 << j % 64);
			if (j < 320)
				k[j / 64] |= (uint64_t)1 << j % 64;
		}
		r[i] = (signed char)d;
		i += w - 1;
	}
}

/* p, 3p, 5p ... 15p, ready to be added */
static void
odd_multiples(struct cached t[8], const struct ge *p)
{
	struct ge twice, sum = *p;
	struct cached c2;
	int i;

	ge_double(&twice, p, 1);
	ge_cache(&c2, &twice);
	ge_cache(&t[0], p);
	for (i = 1; i < 8; i++) {
		ge_add(&sum, &sum, &c2, 0, 1);
		ge_cache(&t[i], &sum);
	}
}

/*
 * B, 3B, 5B ... 127B, affine: B never changes, so its odd multiples are
 * made once, the first time they are needed (64 inversions, some 17,000
 * field operations), and every verification after adds from them in
 * width-8 NAF: fewer additions than width 5, each a product cheaper.
 */
#define BASE_WIDTH 8
static struct niels base_table[1 << (BASE_WIDTH - 2)];
static int base_made;

static void
base_multiples(void)
{
	struct ge twice, sum = base;
	struct cached c2;
	fe zi, x, y;
	int i;

	ge_double(&twice, &base, 1);
	ge_cache(&c2, &twice);
	for (i = 0; i < 1 << (BASE_WIDTH - 2); i++) {
		if (i > 0)
			ge_add(&sum, &sum, &c2, 0, 1);
		fe_pow(zi, sum.Z, 1);
		fe_mul(x, sum.X, zi);
		fe_mul(y, sum.Y, zi);
		fe_add(base_table[i].ypx, y, x);
		fe_sub(base_table[i].ymx, y, x);
		fe_mul(zi, x, y);
		fe_mul(zi, zi, curve_d);
		fe_add(base_table[i].xy2d, zi, zi);
	}
	base_made = 1;
}

/*
 * r = [a]A + [b]B, both at once (Straus), from the top digit down: a in
 * width-5 NAF over A's odd multiples, b in width-8 over B's. T is made only
 * where an addition follows: a doubling does not read it.
 */
static void
double_scalarmult(struct ge *r, const unsigned char a[32], const struct ge *A, const unsigned char b[32])
{
	signed char da[256], db[256];
	struct cached ta[8];
	int i;

	if (!base_made)
		base_multiples();
	naf(da, a, 5);
	naf(db, b, BASE_WIDTH);
	odd_multiples(ta, A);
	memset(r, 0, sizeof *r);
	r->Y[0] = r->Z[0] = 1;
	for (i = 255; i >= 0; i--) {
		ge_double(r, r, da[i] || db[i]);
		if (da[i])
			ge_add(r, r, &ta[(da[i] < 0 ? -da[i] : da[i]) / 2], da[i] < 0, db[i] != 0);
		if (db[i])
			ge_madd(r, r, &base_table[(db[i] < 0 ? -db[i] : db[i]) / 2], db[i] < 0, 0);
	}
}

int
ed25519_verify(const unsigned char sig[64], const void *msg, size_t len, const unsigned char key[32])
{
	unsigned char h[SHA512_LEN] = { 0 }, k[32], check[32];
	const void *part[3] = { sig, key, msg };
	size_t size[3] = { 32, 32, 0 };
	struct ge A, R;

	memcpy(h, sig + 32, 32);
	sc_reduce(k, h);
	if (memcmp(k, sig + 32, 32) != 0 || ge_frombytes(&A, key) < 0)      /* S >= L, or no point */
		return 0;
	fe_sub(A.X, zero, A.X);         /* -A, so that one multiplication gives [S]B - [k]A */
	fe_sub(A.T, zero, A.T);
	size[2] = len;
	sha2(512, part, size, 3, h);
	sc_reduce(k, h);
	double_scalarmult(&R, k, &A, sig + 32);
	ge_tobytes(check, &R);
	return memcmp(check, sig, 32) == 0;
}

/* the secret scalar and prefix of a seed: SHA-512, the scalar clamped (RFC 8032 5.1.5) */
static void
expand(const unsigned char seed[32], unsigned char a[32], unsigned char prefix[32])
{
	unsigned char h[SHA512_LEN];
	const void *part[1] = { seed };
	size_t size[1] = { 32 };

	sha2(512, part, size, 1, h);
	memcpy(a, h, 32);
	memcpy(prefix, h + 32, 32);
	a[0] &= 248;
	a[31] = (unsigned char)((a[31] & 127) | 64);
}

/* [s]B, encoded */
static void
base_times(unsigned char out[32], const unsigned char s[32])
{
	static const unsigned char none[32];
	struct ge p;

	double_scalarmult(&p, none, &base, s);
	ge_tobytes(out, &p);
}

void
ed25519_public(const unsigned char seed[32], unsigned char pk[32])
{
	unsigned char a[32], prefix[32];

	expand(seed, a, prefix);
	base_times(pk, a);
	memset(a, 0, sizeof a);
	memset(prefix, 0, sizeof prefix);
}
