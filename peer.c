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

/* The uid owning the other end of the accepted socket fd, or PEER_UNKNOWN. */
long
peer_uid(int fd)
{
	struct sockaddr_storage peer, ours;
	socklen_t plen = sizeof peer, olen = sizeof ours;
	char want[2][48], local[48], remote[48], line[256];
	long uid = PEER_UNKNOWN, u;
	FILE *f;

	if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ours, &olen) < 0 ||
	    proc_address(&peer, want[0], sizeof want[0]) < 0 || proc_address(&ours, want[1], sizeof want[1]) < 0)
		return PEER_UNKNOWN;
	/* the peer's own socket is the line whose local end is its address and remote end ours */
	if ((f = fopen(peer.ss_family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6", "r")) == NULL)
		return PEER_UNKNOWN;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%*d: %47s %47s %*x %*x:%*x %*x:%*x %*x %ld", local, remote, &u) == 3 &&
		    strcmp(local, want[0]) == 0 && strcmp(remote, want[1]) == 0) {
			uid = u;
			break;
		}
	fclose(f);
	return uid;
}
