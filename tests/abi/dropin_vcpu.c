/*
 * dropin_vcpu.c: the drop-in probe for vcpus and scheduling: the vcpu
 * list, vcpu and node affinity (tests/integration/ops/test_dropin_vcpu.c).
 * Built against Debian's headers and library (dropin-vcpu-debian) and
 * against lightcore's (dropin-vcpu-ours); run on one simulated host as
 * Debian's, as Debian's binary on lightcore, and as ours: every run must
 * print the same. It prints results (through the generated _to_json, the
 * running times masked), return codes, the log lines they cause (without
 * libxl's file:line:function prefix) and, after each change, the
 * hypervisor's state read through libxenctrl directly.
 *
 * Usage: dropin-vcpu-* all DOMID GONE   the whole probe on DOMID, a fresh
 *                                       domain of 3 vcpus; GONE is a
 *                                       destroyed domain below it
 *        dropin-vcpu-* sched DOMID GONE the scheduling parameters, on
 *                                       whatever scheduler pool 0 runs;
 *                                       pool 0's global parameters are
 *                                       put back as they were
 *        dropin-vcpu-* online DOMID GONE HVM PVH
 *                                       libxl_set_vcpuonline on DOMID (3
 *                                       vcpus), an HVM and a PVH domain
 *                                       (1 vcpu each, no device model)
 *        dropin-vcpu-* online-qemu DOMID GONE HVM
 *                                       the same on an HVM guest of
 *                                       upstream QEMU (3 vcpus; its QMP
 *                                       socket is the caller's business)
 *        dropin-vcpu-* list DOMID       one libxl_list_vcpu (hypercall counts)
 *        dropin-vcpu-* getnodes DOMID   one get_nodeaffinity (counts)
 *        dropin-vcpu-* getsched DOMID   one domain_sched_params_get (counts)
 *        dropin-vcpu-* avail DOMID      its cpu/N/availability in xenstore
 *        dropin-vcpu-* getpool DOMID    credit2's and credit's pool 0
 *                                       parameters (counts)
 * Domain ids are printed by name (D, GONE, D+1000 ...), in log lines too,
 * so that runs on different fresh domains compare.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenctrl.h>
#include <xenstore.h>

/* ------------------------------------------------------------ logger */

static const char *dn(uint32_t domid);
static uint32_t the_domid, gone_domid, hvm_domid = ~0u, pvh_domid = ~0u;
/* Talking to QEMU: each library's QMP client has debug lines of its own. */
static bool qmp_mode;

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (qmp_mode && level == XTL_DEBUG)
        return;
    /* libxl's ao machinery's debug lines name pointers */
    if (strstr(msg, "ao 0x") || strstr(msg, " ev 0x"))
        return;
    /* the domain ids inside messages ("domN", "domid=N", "/libxl/N/") by
     * name; each replacement goes to the other buffer */
    static char named[2][4200];
    const uint32_t ids[] = { the_domid, gone_domid, hvm_domid, pvh_domid };
    static const char *const pre[] = { "dom", "domid=", "/libxl/" };
    int nb = 0;
    for (int k = 0; k < 4; k++)
        for (int p = 0; p < 3; p++) {
            char tok[32];
            snprintf(tok, sizeof(tok), "%s%u", pre[p], ids[k]);
            const char *at = strstr(msg, tok);
            const char *end = at ? at + strlen(tok) : NULL;
            if (at && !(*end >= '0' && *end <= '9')) {
                snprintf(named[nb], sizeof(named[nb]), "%.*s%s%s%s",
                         (int)(at - msg), msg, pre[p], dn(ids[k]), end);
                msg = named[nb];
                nb = !nb;
            }
        }
    /* libxl logs these with whatever errno its earlier calls left (its
     * libxl_domain_info asks flask for the domain's label): meaningless */
    if (strstr(msg, "Requested 0 VCPUs!") ||
        strstr(msg, "VCPUs, however maxcpus is"))
        errnoval = -2;
    /* "Domain N:" by name */
    char dom[32];
    unsigned id;
    int used = 0;
    if (sscanf(msg, "Domain %u:%n", &id, &used) == 1 && used) {
        snprintf(dom, sizeof(dom), "Domain %s:", dn(id));
        printf("  log %d %s [errno %d] %s%s\n", (int)level,
               context ? context : "-", errnoval, dom, msg + used);
        return;
    }
    printf("  log %d %s [errno %d] %s\n", (int)level, context ? context : "-",
           errnoval, msg);
}

/* ------------------------------------------------------------ helpers */

static libxl_ctx *ctx;
static xc_interface *xch;      /* the hypervisor's state, read directly */

