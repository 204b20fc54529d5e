/*
 * json_bench.c: a domain configuration's JSON round trip,
 * libxl_domain_config_to_json then libxl_domain_config_from_json (and
 * _dispose), lightcore against Debian's libxenlight 4.17. Built twice from
 * this one source: against lightcore (build/bench/json_bench) and against
 * Debian's headers and library (build/bench/json_bench_xen,
 * -DBENCH_IS_XEN). The configuration: a PVH guest with 8 disks and 4 nics,
 * the members xl sets for such a guest.
 *
 * json_bench --self-only: this build alone, "RESULT key value" lines:
 *   rt_us        CPU time per round trip (median of batches)
 *   peak_kib     heap peak of one round trip above what was live before it
 *                (this program's malloc/calloc/realloc/free count every
 *                byte the library asks the C library for)
 *   to_json_us, from_json_us, to_json_peak_kib, from_json_peak_kib
 *                the same for each half (from_json includes _dispose)
 *   allocs       allocations per round trip
 *   json_bytes   length of the text
 * json_bench (the lightcore build, no argument): runs both builds as
 * children, ROUNDS times taking turns, and prints the medians side by side
 * with the targets (lightcore at least 2x faster; peak no higher), and the
 * round trip's speed ratio within each pair of runs (median and lowest).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <xentoollog.h>

#include "bench_stats.h"

/* ------------------------------------------------------------ heap count */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static size_t live, peak, nallocs;

static void counted(void *p)
{
    if (!p)
        return;
    live += malloc_usable_size(p);
    if (live > peak)
        peak = live;
    nallocs++;
}

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);

    counted(p);
    return p;
}

void *calloc(size_t n, size_t m)
{
    void *p = __libc_calloc(n, m);

    counted(p);
    return p;
}

void *realloc(void *old, size_t n)
{
    size_t was = old ? malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, n);

    if (p || !n) {
        live -= was;
        counted(p);
    }
    return p;
}

void free(void *p)
{
    if (p)
        live -= malloc_usable_size(p);
    __libc_free(p);
}

/* ------------------------------------------------------------ the value */

static libxl_ctx *ctx;

static void setup_ctx(void)
{
#ifdef BENCH_IS_XEN
    /* Debian's from_json logs through the ctx and allocates through its
       "no-gc" record; without a hypervisor no ctx can be allocated, so a
       zeroed block with libxl 4.17's leading members stands in (as in
       tests/types/jsondiff_rt.c). */
    static struct {
        xentoollog_logger *lg;
        void *xch, *xsh;
        struct { int alloc_maxsize; void **alloc_ptrs; void *owner; } nogc;
        char rest[16384];
    } fake;

    fake.lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    fake.nogc.alloc_maxsize = -1;
    fake.nogc.owner = &fake;
    ctx = (libxl_ctx *)&fake;
#else
    ctx = NULL; /* lightcore's type functions take NULL */
#endif
}

static char *text_dup(const char *s)
{
    char *d = malloc(strlen(s) + 1);

    if (!d)
        abort();
    return strcpy(d, s);
}

