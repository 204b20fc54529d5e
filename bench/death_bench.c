/*
 * death_bench.c: cost of domain death detection and of disk-eject events,
 * on the simulated host. Built twice from this one source: against
 * lightcore (build/bench/death_bench) and against Debian's libxenlight
 * 4.17 (build/bench/death_bench_xen, -I/usr/include -lxenlight). Only the
 * public libxl API and beforepoll/afterpoll are used, so both compile.
 *
 * For N watched domains (1,000 and 10,000, created in bulk): time to
 * enable N evgens in ascending and in random domid order; then for a
 * domain's destruction (five, one after another: the median, and the
 * most calls any one took), the client CPU time spent dispatching until
 * its DEATH event (CLOCK_PROCESS_CPUTIME_ID, so libxenstore's reader thread
 * counts too), the getdomaininfolist hypercalls and all the client's
 * hypercalls (simulator counters; xenstored's are counted apart).
 * For disk ejects with 1 and 100 watched disks: client CPU per event (the
 * median of 100), with the disk's description unchanged since the last
 * eject and (eject_stale_*) with its backend's type node rewritten just
 * before each eject.
 *
 * Usage: death_bench [--self-only | --eject-only]. --eject-only runs
 * this build's eject measurements alone (on a host of 1,000 domains, as in
 * the full run); EJECT_REPS in the environment changes the number of
 * ejects per measurement (100), e.g. for a profiler. eject_rounds@N is
 * the number of loop rounds with work per eject. Without either option, the lightcore build also
 * runs the Debian build (found next to itself) and prints both side by
 * side with ratios. Output lines "RESULT key value" are for that.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_event.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "bench_stats.h"
#include "simhost.h"
#include "xensim.h"

#ifndef BENCH_LABEL
#define BENCH_LABEL "lightcore"
#endif

static libxl_ctx *ctx;
static double cpu_in_dispatch;     /* seconds, accumulated */
static long busy_rounds;           /* rounds counted in cpu_in_dispatch */

static double now_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void result(const char *key, double v)
{
    printf("RESULT %s %.6g\n", key, v);
    fflush(stdout);
}

/* One beforepoll/poll/afterpoll round (up to ms); CPU of the library's
 * work (not of the wait) goes to cpu_in_dispatch. A round in which no fd
 * was ready and no deadline of the library's was due is the loop idling
 * (the same few microseconds per round for both libraries, times however
 * many rounds a settling period has): it is not counted, so the figures
 * are the work the measured occurrence caused. */
static void round_once(int ms)
{
    struct pollfd fds[256];
    int nfds = 256, timeout = ms;
    struct timeval tv;

    gettimeofday(&tv, NULL);
    if (libxl_osevent_beforepoll(ctx, &nfds, fds, &timeout, tv)) {
        fprintf(stderr, "beforepoll failed\n");
        exit(1);
    }
    bool lib_deadline = timeout >= 0 && timeout < ms;
    int ready = poll(fds, nfds, timeout);
    double c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    gettimeofday(&tv, NULL);
    libxl_osevent_afterpoll(ctx, nfds, fds, tv);
    if (ready != 0 || lib_deadline) {
        cpu_in_dispatch += now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        busy_rounds++;
    }
}

static libxl_event *wait_event(uint64_t mask, int ms)
{
    double deadline = now_s(CLOCK_MONOTONIC) + ms / 1000.0;
    for (;;) {
        libxl_event *ev = NULL;
        double c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
        int r = libxl_event_check(ctx, &ev, mask, NULL, NULL);
        cpu_in_dispatch += now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (!r) return ev;
        double left = deadline - now_s(CLOCK_MONOTONIC);
        if (left <= 0) return NULL;
        round_once(left > 0.05 ? 50 : (int)(left * 1000) + 1);
    }
}

static void settle(int ms)
{
    double end = now_s(CLOCK_MONOTONIC) + ms / 1000.0;
    while (now_s(CLOCK_MONOTONIC) < end) round_once(10);
}

static void drain(void)
{
    libxl_event *ev;
    while (!libxl_event_check(ctx, &ev, ~0ULL, NULL, NULL))
        libxl_event_free(ctx, ev);
}

#define MASK_DEATH (1ULL << LIBXL_EVENT_TYPE_DOMAIN_DEATH)