/* A domain id by name. */
static const char *dn(uint32_t domid)
{
    static char buf[4][32];
    static int next;
    char *b = buf[next++ % 4];

    if (domid == the_domid)
        return "D";
    if (domid == gone_domid)
        return "GONE";
    if (domid == the_domid + 1000)
        return "D+1000";
    if (domid == hvm_domid)
        return "HVM";
    if (domid == pvh_domid)
        return "PVH";
    snprintf(b, 32, "%u", domid);
    return b;
}

/* A JSON text with every "vcpu_time": N replaced by "vcpu_time": T. */
static void print_masked(const char *what, const char *json)
{
    const char *key = "\"vcpu_time\": ";
    const char *p = json;

    printf("%s: ", what);
    while (p && *p) {
        const char *k = strstr(p, key);
        if (!k) {
            fputs(p, stdout);
            break;
        }
        fwrite(p, 1, (size_t)(k - p) + strlen(key), stdout);
        p = k + strlen(key);
        while (*p >= '0' && *p <= '9')
            p++;
        fputs("T", stdout);
    }
    printf("\n");
}

static void list(uint32_t domid)
{
    int nv = -7, nc = -7;
    char what[64];

    errno = 0;
    libxl_vcpuinfo *l = libxl_list_vcpu(ctx, domid, &nv, &nc);
    printf("list_vcpu(%s): %s nr_vcpus %d nr_cpus %d\n", dn(domid),
           l ? "list" : "NULL", nv, nc);
    for (int i = 0; l && i < nv; i++) {
        char *j = libxl_vcpuinfo_to_json(ctx, &l[i]);
        snprintf(what, sizeof(what), "  vcpu[%d]", i);
        print_masked(what, j);
        free(j);
    }
    if (l)
        libxl_vcpuinfo_list_free(l, nv);
}

static void print_map(const char *what, const uint8_t *map, int bytes)
{
    printf("%s", what);
    for (int i = 0; i < bytes; i++)
        printf("%02x", map[i]);
}

/* What the hypervisor holds for each vcpu of domid (hard, soft) and for
 * the domain (nodes). */
static void state(uint32_t domid, int vcpus)
{
    int cpusize = xc_get_cpumap_size(xch), nodesize = xc_get_nodemap_size(xch);
    uint8_t hard[64], soft[64], nodes[64];

    printf("  state:");
    for (int v = 0; v < vcpus; v++) {
        memset(hard, 0, sizeof(hard));
        memset(soft, 0, sizeof(soft));
        int r = xc_vcpu_getaffinity(xch, domid, v, hard, soft,
                                    XEN_VCPUAFFINITY_HARD |
                                    XEN_VCPUAFFINITY_SOFT);
        printf(" v%d=%d", v, r);
        print_map(",h:", hard, cpusize);
        print_map(",s:", soft, cpusize);
    }
    memset(nodes, 0, sizeof(nodes));
    printf(" nodes=%d", xc_domain_node_getaffinity(xch, domid, nodes));
    print_map(",", nodes, nodesize);
    printf("\n");
}

/* A cpu bitmap of nbits bits with the listed bits set (-1 ends). */
static libxl_bitmap mk(int nbits, ...)
{
    libxl_bitmap b;
    va_list ap;

    libxl_bitmap_init(&b);
    if (libxl_bitmap_alloc(ctx, &b, nbits))
        abort();
    va_start(ap, nbits);
    for (int bit = va_arg(ap, int); bit >= 0; bit = va_arg(ap, int))
        libxl_bitmap_set(&b, bit);
    va_end(ap);
    return b;
}

static void setaff(const char *what, int force, uint32_t domid, uint32_t vcpu,
                   const libxl_bitmap *hard, const libxl_bitmap *soft)
{
    errno = 0;
    int rc = force ? libxl_set_vcpuaffinity_force(ctx, domid, vcpu, hard, soft)
                   : libxl_set_vcpuaffinity(ctx, domid, vcpu, hard, soft);
    printf("set_vcpuaffinity%s(%s, dom %s, vcpu %u): rc %d\n",
           force ? "_force" : "", what, dn(domid), vcpu, rc);
}

static void setaff_all(const char *what, uint32_t domid, unsigned max,
                       const libxl_bitmap *hard, const libxl_bitmap *soft)
{
    errno = 0;
    int rc = libxl_set_vcpuaffinity_all(ctx, domid, max, hard, soft);
    printf("set_vcpuaffinity_all(%s, dom %s, %u vcpus): rc %d\n", what,
           dn(domid), max, rc);
}

