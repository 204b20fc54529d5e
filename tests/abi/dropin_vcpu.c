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
 *        dropin-vcpu-* list DOMID       one libxl_list_vcpu (hypercall counts)
 *        dropin-vcpu-* getnodes DOMID   one get_nodeaffinity (counts)
 * Domain ids are printed by name (D, GONE, D+1000 ...), in log lines too,
 * so that runs on different fresh domains compare.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenctrl.h>

/* ------------------------------------------------------------ logger */

static const char *dn(uint32_t domid);

static void probe_vmessage(xentoollog_logger *lg, xentoollog_level level,
                           int errnoval, const char *context,
                           const char *format, va_list al)
{
    char buf[2048];
    const char *msg = buf;

    (void)lg;
    vsnprintf(buf, sizeof(buf), format, al);
    for (int colons = 0; *msg && colons < 3; msg++)
        if (*msg == ':')
            colons++;
    if (*msg == ' ')
        msg++;
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

static void probe_progress(xentoollog_logger *lg, const char *context,
                           const char *doing_what, int percent,
                           unsigned long done, unsigned long total)
{
    (void)lg; (void)context; (void)doing_what; (void)percent; (void)done;
    (void)total;
}

static void probe_destroy(xentoollog_logger *lg)
{
    (void)lg;
}

static xentoollog_logger probe_logger = {
    probe_vmessage, probe_progress, probe_destroy,
};

/* ------------------------------------------------------------ helpers */

static libxl_ctx *ctx;
static xc_interface *xch;      /* the hypervisor's state, read directly */
static uint32_t the_domid, gone_domid;

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
    libxl_bitmap node0 = mk(nnodes, 0, -1);
    libxl_bitmap node5 = mk(8, 5, -1);
    libxl_bitmap node05 = mk(8, 0, 5, -1);
    libxl_bitmap none = mk(8, -1);
    libxl_bitmap all = mk(64, -1);

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
