/*
 * Who is behind a local socket: the user owning the other end of a loopback
 * connection, learned once at accept, which the pools use to share their
 * slots fairly between local users under a flood; and the process holding
 * a port, which lock.c names when the lock is taken.
 *
 * On Linux a peer's user costs one exact sock_diag lookup (a netlink request
 * naming the peer's socket by its addresses, answered with its owner), so a
 * flood of connections costs almost nothing to tell apart. Where netlink is
 * refused (an emulator, a sandbox), one pass over /proc/net/tcp and tcp6
 * serves every socket accepted in a loop turn. Where neither exists (another
 * system), every peer is PEER_UNKNOWN, and no holder is named.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "peer.h"

#ifdef __linux__
/*
 * The kernel's sock_diag ABI (linux/netlink.h, sock_diag.h, inet_diag.h),
 * stable since Linux 3.3. It is spelled out here because not every libc
 * ships the kernel's headers (musl does not).
 */
#define NETLINK_SOCK_DIAG    4
#define SOCK_DIAG_BY_FAMILY  20
#define NL_REQUEST           1          /* NLM_F_REQUEST, without NLM_F_DUMP: one socket, looked up exactly */
struct nl_header { uint32_t len; uint16_t type, flags; uint32_t seq, pid; };
struct diag_sockid {
	uint16_t sport, dport;          /* network byte order, as the addresses */
	uint32_t src[4], dst[4];
	uint32_t ifindex, cookie[2];
};
struct diag_req { uint8_t family, protocol, ext, pad; uint32_t states; struct diag_sockid id; };
struct diag_msg {
	uint8_t family, state, timer, retrans;
	struct diag_sockid id;
	uint32_t expires, rqueue, wqueue, uid, inode;
};
#endif

static int diag_fd = -1;                /* the sock_diag socket, -1 where there is none */

/*
 * Open the sock_diag socket where the system has one: before any client,
 * so nothing waits on it. 1 if peers' users can be told here, else 0.
 */
int
peer_init(void)
{
#ifdef __linux__
	diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
#endif
	return diag_fd >= 0 || access("/proc/net/tcp", R_OK) == 0;
}

/* may this peer's user do without the token? the daemon's own, or root: both could read it anyway */
int
peer_trusted(long uid)
{
	return uid != PEER_UNKNOWN && (uid == (long)getuid() || uid == 0);
}

#ifdef __linux__
/*
 * The owner of the peer's socket of the accepted fd: one request and its
 * answer, which the kernel has queued before sendto returns. -1 if it
 * cannot be told (netlink refused, or the peer is gone already).
 */
static int
diag_uid(int fd, long *uid)
{
	static uint32_t seq;
	struct { struct nl_header h; struct diag_req r; } req;
	struct { struct nl_header h; struct diag_msg m; char rest[256]; } ans;
	struct sockaddr_storage peer, ours;
	socklen_t plen = sizeof peer, olen = sizeof ours;
	ssize_t n;

	if (diag_fd < 0 || getpeername(fd, (struct sockaddr *)&peer, &plen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ours, &olen) < 0 ||
	    (peer.ss_family != AF_INET && peer.ss_family != AF_INET6))
		return -1;
	memset(&req, 0, sizeof req);
	req.h.len = sizeof req;
	req.h.type = SOCK_DIAG_BY_FAMILY;
	req.h.flags = NL_REQUEST;
	req.h.seq = ++seq;
	req.r.family = (uint8_t)peer.ss_family;
	req.r.protocol = IPPROTO_TCP;
	req.r.states = ~0u;
	req.r.id.cookie[0] = req.r.id.cookie[1] = ~0u;  /* none: find it by its addresses */
	/* the peer's socket is ours seen from the other side: its source is our peer */
	if (peer.ss_family == AF_INET) {
		req.r.id.sport = ((struct sockaddr_in *)&peer)->sin_port;
		req.r.id.dport = ((struct sockaddr_in *)&ours)->sin_port;
		memcpy(req.r.id.src, &((struct sockaddr_in *)&peer)->sin_addr, 4);
		memcpy(req.r.id.dst, &((struct sockaddr_in *)&ours)->sin_addr, 4);
	} else {
		req.r.id.sport = ((struct sockaddr_in6 *)&peer)->sin6_port;
		req.r.id.dport = ((struct sockaddr_in6 *)&ours)->sin6_port;
		memcpy(req.r.id.src, &((struct sockaddr_in6 *)&peer)->sin6_addr, 16);
		memcpy(req.r.id.dst, &((struct sockaddr_in6 *)&ours)->sin6_addr, 16);
	}
	if (send(diag_fd, &req, sizeof req, 0) != (ssize_t)sizeof req)
		return -1;
	/* the answer is queued already; anything else there (an older answer) is read past */
	while ((n = recv(diag_fd, &ans, sizeof ans, MSG_DONTWAIT)) >= (ssize_t)sizeof ans.h) {
		if (ans.h.seq != seq)
			continue;
		if (ans.h.type != SOCK_DIAG_BY_FAMILY || n < (ssize_t)(sizeof ans.h + sizeof ans.m) ||
		    ans.m.id.sport != req.r.id.sport || ans.m.id.dport != req.r.id.dport)
			return -1;              /* an error (the peer is gone), or not the socket asked for */
		*uid = (long)ans.m.uid;
		return 0;
	}
	return -1;
}
#endif

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
 * Where there is no sock_diag: one pass over each /proc table serves all
 * the sockets fds[0..n), for those uids[i] not known yet. The wanted
 * sockets are sorted by port, and each line looks up its own.
 */
static void
proc_uids(const int *fds, long *uids, int n)
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

	if (n <= 0 || (w = malloc((size_t)n * sizeof *w)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (uids[i] != PEER_UNKNOWN)
			continue;
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

/*
 * Set uids[i] to the user owning the other end of the accepted socket
 * fds[i], or PEER_UNKNOWN: by sock_diag each, and what it cannot tell by
 * one pass over /proc for them all.
 */
void
peer_uids(const int *fds, long *uids, int n)
{
	int i, rest = 0;

	for (i = 0; i < n; i++) {
		uids[i] = PEER_UNKNOWN;
#ifdef __linux__
		if (diag_uid(fds[i], &uids[i]) == 0)
			continue;
#endif
		rest++;
	}
	if (rest > 0 && diag_fd < 0)
		proc_uids(fds, uids, n);
}

/* the inode of a socket listening on port in the tables of family (IPv4: tcp6 too, for a dual-stack one); 0 if none */
static unsigned long
listening_inode(int port, int family)
{
	static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[256];
	unsigned long inode = 0;
	unsigned lport, state;
	size_t t;
	FILE *f;

	for (t = family == AF_INET6; t < 2 && inode == 0; t++) {
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

/* s as printable ASCII, every other byte \xNN: another process chose it, and it goes to a terminal */
static void
escaped(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s && n + 5 < cap; s++)
		if (*s >= 0x20 && *s < 0x7f && *s != '\\')
			out[n++] = *s;
		else
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x", (unsigned char)*s);
	out[n] = '\0';
}

/*
 * Name the process holding a listener on port (in family's tables): its
 * pid and command, escaped, into out, 0; -1 if it cannot be found (no
 * /proc, or not ours to look at).
 */
int
port_holder(int port, int family, char *out, size_t cap)
{
	char want[32], path[64], link[64], comm[64] = "?", name[64];
	unsigned long inode = listening_inode(port, family);
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
			escaped(comm, name, sizeof name);
			snprintf(out, cap, "pid %s (%s)", p->d_name, name);
		}
	}
	closedir(procs);
	return found ? 0 : -1;
}