static void getnodes(uint32_t domid)
{
    libxl_bitmap b;

    libxl_bitmap_init(&b);
    libxl_node_bitmap_alloc(ctx, &b, 0);
    memset(b.map, 0xa5, b.size);
    errno = 0;
    int rc = libxl_domain_get_nodeaffinity(ctx, domid, &b);
    printf("get_nodeaffinity(dom %s): rc %d size %u map ", dn(domid), rc,
           (unsigned)b.size);
    if (!rc)                   /* on failure it holds whatever was there */
        print_map("", b.map, (int)b.size);
    printf("\n");
    libxl_bitmap_dispose(&b);
}

static void setnodes(const char *what, uint32_t domid, libxl_bitmap *b)
{
    errno = 0;
    int rc = libxl_domain_set_nodeaffinity(ctx, domid, b);
    printf("set_nodeaffinity(%s, dom %s): rc %d\n", what, dn(domid), rc);
}

/* ------------------------------------------------------------ scheduling */

static void print_json(const char *what, int rc, char *json)
{
    printf("%s: rc %d %s\n", what, rc, json ? json : "(null)");
    free(json);
}

static void dom_get(uint32_t domid)
{
    libxl_domain_sched_params p;
    char what[64];

    libxl_domain_sched_params_init(&p);
    p.weight = 7;                  /* reset by the call */
    errno = 0;
    int rc = libxl_domain_sched_params_get(ctx, domid, &p);
    snprintf(what, sizeof(what), "domain_sched_params_get(dom %s)", dn(domid));
    print_json(what, rc, libxl_domain_sched_params_to_json(ctx, &p));
    libxl_domain_sched_params_dispose(&p);
}

/* The hypervisor's weight and cap for domid, through either scheduler. */
static void dom_state(uint32_t domid)
{
    struct xen_domctl_sched_credit2 c2;
    struct xen_domctl_sched_credit c1;

    struct xen_domctl_schedparam_vcpu v[3];
    int r2 = xc_sched_credit2_domain_get(xch, domid, &c2);
    int r1 = xc_sched_credit_domain_get(xch, domid, &c1);
    printf("  state: credit2 %d", r2);
    if (!r2)
        printf(" w%u c%u", c2.weight, c2.cap);
    printf(" credit %d", r1);
    if (!r1)
        printf(" w%u c%u", c1.weight, c1.cap);
    memset(v, 0, sizeof(v));
    for (int i = 0; i < 3; i++)
        v[i].vcpuid = (uint32_t)i;
    int rr = xc_sched_rtds_vcpu_get(xch, domid, v, domid ? 3 : 1);
    printf(" rtds %d", rr);
    for (int i = 0; !rr && i < (domid ? 3 : 1); i++)
        printf(" v%d:%u/%u%s", i, v[i].u.rtds.period, v[i].u.rtds.budget,
               v[i].u.rtds.flags & XEN_DOMCTL_SCHEDRT_extra ? "+x" : "");
    printf("\n");
}

static void dom_set(const char *what, uint32_t domid, libxl_scheduler sched,
                    int weight, int cap)
{
    libxl_domain_sched_params p;

    libxl_domain_sched_params_init(&p);
    p.sched = sched;
    p.weight = weight;
    p.cap = cap;
    errno = 0;
    int rc = libxl_domain_sched_params_set(ctx, domid, &p);
    printf("domain_sched_params_set(%s, dom %s): rc %d\n", what, dn(domid), rc);
    libxl_domain_sched_params_dispose(&p);
}

static void rtds_set(const char *what, uint32_t domid, int period, int budget,
                     int extratime)
{
    libxl_domain_sched_params p;

    libxl_domain_sched_params_init(&p);
    p.sched = LIBXL_SCHEDULER_RTDS;
    p.period = period;
    p.budget = budget;
    p.extratime = extratime;
    errno = 0;
    int rc = libxl_domain_sched_params_set(ctx, domid, &p);
    printf("domain_sched_params_set(rtds %s, dom %s): rc %d\n", what,
           dn(domid), rc);
    libxl_domain_sched_params_dispose(&p);
}

