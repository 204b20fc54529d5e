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
 *     introduced to xenstored);
 *   - libxl_list_domain with 10,000 domains.
 *
 * Usage: ops_bench [--quick]     (lightcore's library dir is compiled in;
 * LIGHTCORE_LIBDIR in the environment overrides it)
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <xenctrl.h>

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

static int child_pause(uint32_t d1, uint32_t d2, long n)
{
    struct pause_arg a = { d1, n / 10, 0 }, b;
    pause_loop(&a);                                  /* warm up */
    a.n = n;
    uint64_t t0 = now_ns();
    pause_loop(&a);
    double one = (double)(now_ns() - t0) / (double)n;

    a = (struct pause_arg){ d1, n, 0 };
    b = (struct pause_arg){ d2, n, 0 };
    pthread_t ta, tb;
    t0 = now_ns();
    pthread_create(&ta, NULL, pause_loop, &a);
    pthread_create(&tb, NULL, pause_loop, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    double two = (double)(now_ns() - t0) / (double)(2 * n);
    printf("pause_rt_ns %.1f\npause_rt2_ns %.1f\npause_failures %d\n", one, two,
           a.failures + b.failures);
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
                          struct pause_arg *b)
{
    pthread_t ta, tb;
    uint64_t t0 = now_ns();
    pthread_create(&ta, NULL, fn, a);
    pthread_create(&tb, NULL, fn, b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    return (double)(now_ns() - t0) / (double)(a->n + b->n);
}

static int child_raw(uint32_t d1, uint32_t d2, long n)
{
    struct pause_arg a = { d1, n / 10, 0 }, b;

    raw_xch = xc_interface_open(NULL, NULL, 0);
    if (!raw_xch) return 1;
    raw_loop(&a);                                    /* warm up */
    a.n = n;
    uint64_t t0 = now_ns();
    raw_loop(&a);
    double one = (double)(now_ns() - t0) / (double)n;

    a = (struct pause_arg){ d1, n, 0 };
    b = (struct pause_arg){ d2, n, 0 };
    double two = two_threads(raw_loop, &a, &b);
    printf("raw_rt_ns %.1f\nraw_rt2_ns %.1f\nraw_failures %d\n", one, two,
           a.failures + b.failures);

    a = (struct pause_arg){ 1, n, 0 };
    b = (struct pause_arg){ 2, n, 0 };
    t0 = now_ns();
    cpu_loop(&a);
    one = (double)(now_ns() - t0) / (double)n;
    two = two_threads(cpu_loop, &a, &b);
    printf("cpu_1_ns %.1f\ncpu_2_ns %.1f\n", one, two);
    xc_interface_close(raw_xch);
    return 0;
}

static int child_destroy(uint32_t first, uint32_t last)
{
    int failures = 0;
    uint64_t t0 = now_ns();
    for (uint32_t d = first; d <= last; d++)
        if (libxl_domain_destroy(ctx, d, NULL)) failures++;
    double per = (double)(now_ns() - t0) / (double)(last - first + 1);
    printf("destroy_ns %.1f\ndestroy_failures %d\n", per, failures);
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
    else if (argc == 4 && !strcmp(argv[1], "destroy"))
        rc = child_destroy((uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]));
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

/* Run "self --child ARGS" with library lib; return the value of key. */
static double run_child(int lib, const char *key, char *const args[])
{
    int pfd[2];
    char buf[4096];
    size_t len = 0;
    double value = -1;

    if (pipe(pfd)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[16] = { (char *)self, "--child" };
        int i = 0;
        for (; args[i] && i < 13; i++) argv[2 + i] = args[i];
        argv[2 + i] = NULL;
        if (lib == LIB_LIGHTCORE) {
            setenv("LD_LIBRARY_PATH", lightcore_dir(), 1);
        } else {
            unsetenv("LD_LIBRARY_PATH");
        }
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
        size_t kl = strlen(key);
        if (!strncmp(line, "lib ", 4)) {
            /* Make sure the run used the library it is labelled with. */
            bool ours = !strncmp(line + 4, lightcore_dir(),
                                 strlen(lightcore_dir()));
            if (ours != (lib == LIB_LIGHTCORE)) {
                fprintf(stderr, "ops_bench: the %s run loaded %s\n",
                        lib == LIB_XEN ? "libxl" : "lightcore", line + 4);
                return -1;
            }
            continue;
        }
        if (!strncmp(line, key, kl) && line[kl] == ' ')
            value = atof(line + kl + 1);
        else if (strstr(line, "failures") && atof(strchr(line, ' ') + 1) > 0)
            fprintf(stderr, "ops_bench: %s (%s)\n", line,
                    lib == LIB_XEN ? "libxl" : "lightcore");
    }
    return value;
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
    char *pargs[] = { "pause", a1, a2, a3, NULL };
    double px1 = run_child(LIB_XEN, "pause_rt_ns", pargs);
    double pl1 = run_child(LIB_LIGHTCORE, "pause_rt_ns", pargs);
    double px2 = run_child(LIB_XEN, "pause_rt2_ns", pargs);
    double pl2 = run_child(LIB_LIGHTCORE, "pause_rt2_ns", pargs);
    char *rargs[] = { "raw", a1, a2, a3, NULL };
    double rw1 = run_child(LIB_XEN, "raw_rt_ns", rargs);
    double rw2 = run_child(LIB_XEN, "raw_rt2_ns", rargs);
    double cpu1 = run_child(LIB_XEN, "cpu_1_ns", rargs);
    double cpu2 = run_child(LIB_XEN, "cpu_2_ns", rargs);

    int ndestroy = quick ? 50 : 200, last;
    double dx = -1, dl = -1;
    int first = bulk_create(ndestroy, "full", &last);
    if (first > 0) {
        snprintf(a1, sizeof(a1), "%d", first);
        snprintf(a2, sizeof(a2), "%d", last);
        char *dargs[] = { "destroy", a1, a2, NULL };
        dx = run_child(LIB_XEN, "destroy_ns", dargs);
    }
    first = bulk_create(ndestroy, "full", &last);
    if (first > 0) {
        snprintf(a1, sizeof(a1), "%d", first);
        snprintf(a2, sizeof(a2), "%d", last);
        char *dargs[] = { "destroy", a1, a2, NULL };
        dl = run_child(LIB_LIGHTCORE, "destroy_ns", dargs);
    }

    double lx = -1, ll = -1;
    if (bulk_create(10000 - 3, "none", &last) > 0) {
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
    printf("%-38s %12.2f %12.2f\n", "  2-thread throughput gain (x)",
           px2 > 0 ? px1 / px2 : 0, pl2 > 0 ? pl1 / pl2 : 0);
    printf("%-38s %12.2f %12.2f   (no libxl: 1 thread, 2 threads)\n",
           "raw xc pause+unpause (us/rt)", rw1 / 1e3, rw2 / 1e3);
    printf("%-38s %12.2f   (the simulator's ceiling)\n",
           "  raw 2-thread throughput gain (x)", rw2 > 0 ? rw1 / rw2 : 0);
    printf("%-38s %12.2f   (the machine's ceiling now)\n",
           "  shared-nothing loop 2-thread gain (x)",
           cpu2 > 0 ? cpu1 / cpu2 : 0);
    row("destroy (ms/domain)", dx / 1e6, dl / 1e6, "ms", "ratio <= 0.3");
    row("list_domain, 10000 domains (ms)", lx / 1e6, ll / 1e6, "ms",
        "lightcore < 2 ms");

    simhost_stop(h);
    return 0;
}
