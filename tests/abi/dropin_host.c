/*
 * dropin_host.c: the drop-in probe for the host information and control
 * calls (physinfo, topologies, free memory, scheduler, console ring,
 * debug keys, runtime parameters). Built against Debian's headers and
 * library (dropin-host-debian) and against lightcore's (dropin-host-ours);
 * run on one simulated host as Debian's, as Debian's binary on lightcore
 * and as ours (tests/integration/ops/test_dropin_host.c).
 *
 *   dropin-host info      the getters' results (generated _to_json) and rc
 *   dropin-host console   console readers and debug keys: the lines read
 *   dropin-host params    libxl_set_parameters, and /params after each
 *   dropin-host counts    the hypercalls each getter makes ("NAME N" lines;
 *                         the simulator's counters, found with dlsym in the
 *                         preloaded simulator), compared, not diffed
 *
 * Log lines are printed without libxl's "FILE:LINE:FUNC: " prefix, which
 * names each library's own source. Left out, where libxl 4.17 crashes: a
 * NULL count for the topology lists, a NULL line pointer or reader for the
 * console calls, a reader used after read_finish, and set_parameters with
 * an item that is neither name=value nor noname.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenhypfs.h>

#include <libxl.h>
#include <libxl_utils.h>

/* ------------------------------------------------------------ logger */

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    probe_log_print(level, errnoval, context, msg);
}

/* ------------------------------------------------------------ info */

static void print_json(const char *what, char *json)
{
    printf("%s: %s\n", what, json ? json : "(null)");
    free(json);
}

static void print_bitmap(libxl_ctx *ctx, const char *what, int rc,
                         const libxl_bitmap *b)
{
    char *hex = libxl_bitmap_to_hex_string(ctx, b);

    printf("%s: rc %d size %u hex %s\n", what, rc, (unsigned)b->size,
           hex ? hex : "(null)");
    free(hex);
}

static void info(libxl_ctx *ctx)
{
    libxl_physinfo pi;
    libxl_bitmap b;
    int rc, n;

    libxl_physinfo_init(&pi);
    rc = libxl_get_physinfo(ctx, &pi);
    printf("get_physinfo: rc %d\n", rc);
    print_json("physinfo", libxl_physinfo_to_json(ctx, &pi));
    libxl_physinfo_dispose(&pi);

    printf("get_online_cpus: %d\n", libxl_get_online_cpus(ctx));
    printf("get_max_cpus: %d\n", libxl_get_max_cpus(ctx));
    printf("get_max_nodes: %d\n", libxl_get_max_nodes(ctx));
    rc = libxl_get_scheduler(ctx);
    printf("get_scheduler: %d %s\n", rc,
           rc >= 0 ? libxl_scheduler_to_string(rc) : "-");

    n = -5;
    libxl_cputopology *ct = libxl_get_cpu_topology(ctx, &n);
    printf("get_cpu_topology: %s, %d\n", ct ? "list" : "NULL", n);
    for (int i = 0; ct && i < n; i++)
        print_json("  cpu", libxl_cputopology_to_json(ctx, &ct[i]));
    libxl_cputopology_list_free(ct, n);

    n = -5;
    libxl_pcitopology *pt = libxl_get_pci_topology(ctx, &n);
    printf("get_pci_topology: %s, %d\n", pt ? "list" : "NULL", n);
    for (int i = 0; pt && i < n; i++)
        print_json("  pci", libxl_pcitopology_to_json(ctx, &pt[i]));
    libxl_pcitopology_list_free(pt, n);

    n = -5;
    libxl_numainfo *ni = libxl_get_numainfo(ctx, &n);
    printf("get_numainfo: %s, %d\n", ni ? "list" : "NULL", n);
    for (int i = 0; ni && i < n; i++)
        print_json("  node", libxl_numainfo_to_json(ctx, &ni[i]));
    libxl_numainfo_list_free(ni, n);

    /* Host-sized, too small and empty socket maps. */
    libxl_bitmap_init(&b);
    rc = libxl_socket_bitmap_alloc(ctx, &b, 0);
    libxl_bitmap_set_any(&b);
    rc = rc ? rc : libxl_get_online_socketmap(ctx, &b);
    print_bitmap(ctx, "get_online_socketmap(host-sized)", rc, &b);
    libxl_bitmap_dispose(&b);
    libxl_bitmap_init(&b);
    rc = libxl_bitmap_alloc(ctx, &b, 64);
    rc = rc ? rc : libxl_get_online_socketmap(ctx, &b);
    print_bitmap(ctx, "get_online_socketmap(64)", rc, &b);
    libxl_bitmap_dispose(&b);
    libxl_bitmap_init(&b);
    rc = libxl_get_online_socketmap(ctx, &b);
    print_bitmap(ctx, "get_online_socketmap(empty)", rc, &b);
    libxl_bitmap_dispose(&b);

    /* The CPUs of a node, of a node the host lacks, of no node. */
    static const int nodes[] = { 0, 1, -1, 4096 };
    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        char what[64];

        libxl_bitmap_init(&b);
        rc = libxl_cpu_bitmap_alloc(ctx, &b, 0);
        libxl_bitmap_set_any(&b);
        rc = rc ? rc : libxl_node_to_cpumap(ctx, nodes[i], &b);
        snprintf(what, sizeof(what), "node_to_cpumap(%d)", nodes[i]);
        print_bitmap(ctx, what, rc, &b);
        libxl_bitmap_dispose(&b);
    }

    uint64_t kb = 7;
    rc = libxl_get_free_memory(ctx, &kb);
    printf("get_free_memory: rc %d kb %" PRIu64 "\n", rc, kb);
    uint32_t kb32 = 7;
    rc = libxl_get_free_memory_0x040700(ctx, &kb32);
    printf("get_free_memory_0x040700: rc %d kb %" PRIu32 "\n", rc, kb32);
}