static void vcpu_calls(uint32_t domid)
{
    libxl_vcpu_sched_params p;
    int rc;

    libxl_vcpu_sched_params_init(&p);
    errno = 0;
    rc = libxl_vcpu_sched_params_get(ctx, domid, &p);
    print_json("vcpu_sched_params_get", rc,
               libxl_vcpu_sched_params_to_json(ctx, &p));
    libxl_vcpu_sched_params_dispose(&p);

    libxl_vcpu_sched_params_init(&p);
    errno = 0;
    rc = libxl_vcpu_sched_params_get_all(ctx, domid, &p);
    print_json("vcpu_sched_params_get_all", rc,
               libxl_vcpu_sched_params_to_json(ctx, &p));
    libxl_vcpu_sched_params_dispose(&p);

    /* vcpus by id: RTDS's per-vcpu getter and setter, good and bad */
    static const struct { int id, period, budget, extra; } rows[][3] = {
        { { 2, 20000, 5000, 0 }, { 0, 10000, 2000, 1 }, { -9, 0, 0, 0 } },
        { { 1, 100, 100, 1 }, { -9, 0, 0, 0 } },
        { { 3, 10000, 2000, 1 }, { -9, 0, 0, 0 } },   /* past the vcpus */
        { { -1, 10000, 2000, 1 }, { -9, 0, 0, 0 } },
        { { 0, 100, 200, 1 }, { -9, 0, 0, 0 } },      /* budget > period */
        { { 0, 0, 0, 1 }, { -9, 0, 0, 0 } },
        { { 0, 5, 5, 1 }, { -9, 0, 0, 0 } },          /* below Xen's 10 us */
        { { -9, 0, 0, 0 } },                          /* no vcpu at all */
    };
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        int n = 0;
        while (n < 3 && rows[r][n].id != -9)
            n++;
        libxl_vcpu_sched_params_init(&p);
        p.num_vcpus = n;
        p.vcpus = n ? calloc((size_t)n, sizeof(*p.vcpus)) : NULL;
        for (int i = 0; i < n; i++) {
            libxl_sched_params_init(&p.vcpus[i]);
            p.vcpus[i].vcpuid = rows[r][i].id;
            p.vcpus[i].period = rows[r][i].period;
            p.vcpus[i].budget = rows[r][i].budget;
            p.vcpus[i].extratime = rows[r][i].extra;
        }
        errno = 0;
        rc = libxl_vcpu_sched_params_set(ctx, domid, &p);
        printf("vcpu_sched_params_set(row %zu): rc %d\n", r, rc);
        errno = 0;
        rc = libxl_vcpu_sched_params_get(ctx, domid, &p);
        print_json("vcpu_sched_params_get", rc,
                   libxl_vcpu_sched_params_to_json(ctx, &p));
        libxl_vcpu_sched_params_dispose(&p);
    }
    dom_state(domid);

    libxl_vcpu_sched_params_init(&p);
    p.num_vcpus = 1;
    p.vcpus = calloc(1, sizeof(*p.vcpus));
    libxl_sched_params_init(&p.vcpus[0]);
    p.vcpus[0].vcpuid = 0;
    p.vcpus[0].period = 10000;
    p.vcpus[0].budget = 2000;
    errno = 0;
    rc = libxl_vcpu_sched_params_set(ctx, domid, &p);
    printf("vcpu_sched_params_set: rc %d\n", rc);
    errno = 0;
    rc = libxl_vcpu_sched_params_set_all(ctx, domid, &p);
    printf("vcpu_sched_params_set_all: rc %d\n", rc);
    dom_state(domid);
    p.vcpus[0].period = 50;
    errno = 0;
    rc = libxl_vcpu_sched_params_set_all(ctx, domid, &p);
    printf("vcpu_sched_params_set_all(budget > period): rc %d\n", rc);
    p.vcpus[0].period = 30000;
    p.vcpus[0].extratime = 0;
    errno = 0;
    rc = libxl_vcpu_sched_params_set_all(ctx, domid, &p);
    printf("vcpu_sched_params_set_all(30000/2000): rc %d\n", rc);
    dom_state(domid);
    p.sched = LIBXL_SCHEDULER_SEDF;
    errno = 0;
    rc = libxl_vcpu_sched_params_set(ctx, domid, &p);
    printf("vcpu_sched_params_set(sedf): rc %d\n", rc);
    p.sched = LIBXL_SCHEDULER_ARINC653;
    errno = 0;
    rc = libxl_vcpu_sched_params_set_all(ctx, domid, &p);
    printf("vcpu_sched_params_set_all(arinc653): rc %d\n", rc);
    p.sched = 99;
    errno = 0;
    rc = libxl_vcpu_sched_params_set(ctx, domid, &p);
    printf("vcpu_sched_params_set(99): rc %d\n", rc);
    libxl_vcpu_sched_params_dispose(&p);
}

static void pool_state(void)
{
    struct xen_sysctl_credit2_schedule c2;
    struct xen_sysctl_credit_schedule c1;

    int r2 = xc_sched_credit2_params_get(xch, 0, &c2);
    int r1 = xc_sched_credit_params_get(xch, 0, &c1);
    printf("  state: credit2 %d", r2);
    if (!r2)
        printf(" r%u", c2.ratelimit_us);
    printf(" credit %d", r1);
    if (!r1)
        printf(" t%u r%u m%u", c1.tslice_ms, c1.ratelimit_us,
               c1.vcpu_migr_delay_us);
    printf("\n");
}