static void make_config(libxl_domain_config *dc)
{
    static const libxl_uuid uuid = { { 0x5b, 0x1e, 0x2c, 0x33, 0x41, 0x07,
        0x4a, 0x9d, 0x8e, 0x10, 0x2f, 0x6a, 0x7c, 0x01, 0x99, 0xe4 } };
    char buf[128];

    libxl_domain_config_init(dc);
    dc->c_info.type = LIBXL_DOMAIN_TYPE_PVH;
    dc->c_info.name = text_dup("bench-guest-01");
    dc->c_info.uuid = uuid;
    libxl_defbool_set(&dc->c_info.hap, true);
    libxl_domain_build_info_init_type(&dc->b_info, LIBXL_DOMAIN_TYPE_PVH);
    dc->b_info.max_vcpus = 4;
    dc->b_info.max_memkb = 4194304;
    dc->b_info.target_memkb = 4194304;
    dc->b_info.kernel = text_dup("/boot/vmlinuz-6.1.0-18-amd64");
    dc->b_info.ramdisk = text_dup("/boot/initrd.img-6.1.0-18-amd64");
    dc->b_info.cmdline = text_dup("root=/dev/xvda1 ro console=hvc0 quiet");
    dc->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    dc->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_RESTART;
    dc->on_crash = LIBXL_ACTION_ON_SHUTDOWN_RESTART;

    dc->num_disks = 8;
    dc->disks = calloc(8, sizeof(*dc->disks));
    for (int i = 0; i < 8; i++) {
        libxl_device_disk *d = &dc->disks[i];

        libxl_device_disk_init(d);
        snprintf(buf, sizeof(buf), "/dev/vg-guests/bench-guest-01-disk%d", i);
        d->pdev_path = text_dup(buf);
        snprintf(buf, sizeof(buf), "xvd%c", 'a' + i);
        d->vdev = text_dup(buf);
        d->backend = LIBXL_DISK_BACKEND_PHY;
        d->format = LIBXL_DISK_FORMAT_RAW;
        d->readwrite = i < 7;
        d->is_cdrom = i == 7;
        d->removable = i == 7;
        libxl_defbool_set(&d->discard_enable, true);
    }
    dc->num_nics = 4;
    dc->nics = calloc(4, sizeof(*dc->nics));
    for (int i = 0; i < 4; i++) {
        libxl_device_nic *n = &dc->nics[i];

        libxl_device_nic_init(n);
        n->devid = i;
        n->mac[0] = 0x00; n->mac[1] = 0x16; n->mac[2] = 0x3e;
        n->mac[3] = 0x12; n->mac[4] = 0x34; n->mac[5] = (uint8_t)(0x50 + i);
        n->bridge = text_dup(i ? "xenbr1" : "xenbr0");
        n->script = text_dup("/etc/xen/scripts/vif-bridge");
        snprintf(buf, sizeof(buf), "10.0.%d.17", i);
        n->ip = text_dup(buf);
        n->nictype = LIBXL_NIC_TYPE_VIF;
    }
}

/* ------------------------------------------------------------ measuring */

/* CPU time of this single-threaded process: on a shared machine the
   other processes' turns would count in wall-clock time. */
static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One round trip; returns the length of the text (0 on failure). */
static size_t round_trip(libxl_domain_config *dc)
{
    libxl_domain_config back;
    char *text = libxl_domain_config_to_json(ctx, dc);
    size_t len;
    int rc;

    if (!text)
        return 0;
    len = strlen(text);
    libxl_domain_config_init(&back);
    rc = libxl_domain_config_from_json(ctx, &back, text);
    libxl_domain_config_dispose(&back);
    free(text);
    return rc ? 0 : len;
}

/* The two halves apart: to_json, then from_json + dispose of its text. */
static double half_us(libxl_domain_config *dc, int parse, int n)
{
    char *text = libxl_domain_config_to_json(ctx, dc);
    double t0 = now_us();

    for (int i = 0; i < n; i++) {
        if (parse) {
            libxl_domain_config back;

            libxl_domain_config_init(&back);
            libxl_domain_config_from_json(ctx, &back, text);
            libxl_domain_config_dispose(&back);
        } else {
            free(libxl_domain_config_to_json(ctx, dc));
        }
    }
    t0 = (now_us() - t0) / n;
    free(text);
    return t0;
}

static double half_peak_kib(libxl_domain_config *dc, int parse)
{
    char *text = libxl_domain_config_to_json(ctx, dc);
    size_t base = live;

    peak = live;
    if (parse) {
        libxl_domain_config back;

        libxl_domain_config_init(&back);
        libxl_domain_config_from_json(ctx, &back, text);
        libxl_domain_config_dispose(&back);
    } else {
        free(libxl_domain_config_to_json(ctx, dc));
    }
    free(text);
    return (double)(peak - base) / 1024;
}

