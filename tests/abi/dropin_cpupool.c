/*
 * dropin_cpupool.c: the drop-in probe for cpupools and for the features a
 * host may lack (FLASK/XSM, PSR, tmem). Built against Debian's headers and
 * library (dropin-cpupool-debian) and against lightcore's
 * (dropin-cpupool-ours); run on one simulated host of 4 cpus in 2 nodes
 * with two guests, as Debian's, as Debian's binary on lightcore, and as
 * ours (tests/integration/ops/test_dropin_cpupool.c). It prints each
 * call's rc, its results (the generated _to_json), its log lines (without
 * the file:line:function prefix, which names each library's own source)
 * and, after each call that may change them, the hypervisor's pools and
 * free cpus, every domain's pool and /local/pool in xenstore, read with
 * libxenctrl and libxenstore directly. All three runs must print the same.
 *
 * The probe leaves the host as it found it (pools destroyed, cpus and
 * domains back in pool 0), so the three runs start alike; its last line
 * says whether the final state is the first one.
 *
 * Arguments: the two guests' domids.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xenstore.h>

#include <libxl.h>
#include <libxl_utils.h>

/* ------------------------------------------------------------ logger */

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    probe_log_print(level, errnoval, context, msg);
}

/* ------------------------------------------------------------ state */

static libxl_ctx *ctx;
static xc_interface *xch;
static struct xs_handle *xsh;
static uint32_t dom1, dom2;

/* The host as the hypervisor and xenstore see it, into buf. */
static void host_state(char *buf, size_t size)
{
    FILE *f = fmemopen(buf, size, "w");
    uint32_t id = 0;
    xc_cpumap_t free_map;
    int ncpus = xc_get_max_cpus(xch);

    for (;;) {
        xc_cpupoolinfo_t *info = xc_cpupool_getinfo(xch, id);
        if (!info)
            break;
        fprintf(f, "  pool %u sched %u n_dom %u cpus", info->cpupool_id,
                info->sched_id, info->n_dom);
        for (int c = 0; c < ncpus; c++)
            if (info->cpumap[c / 8] & (1 << (c % 8)))
                fprintf(f, " %d", c);
        fprintf(f, "\n");
        id = info->cpupool_id + 1;
        xc_cpupool_infofree(xch, info);
    }
    free_map = xc_cpupool_freeinfo(xch);
    fprintf(f, "  free cpus");
    for (int c = 0; free_map && c < ncpus; c++)
        if (free_map[c / 8] & (1 << (c % 8)))
            fprintf(f, " %d", c);
    fprintf(f, "\n");
    free(free_map);

    xc_domaininfo_t doms[16];
    int n = xc_domain_getinfolist(xch, 0, 16, doms);
    for (int i = 0; i < n; i++)
        fprintf(f, "  domain %u pool %u\n", doms[i].domain, doms[i].cpupool);

    unsigned int npools = 0;
    char **pools = xs_directory(xsh, XBT_NULL, "/local/pool", &npools);
    for (unsigned int i = 0; pools && i < npools; i++) {
        unsigned int nkeys = 0;
        char path[128];
        snprintf(path, sizeof(path), "/local/pool/%s", pools[i]);
        char **keys = xs_directory(xsh, XBT_NULL, path, &nkeys);
        fprintf(f, "  xenstore %s:", path);
        for (unsigned int k = 0; keys && k < nkeys; k++) {
            char key[192];
            unsigned int len = 0, nperms = 0;
            snprintf(key, sizeof(key), "%s/%s", path, keys[k]);
            char *v = xs_read(xsh, XBT_NULL, key, &len);
            struct xs_permissions *perms = xs_get_permissions(xsh, XBT_NULL,
                                                              key, &nperms);
            fprintf(f, " %s=\"%s\"", keys[k], v ? v : "(unreadable)");
            for (unsigned int p = 0; perms && p < nperms; p++)
                fprintf(f, " perm(%u,%d)", perms[p].id, (int)perms[p].perms);
            free(perms);
            free(v);
        }
        fprintf(f, "\n");
        free(keys);
    }
    free(pools);
    fclose(f);
}

