/*
 * Who is on the other end of a loopback connection: the user owning the
 * peer's socket, as Linux lists it in /proc/net/tcp and /proc/net/tcp6.
 * conn.c uses it only to share its slots fairly between local users under
 * a flood. Where there is no such file (another system, no /proc), every
 * peer is PEER_UNKNOWN and all of them share one pool.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"

/* an address as the kernel writes it there: each 32-bit word as it lies in memory, in hex, then the port */
static int
proc_address(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	uint32_t w[4];

	if (ss->ss_family == AF_INET) {
		memcpy(w, &sin->sin_addr, 4);
		return snprintf(out, cap, "%08X:%04X", (unsigned)w[0], (unsigned)ntohs(sin->sin_port));
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(w, &sin6->sin6_addr, 16);
		return snprintf(out, cap, "%08X%08X%08X%08X:%04X", (unsigned)w[0], (unsigned)w[1],
		    (unsigned)w[2], (unsigned)w[3], (unsigned)ntohs(sin6->sin6_port));
	}
	return -1;
}

struct want {
	char local[48], remote[48];     /* the peer's socket as listed: its address, then ours */
	unsigned port;                  /* the peer's port, to find it by */
	long *uid;
};

static int
by_port(const void *a, const void *b)
{
	unsigned pa = ((const struct want *)a)->port, pb = ((const struct want *)b)->port;

	return pa < pb ? -1 : pa > pb;
}

/*
 * Set uids[i] to the user owning the other end of the accepted socket
 * fds[i], or PEER_UNKNOWN. One pass over each table serves them all: the
 * wanted sockets are sorted by port, and each line looks up its own.
 */
void
peer_uids(const int *fds, long *uids, int n)
{
	static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	struct sockaddr_storage peer, ours;
	struct want key, *w, *hit;
	socklen_t plen, olen;
	char line[256];
	long uid;
	size_t t;
	int i, k = 0;
	FILE *f;

	for (i = 0; i < n; i++)
		uids[i] = PEER_UNKNOWN;
	if (n <= 0 || (w = malloc((size_t)n * sizeof *w)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		plen = sizeof peer;
		olen = sizeof ours;
		if (getpeername(fds[i], (struct sockaddr *)&peer, &plen) < 0 ||
		    getsockname(fds[i], (struct sockaddr *)&ours, &olen) < 0 ||
		    proc_address(&peer, w[k].local, sizeof w[k].local) < 0 ||
		    proc_address(&ours, w[k].remote, sizeof w[k].remote) < 0)
			continue;
		w[k].port = ntohs(((struct sockaddr_in *)&peer)->sin_port);    /* where both families keep it */
		w[k++].uid = &uids[i];
	}
	qsort(w, (size_t)k, sizeof *w, by_port);
	for (t = 0; t < 2; t++) {
		if ((f = fopen(tables[t], "r")) == NULL)
			continue;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "%*d: %47s %47s %*x %*x:%*x %*x:%*x %*x %ld", key.local, key.remote, &uid) == 3 &&
			    strchr(key.local, ':') && sscanf(strchr(key.local, ':') + 1, "%x", &key.port) == 1 &&
			    (hit = bsearch(&key, w, (size_t)k, sizeof *w, by_port)) != NULL) {
				while (hit > w && hit[-1].port == key.port)
					hit--;          /* the first of this port: several may share it */
				for (; hit < w + k && hit->port == key.port; hit++)
					if (strcmp(hit->local, key.local) == 0 && strcmp(hit->remote, key.remote) == 0)
						*hit->uid = uid;
			}
		fclose(f);
	}
	free(w);
}