/* ------------------------------------------------------------ console */

/* Reads up to max pieces with cr, printing each (escaped). */
static void read_lines(libxl_ctx *ctx, libxl_xen_console_reader *cr,
                       const char *what, int max)
{
    for (int i = 0; i < max; i++) {
        char *line = (char *)"untouched";
        int rc = libxl_xen_console_read_line(ctx, cr, &line);

        printf("%s read %d: rc %d", what, i, rc);
        if (!line) {
            printf(" line NULL\n");
        } else if (rc > 0) {
            printf(" %zu chars:\n", strlen(line));
            for (const char *l = line; *l;) {
                const char *nl = strchr(l, '\n');
                int len = nl ? (int)(nl - l) : (int)strlen(l);
                printf("  | %.*s%s\n", len, l, nl ? "" : " (no newline)");
                l += len + (nl ? 1 : 0);
            }
        } else {
            printf(" line %s\n", line);
        }
        if (rc <= 0)
            return;
    }
}

static void console(libxl_ctx *ctx)
{
    libxl_xen_console_reader *a, *b, *c;

    a = libxl_xen_console_read_start(ctx, 0);
    printf("read_start(0): %s\n", a ? "reader" : "NULL");
    if (!a)
        return;
    read_lines(ctx, a, "a", 8);
    /* Past the end, again and again. */
    read_lines(ctx, a, "a again", 3);
    read_lines(ctx, a, "a again", 3);

    /* Debug keys print on the console; a used-up reader sees nothing
     * more, a new one sees everything again. */
    printf("send_debug_keys(h): %d\n", libxl_send_debug_keys(ctx, (char *)"h"));
    printf("send_debug_keys(empty): %d\n", libxl_send_debug_keys(ctx, (char *)""));
    printf("send_debug_keys(unknown): %d\n",
           libxl_send_debug_keys(ctx, (char *)"\x01~?"));
    printf("send_debug_keys(qr): %d\n", libxl_send_debug_keys(ctx, (char *)"qr"));
    read_lines(ctx, a, "a after keys", 3);
    b = libxl_xen_console_read_start(ctx, 0);
    printf("read_start(0): %s\n", b ? "reader" : "NULL");
    if (b)
        read_lines(ctx, b, "b", 8);

    /* A clearing reader empties the ring as it reads. */
    c = libxl_xen_console_read_start(ctx, 1);
    printf("read_start(1): %s\n", c ? "reader" : "NULL");
    if (c) {
        read_lines(ctx, c, "c", 8);
        libxl_xen_console_read_finish(ctx, c);
    }
    c = libxl_xen_console_read_start(ctx, 7);
    printf("read_start(7): %s\n", c ? "reader" : "NULL");
    if (c) {
        read_lines(ctx, c, "c2", 3);
        libxl_xen_console_read_finish(ctx, c);
    }
    printf("send_debug_keys(t): %d\n", libxl_send_debug_keys(ctx, (char *)"t"));
    read_lines(ctx, a, "a after clear", 3);
    if (b)
        read_lines(ctx, b, "b after clear", 3);
    c = libxl_xen_console_read_start(ctx, 0);
    if (c) {
        read_lines(ctx, c, "c3", 3);
        libxl_xen_console_read_finish(ctx, c);
    }
    libxl_xen_console_read_finish(ctx, a);
    if (b)
        libxl_xen_console_read_finish(ctx, b);
}