static void show_state(void)
{
    static char buf[8192];

    host_state(buf, sizeof(buf));
    fputs(buf, stdout);
}

static void print_poolinfo(const char *what, int rc, libxl_cpupoolinfo *info)
{
    char *json = rc ? NULL : libxl_cpupoolinfo_to_json(ctx, info);

    printf("%s: rc %d %s\n", what, rc, json ? json : "");
    free(json);
}

static void print_bitmap(const char *what, int rc, const libxl_bitmap *b)
{
    char *hex = rc ? NULL : libxl_bitmap_to_hex_string(ctx, b);

    printf("%s: rc %d size %u %s\n", what, rc, rc ? 0u : (unsigned)b->size,
           hex ? hex : "");
    free(hex);
}

/* ------------------------------------------------------------ pools */

static void list_pools(const char *what)
{
    int n = -1;
    libxl_cpupoolinfo *list = libxl_list_cpupool(ctx, &n);

    printf("%s: list_cpupool %s n %d\n", what, list ? "ok" : "NULL", n);
    for (int i = 0; list && i < n; i++) {
        char *json = libxl_cpupoolinfo_to_json(ctx, &list[i]);
        printf("  [%d] %s\n", i, json);
        free(json);
    }
    libxl_cpupoolinfo_list_free(list, n);
}

static void names(void)
{
    static const uint32_t ids[] = { 0, 1, 5, 0xffffffffu };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        char *name = libxl_cpupoolid_to_name(ctx, ids[i]);
        printf("cpupoolid_to_name(%u) %s is_valid %d\n", ids[i],
               name ? name : "NULL", libxl_cpupoolid_is_valid(ctx, ids[i]));
        free(name);
    }
    static const char *const quals[] = {
        "Pool-0", "nope", "0", "007", "12abc", "", "4294967295",
        "99999999999", "-1", " 1",
    };
    for (size_t i = 0; i < sizeof(quals) / sizeof(quals[0]); i++) {
        uint32_t id = 4242;
        int was_name = -7;
        int rc = libxl_cpupool_qualifier_to_cpupoolid(ctx, quals[i], &id,
                                                      &was_name);
        printf("qualifier \"%s\": rc %d id %u was_name %d\n", quals[i], rc,
               id, was_name);
        id = 4242;
        rc = libxl_name_to_cpupoolid(ctx, quals[i], &id);
        printf("name_to_cpupoolid \"%s\": rc %d id %u\n", quals[i], rc, id);
    }
}

static void info(uint32_t id)
{
    libxl_cpupoolinfo info;
    char what[64];

    libxl_cpupoolinfo_init(&info);
    int rc = libxl_cpupool_info(ctx, &info, id);
    snprintf(what, sizeof(what), "cpupool_info(%u)", id);
    print_poolinfo(what, rc, &info);
    libxl_cpupoolinfo_dispose(&info);
}

static void freecpus(void)
{
    libxl_bitmap b;

    libxl_bitmap_init(&b);
    int rc = libxl_get_freecpus(ctx, &b);
    print_bitmap("get_freecpus", rc, &b);
    libxl_bitmap_dispose(&b);
}

/* A cpu map of the host's size with the cpus listed (-1 ends). */
static void cpus_map(libxl_bitmap *b, int size, ...)
{
    va_list ap;
    int c;

    libxl_bitmap_init(b);
    if (size)
        libxl_bitmap_alloc(ctx, b, size);
    else
        libxl_cpu_bitmap_alloc(ctx, b, 0);
    va_start(ap, size);
    while ((c = va_arg(ap, int)) >= 0)
        libxl_bitmap_set(b, c);
    va_end(ap);
}