static void pool_get(uint32_t poolid)
{
    libxl_sched_credit2_params c2;
    libxl_sched_credit_params c1;
    char what[64];
    int rc;

    libxl_sched_credit2_params_init(&c2);
    errno = 0;
    rc = libxl_sched_credit2_params_get(ctx, poolid, &c2);
    snprintf(what, sizeof(what), "sched_credit2_params_get(pool %u)", poolid);
    print_json(what, rc, libxl_sched_credit2_params_to_json(ctx, &c2));
    libxl_sched_credit_params_init(&c1);
    errno = 0;
    rc = libxl_sched_credit_params_get(ctx, poolid, &c1);
    snprintf(what, sizeof(what), "sched_credit_params_get(pool %u)", poolid);
    print_json(what, rc, libxl_sched_credit_params_to_json(ctx, &c1));
}

static void credit2_set(uint32_t poolid, int ratelimit)
{
    libxl_sched_credit2_params c2;

    libxl_sched_credit2_params_init(&c2);
    c2.ratelimit_us = ratelimit;
    errno = 0;
    int rc = libxl_sched_credit2_params_set(ctx, poolid, &c2);
    printf("sched_credit2_params_set(pool %u, %d): rc %d now %d\n", poolid,
           ratelimit, rc, c2.ratelimit_us);
}

static void credit_set(uint32_t poolid, int tslice, int ratelimit, int delay)
{
    libxl_sched_credit_params c1;

    libxl_sched_credit_params_init(&c1);
    c1.tslice_ms = tslice;
    c1.ratelimit_us = ratelimit;
    c1.vcpu_migr_delay_us = delay;
    errno = 0;
    int rc = libxl_sched_credit_params_set(ctx, poolid, &c1);
    printf("sched_credit_params_set(pool %u, %d, %d, %d): rc %d now %d %d %d\n",
           poolid, tslice, ratelimit, delay, rc, c1.tslice_ms, c1.ratelimit_us,
           c1.vcpu_migr_delay_us);
}

static void scheduling(uint32_t domid)
{
    struct xen_sysctl_credit2_schedule c2;
    struct xen_sysctl_credit_schedule c1;
    int r2 = xc_sched_credit2_params_get(xch, 0, &c2);
    int r1 = xc_sched_credit_params_get(xch, 0, &c1);

    dom_get(domid);
    dom_get(0);
    dom_get(domid + 1000);
    dom_get(gone_domid);
    dom_get(0x7ff0);
    dom_state(domid);
    dom_set("weight 512", domid, LIBXL_SCHEDULER_UNKNOWN, 512, -1);
    dom_state(domid);
    dom_set("cap 150", domid, LIBXL_SCHEDULER_UNKNOWN, -1, 150);
    dom_state(domid);
    dom_get(domid);
    dom_set("defaults", domid, LIBXL_SCHEDULER_UNKNOWN, -1, -1);
    dom_state(domid);
    dom_set("cap 0", domid, LIBXL_SCHEDULER_UNKNOWN, -1, 0);
    dom_state(domid);
    dom_set("weight 0", domid, LIBXL_SCHEDULER_UNKNOWN, 0, -1);
    dom_set("weight 65536", domid, LIBXL_SCHEDULER_UNKNOWN, 65536, -1);
    dom_set("weight -2", domid, LIBXL_SCHEDULER_UNKNOWN, -2, -1);
    dom_set("weight 65535", domid, LIBXL_SCHEDULER_UNKNOWN, 65535, -1);
    dom_set("cap 301", domid, LIBXL_SCHEDULER_UNKNOWN, -1, 301);
    dom_set("cap 300", domid, LIBXL_SCHEDULER_UNKNOWN, -1, 300);
    dom_set("cap -2", domid, LIBXL_SCHEDULER_UNKNOWN, -1, -2);
    dom_state(domid);
    dom_set("credit weight 100", domid, LIBXL_SCHEDULER_CREDIT, 100, -1);
    dom_set("credit2 weight 200", domid, LIBXL_SCHEDULER_CREDIT2, 200, -1);
    dom_state(domid);
    dom_set("sedf", domid, LIBXL_SCHEDULER_SEDF, 1, -1);
    dom_set("arinc653", domid, LIBXL_SCHEDULER_ARINC653, 1, -1);
    dom_set("null", domid, LIBXL_SCHEDULER_NULL, 1, -1);
    dom_set("rtds", domid, LIBXL_SCHEDULER_RTDS, 1, -1);
    dom_set("99", domid, 99, 1, -1);
    rtds_set("period 20000 budget 3000", domid, 20000, 3000, 0);
    dom_state(domid);
    rtds_set("budget 30000", domid, -1, 30000, 1);
    rtds_set("period 0", domid, 0, -1, 1);
    rtds_set("period 5000", domid, 5000, -1, -1);
    dom_state(domid);
    dom_set("weight 300", domid + 1000, LIBXL_SCHEDULER_UNKNOWN, 300, -1);
    dom_set("credit2 weight 300", domid + 1000, LIBXL_SCHEDULER_CREDIT2, 300, -1);
    dom_set("credit weight 300", gone_domid, LIBXL_SCHEDULER_CREDIT, 300, -1);
    dom_set("weight 300", 0, LIBXL_SCHEDULER_UNKNOWN, 300, -1);
    dom_state(0);
    dom_set("defaults", 0, LIBXL_SCHEDULER_UNKNOWN, 256, 0);
    dom_state(0);
    vcpu_calls(domid);
    vcpu_calls(domid + 1000);

    pool_state();
    pool_get(0);
    pool_get(1);
    credit2_set(0, 50);
    credit2_set(0, 600000);
    credit2_set(0, -1);
    credit2_set(0, 0);
    pool_state();
    credit2_set(0, 2000);
    pool_state();
    credit2_set(1, 2000);
    credit_set(0, 0, 1000, 0);
    credit_set(0, 1001, 1000, 0);
    credit_set(0, 10, 50, 0);
    credit_set(0, 10, 20000, 0);
    credit_set(0, 10, 1000, 100001);
    credit_set(0, 10, 1000, -1);
    credit_set(0, 10, 0, 500);
    pool_state();
    credit_set(0, 5, 5000, 0);
    credit_set(1, 10, 1000, 0);
    pool_get(0);

    /* pool 0's parameters as they were */
    if (!r2)
        xc_sched_credit2_params_set(xch, 0, &c2);
    if (!r1)
        xc_sched_credit_params_set(xch, 0, &c1);
    pool_state();
}

