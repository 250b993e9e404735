/* make bench: what bench.c (the generator, the daemon, the table) gives the hostile profiles of flood.c */
#include <sys/types.h>
#include <stddef.h>

#define RUNS 3                          /* each figure is the median of this many */

extern const char *gateway;             /* the daemon's binary */
extern int port, ncpu;
extern pid_t daemon_pid;
extern const char upgrade[];            /* a WebSocket upgrade head */

void   fail(const char *fmt, ...);
double now_s(void);
double cpu_of(pid_t pid);
void   pin(pid_t pid, int cpu);
int    tcp_to(int port);
void   put(int fd, const void *p, size_t n);
void   expect_101(int fd);
int    ws_connect(int port);
void   take(int fd, void *p, size_t n);
size_t frame(unsigned char *out, int opcode, const unsigned char *p, size_t n);
size_t next_frame(int fd, char *buf, size_t cap);
int    proto_open(const char *id, const char *mode);   /* a protocol client, past hello-ok, with operator.read */
void   start(const char *const *args);
void   stop(void);
int    want(const char *part);
double median(double v[RUNS]);
void   cell(const char *what, const char *figure, const char *rate);
void   load_begin(void);
const char *load_foreign(void);         /* others' share of the CPUs since load_begin, as a column */

/* flood.c */
void   flood_profiles(void);

/* state.c */
void   state_profiles(void);