static uint32_t create(const char *name, libxl_scheduler sched,
                       libxl_bitmap *cpus, uint32_t want)
{
    libxl_uuid uuid;
    uint32_t id = want;

    libxl_uuid_from_string(&uuid, "01234567-89ab-cdef-0123-456789abcdef");
    int rc = libxl_cpupool_create(ctx, name, sched, *cpus, &uuid, &id);
    printf("cpupool_create(%s, %s, want %u): rc %d id %u\n", name,
           libxl_scheduler_to_string(sched), want, rc, id);
    show_state();
    return id;
}

#define CALL(expr) do {                                                 \
        int rc_ = (expr);                                               \
        printf("%s: rc %d\n", #expr, rc_);                              \
        show_state();                                                   \
    } while (0)

static void pools(void)
{
    libxl_bitmap map;
    int n;

    list_pools("at start");
    names();
    info(0);
    info(1);
    info(99);
    freecpus();

    /* cpus out of pool 0 */
    CALL(libxl_cpupool_cpuremove(ctx, 0, 3));
    CALL(libxl_cpupool_cpuremove(ctx, 0, 0));     /* cpu 0 stays */
    CALL(libxl_cpupool_cpuremove(ctx, 0, 7));     /* past the host */
    CALL(libxl_cpupool_cpuremove(ctx, 0, 3));     /* not in the pool */
    CALL(libxl_cpupool_cpuremove(ctx, 5, 1));     /* no such pool */
    freecpus();

    /* pools made, refused, unmade */
    cpus_map(&map, 0, 3, -1);
    uint32_t a = create("pool-a", LIBXL_SCHEDULER_CREDIT, &map,
                        LIBXL_CPUPOOL_POOLID_ANY);
    libxl_bitmap_dispose(&map);
    cpus_map(&map, 0, -1);
    uint32_t b = create("pool-b", LIBXL_SCHEDULER_CREDIT2, &map, 0);
    create("pool-rtds", LIBXL_SCHEDULER_RTDS, &map, LIBXL_CPUPOOL_POOLID_ANY);
    create("pool-dup", LIBXL_SCHEDULER_CREDIT2, &map, a);
    uint32_t seven = create("pool-seven", LIBXL_SCHEDULER_CREDIT, &map, 7);
    CALL(libxl_cpupool_destroy(ctx, seven));
    libxl_bitmap_dispose(&map);
    cpus_map(&map, 0, 3, -1);                    /* cpu 3 is pool-a's */
    create("pool-busy", LIBXL_SCHEDULER_CREDIT2, &map,
           LIBXL_CPUPOOL_POOLID_ANY);
    libxl_bitmap_dispose(&map);
    list_pools("after creating");
    info(a);
    info(b);
    info(b + 1);
    names();

    /* cpus between pools */
    CALL(libxl_cpupool_cpuadd(ctx, b, 3));       /* not free */
    CALL(libxl_cpupool_cpuremove(ctx, a, 3));
    CALL(libxl_cpupool_cpuadd(ctx, b, 3));
    CALL(libxl_cpupool_cpuadd(ctx, b, 99));
    CALL(libxl_cpupool_cpuadd(ctx, b, -1));      /* any: none free */
    CALL(libxl_cpupool_cpuadd(ctx, 42, 1));

    /* domains */
    CALL(libxl_cpupool_movedomain(ctx, b, dom1));
    CALL(libxl_cpupool_movedomain(ctx, b, dom1)); /* already there */
    CALL(libxl_cpupool_movedomain(ctx, a, dom1)); /* pool without cpus */
    CALL(libxl_cpupool_movedomain(ctx, b, 0));
    CALL(libxl_cpupool_movedomain(ctx, b, 999));
    CALL(libxl_cpupool_movedomain(ctx, 42, dom2));
    CALL(libxl_cpupool_cpuremove(ctx, b, 3));    /* its last cpu: busy */
    CALL(libxl_cpupool_destroy(ctx, b));         /* has a domain */
    CALL(libxl_cpupool_destroy(ctx, 0));
    CALL(libxl_cpupool_destroy(ctx, 50));
    CALL(libxl_cpupool_destroy(ctx, a + 0));
    CALL(libxl_cpupool_destroy(ctx, a));         /* gone now */
    list_pools("after destroying");

    /* names */
    CALL(libxl_cpupool_rename(ctx, "renamed", b));
    CALL(libxl_cpupool_rename(ctx, "Pool-0", b));
    CALL(libxl_cpupool_rename(ctx, "x", 40));
    CALL(libxl_cpupool_rename(ctx, "x", 1));     /* a, destroyed */
    names();

    /* maps: empty, overlapping, past the host */
    cpus_map(&map, 0, -1);
    CALL(libxl_cpupool_cpuadd_cpumap(ctx, b, &map));
    CALL(libxl_cpupool_cpuremove_cpumap(ctx, 0, &map));
    libxl_bitmap_dispose(&map);
    cpus_map(&map, 0, 1, 2, -1);
    CALL(libxl_cpupool_cpuremove_cpumap(ctx, 0, &map));
    CALL(libxl_cpupool_cpuremove_cpumap(ctx, 0, &map));  /* not there now */
    CALL(libxl_cpupool_cpuadd_cpumap(ctx, b, &map));
    CALL(libxl_cpupool_cpuadd_cpumap(ctx, b, &map));     /* overlapping */
    libxl_bitmap_dispose(&map);
    cpus_map(&map, 64, 2, 40, -1);
    CALL(libxl_cpupool_cpuremove_cpumap(ctx, b, &map));
    CALL(libxl_cpupool_cpuadd_cpumap(ctx, 0, &map));
    libxl_bitmap_dispose(&map);
    freecpus();

    /* nodes (cpus 0-1 on node 0, 2-3 on node 1) */
    n = -5;
    CALL(libxl_cpupool_cpuremove_node(ctx, b, 1, &n));
    printf("  removed %d\n", n);
    n = -5;
    CALL(libxl_cpupool_cpuadd_node(ctx, 0, 1, &n));
    printf("  added %d\n", n);
    n = -5;
    CALL(libxl_cpupool_cpuremove_node(ctx, 0, 0, &n));
    printf("  removed %d\n", n);
    n = -5;
    CALL(libxl_cpupool_cpuadd_node(ctx, b, 0, &n));
    printf("  added %d\n", n);
    n = -5;
    CALL(libxl_cpupool_cpuadd_node(ctx, b, 7, &n));
    printf("  added %d\n", n);
    n = -5;
    CALL(libxl_cpupool_cpuremove_node(ctx, 33, 0, &n));
    printf("  removed %d\n", n);
    n = -5;
    CALL(libxl_cpupool_cpuremove_node(ctx, b, 0, &n));
    printf("  removed %d\n", n);
    list_pools("after nodes");

    /* a pool whose name is gone from xenstore ends the list there */
    xs_rm(xsh, XBT_NULL, "/local/pool/2/name");
    list_pools("without pool 2's name");
    info(b);
    names();
    xs_write(xsh, XBT_NULL, "/local/pool/2/name", "renamed", 7);

    /* back as it was */
    CALL(libxl_cpupool_movedomain(ctx, 0, dom1));
    CALL(libxl_cpupool_destroy(ctx, b));
    cpus_map(&map, 0, 1, 2, 3, -1);
    CALL(libxl_cpupool_cpuadd_cpumap(ctx, 0, &map));
    libxl_bitmap_dispose(&map);
    list_pools("at the end");
}

