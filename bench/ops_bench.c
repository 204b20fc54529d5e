/*
 * ops_bench.c: domain operations, lightcore against Debian's libxenlight
 * 4.17, side by side in one run on one simulated host. Built once against
 * Debian's headers and library; each measurement runs in a child process,
 * once with Debian's library and once with LD_LIBRARY_PATH pointing at
 * lightcore's build (an ABI drop-in, same soname).
 *
 *   - synchronous pause+unpause round trip, 1 thread, and 2 threads sharing
 *     one ctx (each on its own domain): time per round trip, throughput;
 *   - the same round trip as bare xc_domain_pause / xc_domain_unpause calls
 *     on one shared xc handle (no libxl at all), 1 and 2 threads: the
 *     ceiling the simulated hypervisor allows;
 *   - libxl_domain_destroy: time per domain (domains with libxl's nodes,
 *     introduced to xenstored), each library in a server process of its
 *     own, in alternating runs of 20 destroys; and the CPU time per destroy,
 *     xenstored's and all of it (library, its forks, xenstored);
 *   - libxl_list_domain with 10,000 domains.
 *
 * Usage: ops_bench [--quick] [--threads]   (--threads: only the pause rows;
 * lightcore's library dir is compiled in;
 * LIGHTCORE_LIBDIR in the environment overrides it)
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <xenctrl.h>

#include "bench_stats.h"
#include "simhost.h"

#ifndef LIGHTCORE_LIBDIR
#define LIGHTCORE_LIBDIR "build"
#endif

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time (user + system) of the whole process, ns. */
static uint64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
               1000000000u +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) *
               1000u;
}

/*
 * The machine's CPU time so far, from /proc/stat's first line, in clock
 * ticks: all of it, and the part "stolen" (a virtual machine's vCPUs
 * waiting while the host ran something else). Wall-clock rows measured
 * while much is stolen mostly show the host's load; the run says how much.
 * Returns false where /proc/stat has no steal column.
 */
struct cpu_ticks {
    unsigned long long total, steal;
};

static bool read_cpu_ticks(struct cpu_ticks *t)
{
    unsigned long long v[8] = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
                       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7])
              : 0;
    if (f) fclose(f);
    if (n != 8) return false;
    t->total = 0;
    for (int i = 0; i < 8; i++) t->total += v[i];
    t->steal = v[7];
    return true;
}

/* Percent of the machine's CPU time stolen since *from; -1 if unknown. */
static double steal_pct_since(const struct cpu_ticks *from, bool known)
{
    struct cpu_ticks now;
    if (!known || !read_cpu_ticks(&now) || now.total <= from->total) return -1;
    return 100.0 * (double)(now.steal - from->steal) /
           (double)(now.total - from->total);
}

/* The CPU time process pid has used so far, in ns; -1 if unknown. The
 * destroy rows use it for xenstored, whose work a destroy waits on. */