/* ------------------------------------------------------------ vcpus online */

static struct xs_handle *xsh;

static void online_state(uint32_t domid, unsigned n)
{
    printf("  state:");
    for (unsigned v = 0; v < n; v++) {
        char path[80];
        unsigned len;
        snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability",
                 domid, v);
        char *val = xs_read(xsh, XBT_NULL, path, &len);
        printf(" %u=%s", v, val ? val : "-");
        free(val);
    }
    printf("\n");
}

static int cb_calls, cb_rc;

static void online_cb(libxl_ctx *c, int rc, void *user)
{
    (void)c; (void)user;
    cb_calls++;
    cb_rc = rc;
}

static void online(const char *what, uint32_t domid, libxl_bitmap *map,
                   unsigned show, bool async)
{
    libxl_asyncop_how how = { .callback = online_cb };

    cb_calls = 0;
    cb_rc = 99;
    errno = 0;
    int rc = libxl_set_vcpuonline(ctx, domid, map, async ? &how : NULL);
    printf("set_vcpuonline(%s, dom %s%s): rc %d", what, dn(domid),
           async ? ", callback" : "", rc);
    if (async)
        printf(" callback %d rc %d", cb_calls, cb_rc);
    printf("\n");
    if (show)
        online_state(domid, show);
}

static void xs_set(const char *fmt, uint32_t domid, const char *value)
{
    char path[80];

    snprintf(path, sizeof(path), fmt, domid);
    if (value)
        xs_write(xsh, XBT_NULL, path, value, strlen(value));
    else
        xs_rm(xsh, XBT_NULL, path);
}