/* ------------------------------------------------------------ absent */

#define ERRNO_CALL(expr) do {                                           \
        errno = 0;                                                      \
        int rc_ = (expr);                                               \
        int e_ = errno;                                                 \
        /* errno only means something after a failure */            \
        printf("%s: rc %d errno %d\n", #expr, rc_, rc_ < 0 ? e_ : 0);  \
    } while (0)

static void flask(void)
{
    char context[] = "system_u:system_r:domU_t";
    uint32_t sid = 77;
    char *buf = NULL;
    size_t len = 99;
    char policy[16] = "not a policy";

    ERRNO_CALL(libxl_flask_context_to_sid(ctx, context, sizeof(context), &sid));
    printf("  sid %u\n", sid);
    ERRNO_CALL(libxl_flask_sid_to_context(ctx, 1, &buf, &len));
    printf("  buf %s len %zu\n", buf ? buf : "NULL", len);
    free(buf);
    ERRNO_CALL(libxl_flask_getenforce(ctx));
    ERRNO_CALL(libxl_flask_setenforce(ctx, 1));
    ERRNO_CALL(libxl_flask_setenforce(ctx, -3));
    ERRNO_CALL(libxl_flask_loadpolicy(ctx, policy, sizeof(policy)));
    ERRNO_CALL(libxl_flask_loadpolicy(ctx, policy, 0));
}