static double proc_cpu_ns(pid_t pid)
{
    clockid_t clock;
    struct timespec ts;
    if (pid <= 0 || clock_getcpuclockid(pid, &clock) ||
        clock_gettime(clock, &ts))
        return -1;
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ------------------------------------------------------------ child side */

static libxl_ctx *ctx;

struct pause_arg {
    uint32_t domid;
    long n;
    int failures;
};

static void *pause_loop(void *p)
{
    struct pause_arg *a = p;
    for (long i = 0; i < a->n; i++) {
        if (libxl_domain_pause(ctx, a->domid, NULL)) a->failures++;
        if (libxl_domain_unpause(ctx, a->domid, NULL)) a->failures++;
    }
    return NULL;
}

/*
 * Besides wall time per round trip, the CPU time per round trip with one
 * and with two threads: on a machine busy with other work the wall-clock
 * gain shows mostly the load, while CPU time spent per round trip shows
 * what the threads cost each other (lock hand-offs, cache-line transfers,
 * sleeps and wake-ups).
 */
static int child_pause(uint32_t d1, uint32_t d2, long n)
{
    struct pause_arg a = { d1, n / 10, 0 }, b;
    pause_loop(&a);                                  /* warm up */
    a.n = n;
    uint64_t t0 = now_ns(), c0 = cpu_ns();
    pause_loop(&a);
    double one = (double)(now_ns() - t0) / (double)n;
    double cpu1 = (double)(cpu_ns() - c0) / (double)n;

    a = (struct pause_arg){ d1, n, 0 };
    b = (struct pause_arg){ d2, n, 0 };
    pthread_t ta, tb;
    t0 = now_ns();
    c0 = cpu_ns();
    pthread_create(&ta, NULL, pause_loop, &a);
    pthread_create(&tb, NULL, pause_loop, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    double two = (double)(now_ns() - t0) / (double)(2 * n);
    double cpu2 = (double)(cpu_ns() - c0) / (double)(2 * n);
    printf("pause_rt_ns %.1f\npause_rt2_ns %.1f\npause_failures %d\n"
           "pause_cpu_ns %.1f\npause_cpu2_ns %.1f\n", one, two,
           a.failures + b.failures, cpu1, cpu2);
    return 0;
}

/* The ceiling: bare hypercalls through libxenctrl, one shared handle (as
 * a libxl ctx has), no libxl. */
static xc_interface *raw_xch;

static void *raw_loop(void *p)
{
    struct pause_arg *a = p;
    for (long i = 0; i < a->n; i++) {
        if (xc_domain_pause(raw_xch, a->domid)) a->failures++;
        if (xc_domain_unpause(raw_xch, a->domid)) a->failures++;
    }
    return NULL;
}

/* The machine's ceiling: work that shares nothing at all between the
 * threads (on a loaded 2-cpu machine, even this gains less than 2x). */
static void *cpu_loop(void *p)
{
    struct pause_arg *a = p;
    volatile uint64_t x = a->domid;
    for (long i = 0; i < a->n * 100; i++) x = x * 6364136223846793005u + 1;
    return NULL;
}

static double two_threads(void *(*fn)(void *), struct pause_arg *a,
                          struct pause_arg *b, double *cpu)
{
    pthread_t ta, tb;
    uint64_t t0 = now_ns(), c0 = cpu_ns();
    pthread_create(&ta, NULL, fn, a);
    pthread_create(&tb, NULL, fn, b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    *cpu = (double)(cpu_ns() - c0) / (double)(a->n + b->n);
    return (double)(now_ns() - t0) / (double)(a->n + b->n);
}

static int child_raw(uint32_t d1, uint32_t d2, long n)
{
    struct pause_arg a = { d1, n / 10, 0 }, b;
    double cpu1, cpu2;

    raw_xch = xc_interface_open(NULL, NULL, 0);
    if (!raw_xch) return 1;
    raw_loop(&a);                                    /* warm up */
    a.n = n;
    uint64_t t0 = now_ns(), c0 = cpu_ns();
    raw_loop(&a);
    double one = (double)(now_ns() - t0) / (double)n;
    cpu1 = (double)(cpu_ns() - c0) / (double)n;

    a = (struct pause_arg){ d1, n, 0 };
    b = (struct pause_arg){ d2, n, 0 };
    double two = two_threads(raw_loop, &a, &b, &cpu2);
    printf("raw_rt_ns %.1f\nraw_rt2_ns %.1f\nraw_failures %d\n"
           "raw_cpu_ns %.1f\nraw_cpu2_ns %.1f\n", one, two,
           a.failures + b.failures, cpu1, cpu2);

    a = (struct pause_arg){ 1, n, 0 };
    b = (struct pause_arg){ 2, n, 0 };
    t0 = now_ns();
    cpu_loop(&a);
    one = (double)(now_ns() - t0) / (double)n;
    two = two_threads(cpu_loop, &a, &b, &cpu2);
    printf("cpu_1_ns %.1f\ncpu_2_ns %.1f\n", one, two);
    xc_interface_close(raw_xch);
    return 0;
}

/* This process's CPU time so far, with that of the children it has waited
 * for (libxl's forks), in ns. */
static double self_cpu_ns(void)
{
    struct rusage self, kids;
    if (getrusage(RUSAGE_SELF, &self) || getrusage(RUSAGE_CHILDREN, &kids))
        return 0;
    return ((double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec +
                     kids.ru_utime.tv_sec + kids.ru_stime.tv_sec)) * 1e9 +
           ((double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
                     kids.ru_utime.tv_usec + kids.ru_stime.tv_usec)) * 1e3;
}

/*
 * The destroy server: one line per request on stdin, "destroy FIRST LAST",
 * answered by one line, "destroy_ns WALL cpu_ns CPU failures N" (per
 * domain). The parent runs one server per library and alternates short
 * runs between them, so both meet the same load from the host.
 */
static int child_destroy_server(void)
{
    char line[128];
    unsigned first, last;

    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) &&
           sscanf(line, "destroy %u %u", &first, &last) == 2 &&
           last >= first) {
        int failures = 0;
        double c0 = self_cpu_ns();
        uint64_t t0 = now_ns();
        for (uint32_t d = first; d <= last; d++)
            if (libxl_domain_destroy(ctx, d, NULL)) failures++;
        double n = (double)(last - first + 1);
        printf("destroy_ns %.1f cpu_ns %.1f failures %d\n",
               (double)(now_ns() - t0) / n, (self_cpu_ns() - c0) / n,
               failures);
        fflush(stdout);
    }
    return 0;
}

static int child_list(int rounds)
{
    int n = 0;
    libxl_dominfo *l = libxl_list_domain(ctx, &n);   /* warm up */
    libxl_dominfo_list_free(l, n);
    uint64_t t0 = now_ns();
    for (int i = 0; i < rounds; i++) {
        l = libxl_list_domain(ctx, &n);
        libxl_dominfo_list_free(l, n);
    }
    printf("list_ns %.1f\nlist_count %d\n",
           (double)(now_ns() - t0) / rounds, n);
    return 0;
}

static int child_main(int argc, char **argv)
{
    xentoollog_logger_stdiostream *lg =
        xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    int rc = 1;

    if (argc == 5 && !strcmp(argv[1], "raw")) {
        rc = child_raw((uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]),
                       atol(argv[4]));
        fflush(stdout);
        xtl_logger_destroy((xentoollog_logger *)lg);
        return rc;
    }

    Dl_info dli;
    if (dladdr((void *)libxl_ctx_alloc, &dli) && dli.dli_fname)
        printf("lib %s\n", dli.dli_fname);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg))
        return 1;
    if (argc == 5 && !strcmp(argv[1], "pause"))
        rc = child_pause((uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]),
                         atol(argv[4]));
    else if (argc == 2 && !strcmp(argv[1], "destroy-server"))
        rc = child_destroy_server();
    else if (argc == 3 && !strcmp(argv[1], "list"))
        rc = child_list(atoi(argv[2]));
    fflush(stdout);
    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)lg);
    return rc;
}

