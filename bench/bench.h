/* make bench: what bench.c (the generator, the daemon, the table) gives the hostile profiles of flood.c */
#include <sys/types.h>
#include <stddef.h>

#define RUNS 3                          /* each figure is the median of this many */
#define MAXC 12000                      /* connections at most, of one profile */

/* cpu and rate: the medians of RUNS runs of expr, which returns CPU seconds an operation and sets rate_ */
#define MEDIAN3(expr, cpu, rate) do { double c_[RUNS], r_[RUNS]; int k_; load_begin(); \
	for (k_ = 0; k_ < RUNS; k_++) { c_[k_] = (expr) * 1e6; r_[k_] = rate_; } \
	cpu = median(c_); rate = median(r_); } while (0)

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
void   row(const char *what, double cpu_us, double rate, const char *unit);
double echo_load(int conns, int depth, size_t size, unsigned long total, double *rate);
double handshakes(int inflight, int total, double *rate);
void   hold_idle(int n);                /* n idle WebSockets, held until drop_idle */
void   drop_idle(int n);
void   ping_idle(int n);                /* each still answers its ping */
void   load_begin(void);
const char *load_foreign(void);         /* others' share of the CPUs since load_begin, as a column */

/* flood.c */
void   flood_profiles(void);

/* scale.c */
void   scale_profiles(void);

/* state.c */
void   state_profiles(void);