static void bench_death(int n)
{
    char *out = NULL, count[16];
    int first, last;

    snprintf(count, sizeof(count), "%d", n);
    if (simhost_cli(&out, "create-bulk", count, (char *)NULL) || !out ||
        sscanf(out, "first=%d last=%d", &first, &last) != 2) {
        fprintf(stderr, "create-bulk %d failed\n", n);
        exit(1);
    }
    free(out);

    libxl_evgen_domain_death **g = calloc(n, sizeof(*g));
    int *order = malloc(n * sizeof(*order));
    for (int i = 0; i < n; i++) order[i] = i;

    /* Ascending. */
    double t0 = now_s(CLOCK_MONOTONIC);
    for (int i = 0; i < n; i++)
        if (libxl_evenable_domain_death(ctx, first + i, i, &g[i])) exit(1);
    double t_asc = now_s(CLOCK_MONOTONIC) - t0;
    settle(300);
    drain();
    for (int i = 0; i < n; i++) libxl_evdisable_domain_death(ctx, g[i]);

    /* Random order. */
    srand(n);
    for (int i = n - 1; i > 0; i--) {
        int j = rand() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    t0 = now_s(CLOCK_MONOTONIC);
    for (int i = 0; i < n; i++)
        if (libxl_evenable_domain_death(ctx, first + order[i], order[i],
                                        &g[order[i]])) exit(1);
    double t_rand = now_s(CLOCK_MONOTONIC) - t0;
    settle(300);
    drain();

    /* DEATHS deaths, spread over the domids, one at a time: the median
     * client CPU of one, and the most hypercalls any one took (a single
     * death's CPU time moves with whatever else the machine runs). */
    enum { DEATHS = 5 };
    double cpu[DEATHS];
    uint64_t calls = 0, hypercalls = 0;
    for (int k = 0; k < DEATHS; k++) {
        int victim = first + (int)((2 * k + 1) * (long)n / (2 * DEATHS));
        xensim_counters_reset();
        cpu_in_dispatch = 0;
        if (xensim_domain_destroy(victim)) exit(1);
        libxl_event *ev = wait_event(MASK_DEATH, 20000);
        if (!ev || (int)ev->domid != victim) {
            fprintf(stderr, "no DEATH for %d\n", victim);
            exit(1);
        }
        libxl_event_free(ctx, ev);
        settle(200);        /* a late second @releaseDomain counts too */
        cpu[k] = cpu_in_dispatch;
        uint64_t c = simhost_counter("sysctl.getdomaininfolist"), h = 0, v;
        /* Every hypercall this client made (xenstored's are counted
         * apart). */
        const char *name;
        for (unsigned cur = 0; xensim_counter_iter(&cur, &name, &v);)
            if (!strncmp(name, "hypercall.", 10)) h += v;
        if (c > calls) calls = c;
        if (h > hypercalls) hypercalls = h;
    }
    char key[64];
    snprintf(key, sizeof(key), "enable_asc_ms@%d", n);
    result(key, t_asc * 1e3);
    snprintf(key, sizeof(key), "enable_rand_ms@%d", n);
    result(key, t_rand * 1e3);
    snprintf(key, sizeof(key), "death_cpu_us@%d", n);
    result(key, median(cpu, DEATHS) * 1e6);
    snprintf(key, sizeof(key), "death_getdomaininfolist@%d", n);
    result(key, (double)calls);
    snprintf(key, sizeof(key), "death_hypercalls@%d", n);
    result(key, (double)hypercalls);

    for (int i = 0; i < n; i++) libxl_evdisable_domain_death(ctx, g[i]);
    drain();
    /* Leave the domains: the next size uses a fresh host. */
    free(g);
    free(order);
}

/* ----------------------------------------------------------- ejects */

static struct xs_handle *xs;

static void xw(const char *v, const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    xs_write(xs, XBT_NULL, path, v, strlen(v));
}

static void make_disk(int dom, int devid, const char *vdev)
{
    char fe[96], be[96], id[16];
    snprintf(fe, sizeof(fe), "/local/domain/%d/device/vbd/%d", dom, devid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/qdisk/%d/%d", dom, devid);
    snprintf(id, sizeof(id), "%d", dom);
    xw(be, "%s/backend", fe);
    xw("", "%s/eject", fe);
    xw(fe, "%s/frontend", be);
    xw(id, "%s/frontend-id", be);
    xw("qdisk", "%s/type", be);
    xw(vdev, "%s/dev", be);
    xw(be, "/libxl/%d/device/vbd/%d/backend", dom, devid);
    xw(fe, "/libxl/%d/device/vbd/%d/frontend", dom, devid);
}

static void bench_eject(int ndisks)
{
    int REPS = getenv("EJECT_REPS") ? atoi(getenv("EJECT_REPS")) : 100;
    int dom = simhost_create_domain("ejector", 64, 1, NULL);
    libxl_evgen_disk_eject **g = calloc(ndisks, sizeof(*g));
    char vdev[16], path[128];

    for (int i = 0; i < ndisks; i++) {
        snprintf(vdev, sizeof(vdev), "xvd%c%c", 'a' + i / 26, 'a' + i % 26);
        int devid = (1 << 28) | ((26 * (i / 26 + 1) + i % 26) << 8);
        if (i / 26 == 0 && 0) devid = 0;
        make_disk(dom, devid, vdev);
        if (libxl_evenable_disk_eject(ctx, dom, vdev, i, &g[i])) {
            fprintf(stderr, "evenable_disk_eject %s failed\n", vdev);
            exit(1);
        }
    }
    settle(300);
    drain();
    int target = (1 << 28) | (26 << 8);   /* xvdaa: disk 0 above */
    snprintf(path, sizeof(path), "/local/domain/%d/device/vbd/%d/eject", dom, target);
    double *per = calloc(REPS > 0 ? REPS : 1, sizeof(*per));
    if (!per) exit(1);
    busy_rounds = 0;
    for (int r = 0; r < REPS; r++) {
        cpu_in_dispatch = 0;
        xs_write(xs, XBT_NULL, path, "eject", 5);
        libxl_event *ev = wait_event(1ULL << LIBXL_EVENT_TYPE_DISK_EJECT, 10000);
        if (!ev) { fprintf(stderr, "no eject event\n"); exit(1); }
        libxl_event_free(ctx, ev);
        settle(5);          /* our own acknowledgement fires the watch too */
        per[r] = cpu_in_dispatch;
    }
    char key[64];
    snprintf(key, sizeof(key), "eject_cpu_us@%d", ndisks);
    result(key, REPS > 0 ? median(per, REPS) * 1e6 : 0);
    free(per);
    snprintf(key, sizeof(key), "eject_rounds@%d", ndisks);
    result(key, (double)busy_rounds / REPS);

    /* The same with the disk's description stale: the toolstack has
     * rewritten its backend's type node (same value) since the last
     * eject, so the description is read again for the event. */
    char type_path[128];
    snprintf(type_path, sizeof(type_path),
             "/local/domain/0/backend/qdisk/%d/%d/type", dom, target);
    per = calloc(REPS > 0 ? REPS : 1, sizeof(*per));
    if (!per) exit(1);
    long stale_rounds = 0;
    for (int r = 0; r < REPS; r++) {
        xs_write(xs, XBT_NULL, type_path, "qdisk", 5);
        settle(5);          /* its watch event arrives */
        cpu_in_dispatch = 0;
        busy_rounds = 0;
        xs_write(xs, XBT_NULL, path, "eject", 5);
        libxl_event *ev = wait_event(1ULL << LIBXL_EVENT_TYPE_DISK_EJECT, 10000);
        if (!ev) { fprintf(stderr, "no eject event\n"); exit(1); }
        libxl_event_free(ctx, ev);
        settle(5);
        per[r] = cpu_in_dispatch;
        stale_rounds += busy_rounds;
    }
    snprintf(key, sizeof(key), "eject_stale_cpu_us@%d", ndisks);
    result(key, REPS > 0 ? median(per, REPS) * 1e6 : 0);
    free(per);
    snprintf(key, sizeof(key), "eject_stale_rounds@%d", ndisks);
    result(key, (double)stale_rounds / REPS);
    for (int i = 0; i < ndisks; i++) libxl_evdisable_disk_eject(ctx, g[i]);
    free(g);
}

/* ------------------------------------------------------------- main */

/* --eject-only: the eject measurements alone, on a host with as many
 * domains as when run_self reaches them (1,000), for quick iterations. */
static int run_eject_only(void)
{
    char *out = NULL;
    simhost *h = simhost_start();
    if (!h) return 1;
    if (simhost_cli(&out, "create-bulk", "1000", (char *)NULL)) return 1;
    free(out);
    xentoollog_logger *lg = (xentoollog_logger *)
        xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg)) return 1;
    xs = xs_open(0);
    bench_eject(1);
    bench_eject(100);
    xs_close(xs);
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
    simhost_stop(h);
    return 0;
}