/* ------------------------------------------------------------ params */

static void show_params(void)
{
    static const char *const names[] = { "loglvl", "guest_loglvl",
                                         "conswitch", "global-pages" };
    xenhypfs_handle *h = xenhypfs_open(NULL, 0);

    printf("  params:");
    for (size_t i = 0; h && i < sizeof(names) / sizeof(names[0]); i++) {
        char path[64];
        snprintf(path, sizeof(path), "/params/%s", names[i]);
        char *v = xenhypfs_read(h, path);
        printf(" %s=%s", names[i], v ? v : "?");
        free(v);
    }
    printf("\n");
    xenhypfs_close(h);
}

static void params(libxl_ctx *ctx)
{
    static const char *const cases[] = {
        /* the same start for every run */
        "loglvl=warning guest_loglvl=none/warning conswitch=a global-pages=1",
        "loglvl=all",
        "  guest_loglvl=info/all   conswitch=b ",
        "noglobal-pages",
        "global-pages=yes",
        "global-pages=off loglvl=error/info",
        "",
        "    ",
        "loglvl=bogus",
        "nosuch=1",
        "nonosuch",
        "conswitch=toolong",
        "global-pages=maybe",
        "global-pages=",
        "=1",
        "no",
        "loglvl=all nosuch=1 guest_loglvl=all",
        "loglvl=info\tguest_loglvl=all",
        "conswitch=c=d",
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *p = strdup(cases[i]);

        errno = 0;
        printf("set_parameters(\"%s\"):\n", cases[i]);
        int rc = libxl_set_parameters(ctx, p);
        printf("  rc %d\n", rc);
        free(p);
        show_params();
    }
}

/* ------------------------------------------------------------ counts */

typedef bool counter_iter_fn(unsigned *cursor, const char **name,
                             uint64_t *value);

#define MAX_COUNTERS 64
struct snapshot {
    int n;
    char name[MAX_COUNTERS][64];
    uint64_t value[MAX_COUNTERS];
};

/* The simulator's hypercall counters of clients (not xenstored's). */
static void snap(counter_iter_fn *iter, struct snapshot *s)
{
    unsigned cursor = 0;
    const char *name;
    uint64_t v;

    s->n = 0;
    while (iter(&cursor, &name, &v) && s->n < MAX_COUNTERS)
        if (!strncmp(name, "hypercall.", 10)) {
            snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
            s->value[s->n++] = v;
        }
}

static uint64_t value_in(const struct snapshot *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name))
            return s->value[i];
    return 0;
}