static void tmem(void)
{
    char name[] = "weight", uuid[] = "01234567-89ab-cdef-0123-456789abcdef";

    errno = 0;
    char *list = libxl_tmem_list(ctx, dom1, 1);
    printf("tmem_list: %s\n", list ? list : "NULL");
    free(list);
    ERRNO_CALL(libxl_tmem_freeze(ctx, dom1));
    ERRNO_CALL(libxl_tmem_thaw(ctx, 999));
    ERRNO_CALL(libxl_tmem_set(ctx, dom1, name, 5));
    ERRNO_CALL(libxl_tmem_shared_auth(ctx, dom1, uuid, 1));
    ERRNO_CALL(libxl_tmem_freeable(ctx));
    /* errno as the caller left it shows in the log line */
    errno = EBADF;
    printf("tmem_freeable after EBADF: rc %d\n", libxl_tmem_freeable(ctx));
}

static void psr(void)
{
    uint32_t u = 4242;
    uint64_t v = 4242, tsc = 4242;
    unsigned int nr = 4242;
    int inr = 4242;
    libxl_psr_cat_info *cat = NULL;
    libxl_psr_hw_info *hw = NULL;
    libxl_bitmap sockets;
    static const uint32_t doms[] = { 0, 1, 999 };

    for (size_t i = 0; i < 3; i++) {
        uint32_t d = doms[i] == 1 ? dom1 : doms[i];
        printf("-- domain %s\n", doms[i] == 1 ? "guest" : doms[i] ? "999" : "0");
        ERRNO_CALL(libxl_psr_cmt_attach(ctx, d));
        ERRNO_CALL(libxl_psr_cmt_detach(ctx, d));
        ERRNO_CALL(libxl_psr_cmt_domain_attached(ctx, d));
        ERRNO_CALL(libxl_psr_cmt_get_sample(ctx, d,
                       LIBXL_PSR_CMT_TYPE_CACHE_OCCUPANCY, 0, &v, &tsc));
        ERRNO_CALL(libxl_psr_cmt_get_cache_occupancy(ctx, d, 0, &u));
        ERRNO_CALL(libxl_psr_cat_get_cbm(ctx, d, LIBXL_PSR_CBM_TYPE_L3_CBM,
                                         0, &v));
        ERRNO_CALL(libxl_psr_get_val(ctx, d, LIBXL_PSR_CBM_TYPE_MBA_THRTL,
                                     0, &v));
        ERRNO_CALL(libxl_psr_get_val(ctx, d, LIBXL_PSR_CBM_TYPE_L3_CBM_CODE,
                                     3, &v));
        ERRNO_CALL(libxl_psr_get_val(ctx, d, LIBXL_PSR_CBM_TYPE_L2_CBM,
                                     0, &v));
        ERRNO_CALL(libxl_psr_get_val(ctx, d, LIBXL_PSR_CBM_TYPE_UNKNOWN,
                                     0, &v));
        libxl_bitmap_init(&sockets);
        libxl_socket_bitmap_alloc(ctx, &sockets, 4);
        libxl_bitmap_set(&sockets, 0);
        libxl_bitmap_set(&sockets, 1);
        libxl_bitmap_set(&sockets, 3);
        ERRNO_CALL(libxl_psr_cat_set_cbm(ctx, d, LIBXL_PSR_CBM_TYPE_L3_CBM,
                                         &sockets, 0xff));
        ERRNO_CALL(libxl_psr_set_val(ctx, d, LIBXL_PSR_CBM_TYPE_L3_CBM_DATA,
                                     &sockets, 0x1ffffffffull));
        ERRNO_CALL(libxl_psr_set_val(ctx, d, LIBXL_PSR_CBM_TYPE_MBA_THRTL,
                                     &sockets, 10));
        libxl_bitmap_set_none(&sockets);
        ERRNO_CALL(libxl_psr_set_val(ctx, d, LIBXL_PSR_CBM_TYPE_L2_CBM,
                                     &sockets, 10));
        libxl_bitmap_dispose(&sockets);
    }
    printf("-- host\n");
    ERRNO_CALL(libxl_psr_cmt_enabled(ctx));
    ERRNO_CALL(libxl_psr_cmt_get_total_rmid(ctx, &u));
    ERRNO_CALL(libxl_psr_cmt_get_l3_cache_size(ctx, 0, &u));
    ERRNO_CALL(libxl_psr_cmt_get_l3_cache_size(ctx, 1, &u));
    ERRNO_CALL(libxl_psr_cmt_get_l3_cache_size(ctx, 9, &u));
    ERRNO_CALL(libxl_psr_cmt_type_supported(ctx,
                                            LIBXL_PSR_CMT_TYPE_CACHE_OCCUPANCY));
    ERRNO_CALL(libxl_psr_cmt_type_supported(ctx,
                                            LIBXL_PSR_CMT_TYPE_LOCAL_MEM_COUNT));
    ERRNO_CALL(libxl_psr_cat_get_info(ctx, &cat, &nr, 3));
    ERRNO_CALL(libxl_psr_cat_get_info(ctx, &cat, &nr, 2));
    ERRNO_CALL(libxl_psr_cat_get_l3_info(ctx, &cat, &inr));
    ERRNO_CALL(libxl_psr_get_hw_info(ctx, LIBXL_PSR_FEAT_TYPE_CAT, 3, &nr, &hw));
    ERRNO_CALL(libxl_psr_get_hw_info(ctx, LIBXL_PSR_FEAT_TYPE_CAT, 2, &nr, &hw));
    ERRNO_CALL(libxl_psr_get_hw_info(ctx, LIBXL_PSR_FEAT_TYPE_MBA, 0, &nr, &hw));
    printf("  untouched: u %u v %llu nr %u inr %d cat %p hw %p\n", u,
           (unsigned long long)v, nr, inr, (void *)cat, (void *)hw);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    static char first[8192], last[8192];
    int rc;

    if (argc != 3)
        return 2;
    dom1 = (uint32_t)strtoul(argv[1], NULL, 10);
    dom2 = (uint32_t)strtoul(argv[2], NULL, 10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger);
    printf("ctx_alloc = %d\n", rc);
    xch = xc_interface_open(NULL, NULL, 0);
    xsh = xs_open(0);
    if (rc || !xch || !xsh)
        return 1;

    host_state(first, sizeof(first));
    printf("== state at start\n%s", first);
    printf("== pools\n");
    pools();
    printf("== flask\n");
    flask();
    printf("== tmem\n");
    tmem();
    printf("== psr\n");
    psr();
    host_state(last, sizeof(last));
    printf("== state at the end is the first: %s\n",
           strcmp(first, last) ? "no" : "yes");

    printf("ctx_free = %d\n", libxl_ctx_free(ctx));
    xs_close(xsh);
    xc_interface_close(xch);
    return 0;
}