static int run_self(void)
{
    static const int sizes[] = { 1000, 10000 };
    for (size_t s = 0; s < 2; s++) {
        simhost *h = simhost_start();
        if (!h) return 1;
        xentoollog_logger *lg = (xentoollog_logger *)
            xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
        if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg)) return 1;
        bench_death(sizes[s]);
        if (s == 0) {
            xs = xs_open(0);
            bench_eject(1);
            bench_eject(100);
            xs_close(xs);
        }
        libxl_ctx_free(ctx);
        xtl_logger_destroy(lg);
        simhost_stop(h);
    }
    return 0;
}

#ifndef BENCH_IS_XEN
struct kv { char key[64]; double v; };

static int parse(FILE *f, struct kv *kv, int max)
{
    char line[256];
    int n = 0;
    while (fgets(line, sizeof(line), f) && n < max)
        if (sscanf(line, "RESULT %63s %lf", kv[n].key, &kv[n].v) == 2) n++;
    return n;
}
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--self-only"))
        return run_self();
    if (argc > 1 && !strcmp(argv[1], "--eject-only"))
        return run_eject_only();
#ifdef BENCH_IS_XEN
    return run_self();
#else
    /* Run both builds as children and print them side by side. */
    char cmd[4200], self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len < 0) return 1;
    self[len] = '\0';
    struct kv ours[32], theirs[32];
    snprintf(cmd, sizeof(cmd), "'%s' --self-only", self);
    FILE *f = popen(cmd, "r");
    int n1 = f ? parse(f, ours, 32) : 0;
    if (f) pclose(f);
    snprintf(cmd, sizeof(cmd), "'%s_xen' --self-only", self);
    f = access(strcat(self, "_xen"), X_OK) == 0 ? popen(cmd, "r") : NULL;
    int n2 = f ? parse(f, theirs, 32) : 0;
    if (f) pclose(f);
    printf("%-30s %14s %14s %10s\n", "measure", "lightcore", "libxl 4.17",
           "libxl/ours");
    for (int i = 0; i < n1; i++) {
        double o = -1;
        for (int j = 0; j < n2; j++)
            if (!strcmp(ours[i].key, theirs[j].key)) o = theirs[j].v;
        if (o >= 0)
            printf("%-30s %14.3f %14.3f %10.1f\n", ours[i].key, ours[i].v, o,
                   ours[i].v > 0 ? o / ours[i].v : 0);
        else
            printf("%-30s %14.3f %14s %10s\n", ours[i].key, ours[i].v, "-", "-");
    }
    /* The speed targets of issue 4, judged on this run. */
    printf("\n%-46s %12s %8s\n", "target", "this run", "");
    for (int i = 0; i < n1; i++) {
        const char *k = ours[i].key;
        double v = ours[i].v, o = -1;
        for (int j = 0; j < n2; j++)
            if (!strcmp(k, theirs[j].key)) o = theirs[j].v;
        char what[64];
        if (!strcmp(k, "death_getdomaininfolist@10000")) {
            printf("%-46s %12.0f %8s\n", "death@10000: getdomaininfolist calls <= 2",
                   v, v <= 2 ? "met" : "MISSED");
        } else if (!strcmp(k, "death_cpu_us@10000") && o > 0) {
            printf("%-46s %11.1fx %8s\n", "death@10000: client CPU >= 20x less than libxl",
                   o / v, o / v >= 20 ? "met" : "MISSED");
        } else if (!strncmp(k, "enable_", 7) && strstr(k, "@10000")) {
            snprintf(what, sizeof(what), "%.*s: < 2 ms", (int)(strchr(k, '@') - k), k);
            printf("%-46s %9.3f ms %8s\n", what, v, v < 2 ? "met" : "MISSED");
        } else if (!strncmp(k, "eject_cpu_us@", 13)) {
            snprintf(what, sizeof(what), "%.40s: < 50 us", k);
            printf("%-46s %9.1f us %8s\n", what, v, v < 50 ? "met" : "MISSED");
        }
    }
    return n1 ? 0 : 1;
#endif
}