static void vcpus_online(uint32_t domid)
{
    libxl_bitmap all = mk(8, 0, 1, 2, -1);
    libxl_bitmap first = mk(8, 0, -1);
    libxl_bitmap four = mk(8, 0, 1, 2, 3, -1);
    libxl_bitmap far = mk(16, 1, 9, -1);
    libxl_bitmap none = mk(8, -1);
    libxl_bitmap empty;

    libxl_bitmap_init(&empty);
    xsh = xs_open(0);
    if (!xsh)
        abort();
    online_state(domid, 4);
    online("0", domid, &first, 4, false);
    online("0-2", domid, &all, 4, false);
    online("1,9", domid, &far, 4, false);
    online("none", domid, &none, 4, false);
    online("empty", domid, &empty, 4, false);
    online("0-3", domid, &four, 4, false);
    online("0", domid, &first, 4, true);
    online("0-3", domid, &four, 4, true);
    online("0", domid + 1000, &first, 0, false);
    online("0", domid + 1000, &first, 0, true);
    online("0", gone_domid, &first, 0, false);
    online("0", 0x7ff0, &first, 0, false);

    online("0", hvm_domid, &first, 2, false);       /* no device model */
    xs_set("/libxl/%u/dm-version", hvm_domid, "qemu_xen_traditional");
    online("0 traditional", hvm_domid, &first, 2, false);
    xs_set("/libxl/%u/dm-version", hvm_domid, "qemu-xen-bogus");
    online("0 bogus dm", hvm_domid, &first, 2, false);
    xs_set("/libxl/%u/dm-version", hvm_domid, NULL);
    xs_set("/libxl/%u/type", hvm_domid, "frobnicated");
    online("0 bogus type", hvm_domid, &first, 2, false);
    xs_set("/libxl/%u/type", hvm_domid, NULL);
    online("0 no type", hvm_domid, &first, 2, false);
    xs_set("/libxl/%u/type", hvm_domid, "pv");      /* libxl believes it */
    online("0 says pv", hvm_domid, &first, 2, false);
    xs_set("/libxl/%u/type", hvm_domid, "hvm");
    online("0", pvh_domid, &first, 2, false);
    online("0-2", pvh_domid, &all, 2, false);

    xs_close(xsh);
    libxl_bitmap_dispose(&all);
    libxl_bitmap_dispose(&first);
    libxl_bitmap_dispose(&four);
    libxl_bitmap_dispose(&far);
    libxl_bitmap_dispose(&none);
}

/* ------------------------------------------------------------ sections */

static void vcpu_lists(uint32_t domid)
{
    list(0);
    list(domid);
    list(domid + 1000);            /* no domain from there on */
    list(0x7ff0);                  /* DOMID_FIRST_RESERVED */
    list(gone_domid);              /* gone: the next domain answers first */
}

static void vcpu_affinity(uint32_t domid)
{
    int ncpus = libxl_get_max_cpus(ctx);
    libxl_bitmap cpu0 = mk(ncpus, 0, -1);
    libxl_bitmap last = mk(ncpus, ncpus - 1, -1);
    libxl_bitmap all = mk(ncpus, -1);
    libxl_bitmap none = mk(ncpus, -1);
    libxl_bitmap past = mk(256, 200, -1);          /* a cpu past the host */
    libxl_bitmap cpu0past = mk(256, 0, 7, 100, -1); /* some of them past it */
    libxl_bitmap big = mk(256, -1);
    libxl_bitmap empty;

    libxl_bitmap_set_any(&all);
    libxl_bitmap_set_any(&big);
    libxl_bitmap_init(&empty);        /* size 0, no map */

    state(domid, 3);
    setaff("hard cpu0", 0, domid, 0, &cpu0, NULL);
    state(domid, 3);
    setaff("soft last", 0, domid, 1, NULL, &last);
    state(domid, 3);
    setaff("hard last soft cpu0", 0, domid, 2, &last, &cpu0);
    state(domid, 3);
    list(domid);
    setaff("hard cpu0+past", 0, domid, 1, &cpu0past, NULL);
    state(domid, 3);
    setaff("hard past", 0, domid, 1, &past, NULL);
    setaff("hard none", 0, domid, 1, &none, NULL);
    setaff("hard empty", 0, domid, 1, &empty, NULL);
    setaff("soft none", 0, domid, 1, NULL, &none);
    state(domid, 3);
    setaff("soft empty", 0, domid, 1, NULL, &empty);
    setaff("neither", 0, domid, 1, NULL, NULL);
    setaff("neither", 1, domid, 1, NULL, NULL);
    setaff("hard all", 1, domid, 1, &all, NULL);
    setaff("hard big soft big", 0, domid, 0, &big, &big);
    state(domid, 3);
    setaff("hard all", 0, domid, 3, &all, NULL);     /* past max_vcpus */
    setaff("hard all", 0, domid, 4096, &all, NULL);
    setaff("hard all", 0, domid + 1000, 0, &all, NULL);
    setaff("hard all", 0, 0x7ff0, 0, &all, NULL);
    setaff_all("hard cpu0", domid, 3, &cpu0, NULL);
    state(domid, 3);
    setaff_all("hard all soft cpu0", domid, 5, &all, &cpu0);
    state(domid, 3);
    setaff_all("neither", domid, 2, NULL, NULL);
    setaff_all("hard all soft all", domid, 0, &all, &all);
    setaff_all("hard all soft all", domid, 3, &all, &all);
    state(domid, 3);

    libxl_bitmap_dispose(&cpu0);
    libxl_bitmap_dispose(&last);
    libxl_bitmap_dispose(&all);
    libxl_bitmap_dispose(&none);
    libxl_bitmap_dispose(&past);
    libxl_bitmap_dispose(&cpu0past);
    libxl_bitmap_dispose(&big);
}