static int run_self(void)
{
    enum { BATCHES = 9, PER_BATCH = 200 };
    libxl_domain_config dc;
    double us[BATCHES], to[BATCHES], from[BATCHES];
    size_t len, base, allocs0;

    setup_ctx();
    make_config(&dc);
    for (int i = 0; i < 50; i++) /* warm caches and the allocator */
        if (!round_trip(&dc)) {
            fprintf(stderr, "json_bench: round trip failed\n");
            return 1;
        }
    base = live;
    peak = live;
    allocs0 = nallocs;
    len = round_trip(&dc);
    printf("RESULT peak_kib %.1f\n", (double)(peak - base) / 1024);
    printf("RESULT allocs %zu\n", nallocs - allocs0);
    printf("RESULT json_bytes %zu\n", len);
    printf("RESULT to_json_peak_kib %.1f\n", half_peak_kib(&dc, 0));
    printf("RESULT from_json_peak_kib %.1f\n", half_peak_kib(&dc, 1));
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_us();

        for (int i = 0; i < PER_BATCH; i++)
            round_trip(&dc);
        us[b] = (now_us() - t0) / PER_BATCH;
        to[b] = half_us(&dc, 0, PER_BATCH / 4);
        from[b] = half_us(&dc, 1, PER_BATCH / 4);
    }
    printf("RESULT rt_us %.2f\n", median(us, BATCHES));
    printf("RESULT to_json_us %.2f\n", median(to, BATCHES));
    printf("RESULT from_json_us %.2f\n", median(from, BATCHES));
    libxl_domain_config_dispose(&dc);
    return 0;
}

#ifndef BENCH_IS_XEN
enum { ROUNDS = 9, KEYS = 8 };
static const char *const keys[KEYS] = {
    "rt_us", "peak_kib", "to_json_us", "from_json_us", "to_json_peak_kib",
    "from_json_peak_kib", "allocs", "json_bytes",
};

static int one_run(const char *prog, double *out)
{
    char cmd[4300], line[256], key[64];
    double v;
    int got = 0;
    FILE *f;

    snprintf(cmd, sizeof(cmd), "'%s' --self-only", prog);
    f = popen(cmd, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "RESULT %63s %lf", key, &v) == 2)
            for (int k = 0; k < KEYS; k++)
                if (!strcmp(key, keys[k])) {
                    out[k] = v;
                    got++;
                }
    return pclose(f) == 0 && got == KEYS ? 0 : -1;
}
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--self-only"))
        return run_self();
#ifdef BENCH_IS_XEN
    return run_self();
#else
    char self[4096], xen[4200];
    double ours[KEYS][ROUNDS], theirs[KEYS][ROUNDS], r[KEYS];
    double pair[ROUNDS], pair_median;
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (len < 0)
        return 1;
    self[len] = '\0';
    snprintf(xen, sizeof(xen), "%s_xen", self);
    /* interleaved: each round runs both, in alternating order */
    for (int i = 0; i < ROUNDS; i++) {
        int first = i % 2;

        for (int w = 0; w < 2; w++) {
            int xen_turn = w == first;

            if (one_run(xen_turn ? xen : self, r)) {
                fprintf(stderr, "json_bench: %s failed\n", xen_turn ? xen : self);
                return 1;
            }
            for (int k = 0; k < KEYS; k++)
                (xen_turn ? theirs : ours)[k][i] = r[k];
        }
    }
    /* the round trip's ratio within each pair of runs */
    for (int i = 0; i < ROUNDS; i++)
        pair[i] = ours[0][i] > 0 ? theirs[0][i] / ours[0][i] : 0;
    printf("domain_config JSON round trip (8 disks, 4 nics; to_json + from_json "
           "+ dispose), medians of %d interleaved runs\n", ROUNDS);
    printf("%-30s %14s %14s %10s\n", "measure", "lightcore", "libxl 4.17", "libxl/ours");
    for (int k = 0; k < KEYS; k++) {
        double o = median(ours[k], ROUNDS), t = median(theirs[k], ROUNDS);

        r[k] = t > 0 && o > 0 ? t / o : 0;
        printf("%-30s %14.2f %14.2f %10.2f\n", keys[k], o, t, r[k]);
        ours[k][0] = o;
        theirs[k][0] = t;
    }
    pair_median = median(pair, ROUNDS);     /* (sorts pair) */
    printf("%-30s %14s %14s %10.2f (lowest %.2f)\n", "rt_us ratio of each pair",
           "", "median", pair_median, pair[0]);
    printf("\n%-46s %12s %8s\n", "target", "this run", "");
    printf("%-46s %11.1fx %8s\n", "json round trip: lightcore >= 2x faster",
           r[0], r[0] >= 2 ? "met" : "MISSED");
    printf("%-46s %9.1f KiB %8s\n", "json round trip: peak heap <= libxl's",
           ours[1][0], ours[1][0] <= theirs[1][0] ? "met" : "MISSED");
    return 0;
#endif
}
