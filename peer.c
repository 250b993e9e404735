/*
 * Who is behind a local socket, as Linux shows it in /proc: the user owning
 * the other end of a loopback connection (/proc/net/tcp and tcp6), which
 * conn.c uses only to share its slots fairly between local users under a
 * flood; and the process holding a port, which lock.c names when the lock
 * is taken. Where there is no /proc (another system) nothing is known: every
 * peer is PEER_UNKNOWN, and no holder is named.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"

/*
 * An address as the kernel writes it there: each 32-bit word as it lies in
 * memory, in hex, then the port. "As it lies" depends on the kernel's byte
 * order, which is ours except under an emulator (qemu-user runs a
 * big-endian program on a little-endian kernel), so swap gives the other.
 */
static int
proc_address(const struct sockaddr_storage *ss, int swap, char *out, size_t cap)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	uint32_t w[4];
	int i, n;

	if (ss->ss_family == AF_INET)
		memcpy(w, &sin->sin_addr, n = 4);
	else if (ss->ss_family == AF_INET6)
		memcpy(w, &sin6->sin6_addr, n = 16);
	else
		return -1;
	for (i = 0; swap && i < n / 4; i++)
		w[i] = w[i] >> 24 | (w[i] >> 8 & 0xff00) | (w[i] << 8 & 0xff0000) | w[i] << 24;
	if (n == 4)
		return snprintf(out, cap, "%08X:%04X", (unsigned)w[0], (unsigned)ntohs(sin->sin_port));
	return snprintf(out, cap, "%08X%08X%08X%08X:%04X", (unsigned)w[0], (unsigned)w[1],
	    (unsigned)w[2], (unsigned)w[3], (unsigned)ntohs(sin6->sin6_port));
}

struct want {
	char local[2][48], remote[2][48];       /* the peer's socket as listed, in either byte order */
	unsigned port;                  /* the peer's port, to find it by */
	long *uid;
};

/* does the listed socket (in key's first slots) match w, written in this byte order? */
static int
same(const struct want *w, const struct want *key, int order)
{
	return strcmp(w->local[order], key->local[0]) == 0 && strcmp(w->remote[order], key->remote[0]) == 0;
}

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
		    proc_address(&peer, 0, w[k].local[0], sizeof w[k].local[0]) < 0 ||
		    proc_address(&ours, 0, w[k].remote[0], sizeof w[k].remote[0]) < 0 ||
		    proc_address(&peer, 1, w[k].local[1], sizeof w[k].local[1]) < 0 ||
		    proc_address(&ours, 1, w[k].remote[1], sizeof w[k].remote[1]) < 0)
			continue;
		w[k].port = ntohs(((struct sockaddr_in *)&peer)->sin_port);    /* where both families keep it */
		w[k++].uid = &uids[i];
	}
	qsort(w, (size_t)k, sizeof *w, by_port);
	for (t = 0; t < 2; t++) {
		if ((f = fopen(tables[t], "r")) == NULL)
			continue;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "%*d: %47s %47s %*x %*x:%*x %*x:%*x %*x %ld", key.local[0], key.remote[0],
			    &uid) == 3 && strchr(key.local[0], ':') &&
			    sscanf(strchr(key.local[0], ':') + 1, "%x", &key.port) == 1 &&
			    (hit = bsearch(&key, w, (size_t)k, sizeof *w, by_port)) != NULL) {
				while (hit > w && hit[-1].port == key.port)
					hit--;          /* the first of this port: several may share it */
				for (; hit < w + k && hit->port == key.port; hit++)
					if (same(hit, &key, 0) || same(hit, &key, 1))
						*hit->uid = uid;
			}
		fclose(f);
	}
	free(w);
}

/* the inode of a socket listening on port, from the tables; 0 if none is seen */
static unsigned long
listening_inode(int port)
{
	static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[256];
	unsigned long inode = 0;
	unsigned lport, state;
	size_t t;
	FILE *f;

	for (t = 0; t < 2 && inode == 0; t++) {
		if ((f = fopen(tables[t], "r")) == NULL)
			continue;
		while (inode == 0 && fgets(line, sizeof line, f))
			if (sscanf(line, "%*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %*d %*d %lu",
			    &lport, &state, &inode) != 3 || lport != (unsigned)port || state != 0x0a)
				inode = 0;      /* 0x0a: LISTEN */
		fclose(f);
	}
	return inode;
}

/*
 * Name the process holding a listener on port: its pid and command into
 * out, 0; -1 if it cannot be found (no /proc, or not ours to look at).
 */
int
port_holder(int port, char *out, size_t cap)
{
	char want[32], path[64], link[64], comm[64] = "?";
	unsigned long inode = listening_inode(port);
	struct dirent *p, *d;
	DIR *procs, *fds;
	ssize_t n;
	FILE *f;
	int found = 0;

	if (inode == 0 || (procs = opendir("/proc")) == NULL)
		return -1;
	snprintf(want, sizeof want, "socket:[%lu]", inode);
	while (!found && (p = readdir(procs)) != NULL) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;               /* not a process */
		snprintf(path, sizeof path, "/proc/%.16s/fd", p->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while (!found && (d = readdir(fds)) != NULL) {
			snprintf(path, sizeof path, "/proc/%.16s/fd/%.16s", p->d_name, d->d_name);
			if ((n = readlink(path, link, sizeof link - 1)) > 0) {
				link[n] = '\0';
				found = strcmp(link, want) == 0;
			}
		}
		closedir(fds);
		if (found) {
			snprintf(path, sizeof path, "/proc/%.16s/comm", p->d_name);
			if ((f = fopen(path, "r")) != NULL) {
				if (fgets(comm, sizeof comm, f))
					comm[strcspn(comm, "\n")] = '\0';
				fclose(f);
			}
			snprintf(out, cap, "pid %s (%s)", p->d_name, comm);
		}
	}
	closedir(procs);
	return found ? 0 : -1;
}