/* ----------------------------------------------------------- parent side */

enum { LIB_XEN, LIB_LIGHTCORE };

static const char *lightcore_dir(void)
{
    const char *dir = getenv("LIGHTCORE_LIBDIR");
    return dir ? dir : LIGHTCORE_LIBDIR;
}
static const char *self;

/* In a child about to exec self: load lib (same soname, by search path). */
static void child_use_lib(int lib)
{
    if (lib == LIB_LIGHTCORE) setenv("LD_LIBRARY_PATH", lightcore_dir(), 1);
    else unsetenv("LD_LIBRARY_PATH");
}

/* A child's "lib PATH" line names the library it loaded: true if that is
 * lib, else complain (what is labelled lightcore must be lightcore). */
static bool child_loaded(int lib, const char *path)
{
    bool ours = !strncmp(path, lightcore_dir(), strlen(lightcore_dir()));
    if (ours == (lib == LIB_LIGHTCORE)) return true;
    fprintf(stderr, "ops_bench: the %s run loaded %s%s",
            lib == LIB_XEN ? "libxl" : "lightcore", path,
            path[0] && path[strlen(path) - 1] == '\n' ? "" : "\n");
    return false;
}

/* Run "self --child ARGS" with library lib; for each of the nkeys keys
 * store its value (or -1) in values. */