static void node_affinity(uint32_t domid)
{
    int nnodes = libxl_get_max_nodes(ctx);
    /* libxc reads max-nodes bits (64: Xen's MAX_NUMNODES) from any map it
     * is given, so every map here is at least that wide */
    int width = nnodes > 64 ? nnodes : 64;
    libxl_bitmap node0 = mk(nnodes, 0, -1);
    libxl_bitmap node5 = mk(width, 5, -1);
    libxl_bitmap node05 = mk(width, 0, 5, -1);
    libxl_bitmap none = mk(width, -1);
    libxl_bitmap all = mk(width, -1);

    libxl_bitmap_set_any(&all);
    getnodes(domid);
    getnodes(0);
    getnodes(domid + 1000);
    setnodes("node0", domid, &node0);
    state(domid, 1);
    getnodes(domid);
    setnodes("node0+5", domid, &node05);
    state(domid, 1);
    getnodes(domid);
    setnodes("node5", domid, &node5);
    setnodes("none", domid, &none);
    state(domid, 1);
    setnodes("all 64", domid, &all);
    state(domid, 1);
    getnodes(domid);
    setnodes("node0", domid + 1000, &node0);
    setnodes("node0", 0x7ff0, &node0);

    libxl_bitmap_dispose(&node0);
    libxl_bitmap_dispose(&node5);
    libxl_bitmap_dispose(&node05);
    libxl_bitmap_dispose(&none);
    libxl_bitmap_dispose(&all);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 0);
    the_domid = domid;
    gone_domid = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : domid;
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger);
    printf("ctx_alloc = %d\n", rc);
    if (rc)
        return 1;

    if (!strcmp(argv[1], "list")) {
        list(domid);
    } else if (!strcmp(argv[1], "getnodes")) {
        getnodes(domid);
    } else if (!strcmp(argv[1], "getsched")) {
        dom_get(domid);
    } else if (!strcmp(argv[1], "avail")) {
        xsh = xs_open(0);
        if (!xsh)
            return 1;
        online_state(domid, 4);
        xs_close(xsh);
    } else if (!strcmp(argv[1], "getpool")) {
        pool_get(0);
    } else if (!strcmp(argv[1], "online") && argc == 6) {
        hvm_domid = (uint32_t)strtoul(argv[4], NULL, 0);
        pvh_domid = (uint32_t)strtoul(argv[5], NULL, 0);
        vcpus_online(domid);
    } else if (!strcmp(argv[1], "online-qemu") && argc == 5) {
        /* an HVM guest of upstream QEMU (lightcore only: no QMP yet) */
        hvm_domid = (uint32_t)strtoul(argv[4], NULL, 0);
        libxl_bitmap first = mk(8, 0, -1);
        xsh = xs_open(0);
        if (!xsh)
            return 1;
        libxl_bitmap two = mk(8, 0, 1, -1);
        libxl_bitmap three = mk(8, 0, 1, 2, -1);
        libxl_bitmap far = mk(16, 0, 9, -1);
        xs_set("/libxl/%u/dm-version", hvm_domid, "qemu_xen");
        qmp_mode = true;
        online("0 qemu", hvm_domid, &first, 4, false);
        online("0-1 qemu", hvm_domid, &two, 4, false);
        online("0,9 qemu", hvm_domid, &far, 4, false);
        online("0-2 qemu", hvm_domid, &three, 4, false);
        online("0 qemu", hvm_domid, &first, 4, false);
        xs_close(xsh);
        libxl_bitmap_dispose(&first);
        libxl_bitmap_dispose(&two);
        libxl_bitmap_dispose(&three);
        libxl_bitmap_dispose(&far);
    } else if (!strcmp(argv[1], "sched")) {
        xch = xc_interface_open(NULL, NULL, 0);
        if (!xch)
            return 1;
        scheduling(domid);
        xc_interface_close(xch);
    } else if (!strcmp(argv[1], "all")) {
        xch = xc_interface_open(NULL, NULL, 0);
        if (!xch)
            return 1;
        vcpu_lists(domid);
        vcpu_affinity(domid);
        node_affinity(domid);
        xc_interface_close(xch);
    } else {
        return 2;
    }
    printf("ctx_free = %d\n", libxl_ctx_free(ctx));
    return 0;
}