/* "count WHAT TOTAL" then the calls by hypercall. */
static void print_delta(const char *what, const struct snapshot *before,
                        const struct snapshot *after)
{
    uint64_t total = 0;

    for (int i = 0; i < after->n; i++)
        total += after->value[i] - value_in(before, after->name[i]);
    printf("count %s %" PRIu64 "\n", what, total);
    for (int i = 0; i < after->n; i++) {
        uint64_t d = after->value[i] - value_in(before, after->name[i]);
        if (d)
            printf("  %s %" PRIu64 "\n", after->name[i], d);
    }
}

static void counts(libxl_ctx *ctx)
{
    counter_iter_fn *iter =
        (counter_iter_fn *)dlsym(RTLD_DEFAULT, "xensim_counter_iter");
    struct snapshot *before = calloc(1, sizeof(*before));
    struct snapshot *after = calloc(1, sizeof(*after));
    libxl_physinfo pi;
    libxl_bitmap b;
    uint64_t kb;
    uint32_t kb32;
    int n;

    if (!iter || !before || !after) {
        printf("no simulator counters\n");
        goto out;
    }
#define COUNT(what, call) do { \
        snap(iter, before); \
        call; \
        snap(iter, after); \
        print_delta(what, before, after); \
    } while (0)
    libxl_physinfo_init(&pi);
    COUNT("get_physinfo", libxl_get_physinfo(ctx, &pi));
    libxl_physinfo_dispose(&pi);
    COUNT("get_online_cpus", libxl_get_online_cpus(ctx));
    COUNT("get_scheduler", libxl_get_scheduler(ctx));
    COUNT("get_free_memory", libxl_get_free_memory(ctx, &kb));
    COUNT("get_free_memory_0x040700",
          libxl_get_free_memory_0x040700(ctx, &kb32));
    /* (the lists are freed outside the count: n is set by the call) */
    libxl_cputopology *ct;
    libxl_pcitopology *pt;
    libxl_numainfo *ni;
    n = 0;
    COUNT("get_cpu_topology", ct = libxl_get_cpu_topology(ctx, &n));
    libxl_cputopology_list_free(ct, n);
    n = 0;
    COUNT("get_pci_topology", pt = libxl_get_pci_topology(ctx, &n));
    libxl_pcitopology_list_free(pt, n);
    n = 0;
    COUNT("get_numainfo", ni = libxl_get_numainfo(ctx, &n));
    libxl_numainfo_list_free(ni, n);
    libxl_bitmap_init(&b);
    libxl_bitmap_alloc(ctx, &b, 64);
    COUNT("get_online_socketmap", libxl_get_online_socketmap(ctx, &b));
    COUNT("node_to_cpumap", libxl_node_to_cpumap(ctx, 0, &b));
    libxl_bitmap_dispose(&b);
    COUNT("send_debug_keys", libxl_send_debug_keys(ctx, (char *)"t"));
    char p[] = "loglvl=warning";
    COUNT("set_parameters", libxl_set_parameters(ctx, p));
    COUNT("xen_console_read", {
        libxl_xen_console_reader *cr = libxl_xen_console_read_start(ctx, 0);
        char *line;
        while (cr && libxl_xen_console_read_line(ctx, cr, &line) > 0)
            ;
        if (cr)
            libxl_xen_console_read_finish(ctx, cr);
    });
#undef COUNT
out:
    free(before);
    free(after);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    libxl_ctx *ctx = NULL;
    int rc;

    if (argc != 2)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger);
    printf("ctx_alloc = %d\n", rc);
    if (rc)
        return 1;
    if (!strcmp(argv[1], "info"))
        info(ctx);
    else if (!strcmp(argv[1], "console"))
        console(ctx);
    else if (!strcmp(argv[1], "params"))
        params(ctx);
    else if (!strcmp(argv[1], "counts"))
        counts(ctx);
    else
        return 2;
    printf("ctx_free = %d\n", libxl_ctx_free(ctx));
    return 0;
}