static void run_child_keys(int lib, char *const args[], int nkeys,
                           const char *const keys[], double values[])
{
    int pfd[2];
    char buf[4096];
    size_t len = 0;

    for (int k = 0; k < nkeys; k++) values[k] = -1;

    if (pipe(pfd)) return;
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[16] = { (char *)self, "--child" };
        int i = 0;
        for (; args[i] && i < 13; i++) argv[2 + i] = args[i];
        argv[2 + i] = NULL;
        child_use_lib(lib);
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execv(self, argv);
        _exit(127);
    }
    close(pfd[1]);
    for (;;) {
        ssize_t r = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
    }
    close(pfd[0]);
    buf[len] = 0;
    int status;
    waitpid(pid, &status, 0);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "lib ", 4)) {
            if (!child_loaded(lib, line + 4)) {
                for (int k = 0; k < nkeys; k++) values[k] = -1;
                return;
            }
            continue;
        }
        bool matched = false;
        for (int k = 0; k < nkeys; k++) {
            size_t kl = strlen(keys[k]);
            if (!strncmp(line, keys[k], kl) && line[kl] == ' ') {
                values[k] = atof(line + kl + 1);
                matched = true;
            }
        }
        if (matched)
            continue;
        if (strstr(line, "failures") && atof(strchr(line, ' ') + 1) > 0)
            fprintf(stderr, "ops_bench: %s (%s)\n", line,
                    lib == LIB_XEN ? "libxl" : "lightcore");
    }
}

/* The same for one key. */
static double run_child(int lib, const char *key, char *const args[])
{
    double v;
    run_child_keys(lib, args, 1, &key, &v);
    return v;
}

/* A destroy server (child_destroy_server) with one library loaded. */
struct destroy_server {
    pid_t pid;
    FILE *to, *from;
};

static void server_stop(struct destroy_server *sv)
{
    if (sv->pid <= 0) return;
    fclose(sv->to);     /* end of input: the server returns */
    fclose(sv->from);
    waitpid(sv->pid, NULL, 0);
    sv->pid = -1;
}

/* Start one for lib; false (and nothing left running) if it cannot be
 * started or loaded another library than lib. */
static bool server_start(struct destroy_server *sv, int lib)
{
    int in[2], out[2];
    char line[4096];

    /* Close-on-exec: the other server must not hold this one's pipes
     * (its stdin would then never see end of file). */
    if (pipe2(in, O_CLOEXEC)) return false;
    if (pipe2(out, O_CLOEXEC)) { close(in[0]); close(in[1]); return false; }
    sv->pid = fork();
    if (sv->pid == 0) {
        char *argv[] = { (char *)self, "--child", "destroy-server", NULL };
        child_use_lib(lib);
        dup2(in[0], 0);
        dup2(out[1], 1);
        execv(self, argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (sv->pid < 0) {
        close(in[1]);
        close(out[0]);
        return false;
    }
    sv->to = fdopen(in[1], "w");
    sv->from = fdopen(out[0], "r");
    if (!sv->to || !sv->from) {
        if (sv->to) fclose(sv->to); else close(in[1]);
        if (sv->from) fclose(sv->from); else close(out[0]);
        waitpid(sv->pid, NULL, 0);
        sv->pid = -1;
        return false;
    }
    bool ok = fgets(line, sizeof(line), sv->from) &&
              !strncmp(line, "lib ", 4) && child_loaded(lib, line + 4);
    if (!ok) server_stop(sv);
    return ok;
}

/* Destroy domains first..last through sv; per domain, the wall-clock time
 * and the server's CPU time (ns). False on any failure. */
static bool server_destroy(struct destroy_server *sv, int first, int last,
                           double *wall, double *cpu)
{
    char line[256];
    int failures = -1;

    fprintf(sv->to, "destroy %d %d\n", first, last);
    fflush(sv->to);
    if (!fgets(line, sizeof(line), sv->from) ||
        sscanf(line, "destroy_ns %lf cpu_ns %lf failures %d", wall, cpu,
               &failures) != 3)
        return false;
    if (failures)
        fprintf(stderr, "ops_bench: %d destroys failed\n", failures);
    return failures == 0;
}

static void row(const char *what, double xen, double lc, const char *unit,
                const char *target)
{
    printf("%-38s %12.2f %12.2f %8.3f   %s\n", what, xen, lc,
           xen > 0 ? lc / xen : 0.0, target);
    (void)unit;
}

/* Create count domains with libxl's nodes, introduced; first domid. */
static int bulk_create(int count, const char *nodes, int *last)
{
    char n[16], *out = NULL;
    snprintf(n, sizeof(n), "%d", count);
    if (simhost_cli(&out, "create-bulk", n, "--nodes", nodes, NULL) != 0) {
        free(out);
        return -1;
    }
    int first = -1;
    if (sscanf(out, "first=%d last=%d", &first, last) != 2) first = -1;
    free(out);
    return first;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && !strcmp(argv[1], "--quick");
    /* --threads: only the pause+unpause and thread-scaling rows. */
    bool threads_only = argc > 1 && !strcmp(argv[argc - 1], "--threads");
    char a1[16], a2[16], a3[16];

    if (argc > 1 && !strcmp(argv[1], "--child"))
        return child_main(argc - 1, argv + 1);
    self = "/proc/self/exe";
    static char exe[4096];
    ssize_t r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (r > 0) { exe[r] = 0; self = exe; }

    mkdir("/var/run/xen", 0755);   /* libxl's destroy needs its run dir */
    simhost *h = simhost_start();
    if (!h) return 1;

    long n = quick ? 20000 : 200000;
    int d1 = simhost_create_domain("bench-a", 64, 1, NULL);
    int d2 = simhost_create_domain("bench-b", 64, 1, NULL);
    snprintf(a1, sizeof(a1), "%d", d1);
    snprintf(a2, sizeof(a2), "%d", d2);
    snprintf(a3, sizeof(a3), "%ld", n);
    /* The thread-scaling figures move with whatever else the machine
     * runs: repeat, interleaving the libraries, and take medians (of the
     * times, and of each run's own 2-thread gain). */
    enum { MAXREPS = 9 };
    int reps = quick ? 3 : 5;
    double px1v[MAXREPS], px2v[MAXREPS], pl1v[MAXREPS], pl2v[MAXREPS];
    double gxv[MAXREPS], glv[MAXREPS], rw1v[MAXREPS], rw2v[MAXREPS];
    double grv[MAXREPS], gcv[MAXREPS];
    double cxv[MAXREPS], clv[MAXREPS], crv[MAXREPS];   /* cpu2 / cpu1 */
    char *pargs[] = { "pause", a1, a2, a3, NULL };
    char *rargs[] = { "raw", a1, a2, a3, NULL };
    static const char *const pkeys[] = { "pause_rt_ns", "pause_rt2_ns",
                                         "pause_cpu_ns", "pause_cpu2_ns" };
    static const char *const rkeys[] = { "raw_rt_ns", "raw_rt2_ns",
                                         "cpu_1_ns", "cpu_2_ns",
                                         "raw_cpu_ns", "raw_cpu2_ns" };
    struct cpu_ticks ticks0;
    bool ticks_known = read_cpu_ticks(&ticks0);
    for (int i = 0; i < reps; i++) {
        double v[6];
        run_child_keys(LIB_XEN, pargs, 4, pkeys, v);
        px1v[i] = v[0]; px2v[i] = v[1];
        gxv[i] = v[1] > 0 ? v[0] / v[1] : 0;
        cxv[i] = v[2] > 0 ? v[3] / v[2] : 0;
        run_child_keys(LIB_LIGHTCORE, pargs, 4, pkeys, v);
        pl1v[i] = v[0]; pl2v[i] = v[1];
        glv[i] = v[1] > 0 ? v[0] / v[1] : 0;
        clv[i] = v[2] > 0 ? v[3] / v[2] : 0;
        run_child_keys(LIB_XEN, rargs, 6, rkeys, v);
        rw1v[i] = v[0]; rw2v[i] = v[1];
        grv[i] = v[1] > 0 ? v[0] / v[1] : 0;
        gcv[i] = v[3] > 0 ? v[2] / v[3] : 0;
        crv[i] = v[4] > 0 ? v[5] / v[4] : 0;
    }
    double px1 = median(px1v, reps), px2 = median(px2v, reps);
    double pause_steal = steal_pct_since(&ticks0, ticks_known);
    double pl1 = median(pl1v, reps), pl2 = median(pl2v, reps);
    double rw1 = median(rw1v, reps), rw2 = median(rw2v, reps);
    double gx = median(gxv, reps), gl = median(glv, reps);
    double gr = median(grv, reps), gc = median(gcv, reps);
    double cx = median(cxv, reps), cl = median(clv, reps);
    double cr = median(crv, reps);

    /* Destroy: as noisy as the machine (libxl forks for each one), so in
     * rounds: each round creates a fresh batch (xenstored's cost per
     * request grows with the domains it has) and the two libraries, each
     * in a server process of its own, destroy it in alternating runs of
     * DESTROY_RUN domains, which one goes first alternating too: both meet
     * the same load from the host and the same number of domains on it.
     * Medians of each round's times and of its own ratio. */
    enum { DESTROY_RUN = 20 };
    int ndestroy = quick ? 60 : 200, last = 0, drounds = 0;
    double dxv[MAXREPS], dlv[MAXREPS], drv[MAXREPS];
    double sxv[MAXREPS], slv[MAXREPS];  /* xenstored CPU per destroy */
    double uxv[MAXREPS], ulv[MAXREPS], urv[MAXREPS];  /* all CPU */
    pid_t xs_pid = simhost_xenstored_pid(h);
    bool xs_known = proc_cpu_ns(xs_pid) >= 0;
    struct destroy_server sv[2] = { { .pid = -1 }, { .pid = -1 } };
    bool servers = !threads_only && server_start(&sv[LIB_XEN], LIB_XEN) &&
                   server_start(&sv[LIB_LIGHTCORE], LIB_LIGHTCORE);
    ticks_known = read_cpu_ticks(&ticks0);
    for (int i = 0; servers && i < reps; i++) {
        double t[2] = { 0, 0 }, xs[2] = { 0, 0 }, cpu[2] = { 0, 0 };
        int count[2] = { 0, 0 };
        int first = bulk_create(ndestroy, "full", &last);
        bool ok = first > 0;
        for (int d = first, k = i & 1; ok && d <= last; d += DESTROY_RUN) {
            int lib = (k++ & 1) ? LIB_LIGHTCORE : LIB_XEN;
            int end = d + DESTROY_RUN - 1 < last ? d + DESTROY_RUN - 1 : last;
            double wall, own, xs0 = proc_cpu_ns(xs_pid);
            ok = server_destroy(&sv[lib], d, end, &wall, &own);
            double n = end - d + 1, xsd = (proc_cpu_ns(xs_pid) - xs0) / n;
            t[lib] += wall * n;
            xs[lib] += xsd * n;
            cpu[lib] += (own + xsd) * n;
            count[lib] += (int)n;
        }
        if (!ok || !count[0] || !count[1]) break;
        for (int l = 0; l < 2; l++) {
            t[l] /= count[l];
            xs[l] /= count[l];
            cpu[l] /= count[l];
        }
        dxv[drounds] = t[LIB_XEN];
        dlv[drounds] = t[LIB_LIGHTCORE];
        sxv[drounds] = xs[LIB_XEN];
        slv[drounds] = xs[LIB_LIGHTCORE];
        uxv[drounds] = cpu[LIB_XEN];
        ulv[drounds] = cpu[LIB_LIGHTCORE];
        urv[drounds] = cpu[LIB_LIGHTCORE] / cpu[LIB_XEN];
        drv[drounds++] = t[LIB_LIGHTCORE] / t[LIB_XEN];
    }
    server_stop(&sv[LIB_XEN]);
    server_stop(&sv[LIB_LIGHTCORE]);
    double destroy_steal = steal_pct_since(&ticks0, ticks_known);
    double dx = drounds ? median(dxv, drounds) : -1;
    double dl = drounds ? median(dlv, drounds) : -1;
    double dr = drounds ? median(drv, drounds) : 0;   /* sorts drv */
    double drmin = drounds ? drv[0] : 0, drmax = drounds ? drv[drounds - 1] : 0;
    double sx = drounds ? median(sxv, drounds) : -1;
    double sl = drounds ? median(slv, drounds) : -1;
    double ux = drounds ? median(uxv, drounds) : -1;
    double ul = drounds ? median(ulv, drounds) : -1;
    double ur = drounds ? median(urv, drounds) : 0;

    double lx = -1, ll = -1;
    if (!threads_only && bulk_create(10000 - 3, "none", &last) > 0) {
        char *largs[] = { "list", quick ? "5" : "20", NULL };
        lx = run_child(LIB_XEN, "list_ns", largs);
        ll = run_child(LIB_LIGHTCORE, "list_ns", largs);
    }

    printf("\n%-38s %12s %12s %8s   %s\n", "ops_bench (simulated host)",
           "libxl 4.17", "lightcore", "ratio", "target");
    row("pause+unpause, 1 thread (us/rt)", px1 / 1e3, pl1 / 1e3, "us",
        "ratio <= 0.5");
    row("pause+unpause, 2 threads (us/rt)", px2 / 1e3, pl2 / 1e3, "us",
        "lightcore 2T gain >= 1.5x");
    printf("%-38s %12.2f %12.2f   (median of %d runs)\n",
           "  2-thread throughput gain (x)", gx, gl, reps);
    printf("%-38s %12.2f %12.2f   (no libxl: 1 thread, 2 threads)\n",
           "raw xc pause+unpause (us/rt)", rw1 / 1e3, rw2 / 1e3);
    printf("%-38s %12.2f   (the simulator's ceiling)\n",
           "  raw 2-thread throughput gain (x)", gr);
    printf("%-38s %12.2f %12.2f   (raw: %.2f; 1.0 = threads cost each"
           " other nothing)\n", "  CPU per round trip, 2T / 1T", cx, cl, cr);
    printf("%-38s %12.2f   (the machine's ceiling now)\n",
           "  shared-nothing loop 2-thread gain (x)", gc);
    printf("%-38s %12.2f %12.2f %8.3f   %s\n", "destroy (ms/domain)",
           dx / 1e6, dl / 1e6, dr, "ratio <= 0.3");
    printf("%-38s %12s %12s %8s   (median of %d rounds of %d, in runs of"
           " %d; ratios %.3f-%.3f)\n", "", "", "", "", drounds, ndestroy,
           DESTROY_RUN, drmin, drmax);
    if (drounds && xs_known) {
        printf("%-38s %12.2f %12.2f   (the daemon's work a destroy waits"
               " on)\n", "  xenstored CPU per destroy (ms)", sx / 1e6,
               sl / 1e6);
        printf("%-38s %12.2f %12.2f %8.3f   (median of the rounds' own"
               " ratios; time the host stole is not counted)\n",
               "  all CPU per destroy (ms)", ux / 1e6, ul / 1e6, ur);
    }
    row("list_domain, 10000 domains (ms)", lx / 1e6, ll / 1e6, "ms",
        "lightcore < 2 ms");
    if (pause_steal >= 0) {
        printf("machine: %.1f%% of CPU time stolen by the host during the pause"
               " rows", pause_steal);
        if (drounds && destroy_steal >= 0)
            printf(", %.1f%% during the destroy rounds", destroy_steal);
        printf("\n  (when this is high, the wall-clock rows show the host's"
               " load as much as the libraries)\n");
    }

    simhost_stop(h);
    return 0;
}
