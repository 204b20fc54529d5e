/*
 * rxfacts.c: the hypervisor facts the simulated host (tests/sim) models
 * for issue 16, asked of the hypervisor it runs on.
 *
 * Built against Debian's headers and libraries only (libxenlight,
 * libxenctrl, libxencall, libxenhypfs, libxenstore): it checks the
 * hypervisor, not lightcore. The suite (tests/realxen/suite) runs it in
 * the real dom0 with the guest rx-xl; tests/sim/test_sim_realfacts.c
 * runs the same binary on the simulated host (make check). Each
 * check asserts what the simulator answers (the file that models it is
 * named at the check), so the same PASS lines on both hosts mean the
 * simulator answers as real Xen does; a FAIL on real Xen is a difference.
 * The real hypervisor's answers are noted as "# TAG: ..." lines either way.
 *
 * Usage: rxfacts TAG DOMID     DOMID: a running guest with 1 vcpu in
 *                               Pool-0 (credit2), not dom0
 * Prints "PASS TAG NAME" or "FAIL TAG NAME: WHY" per check.
 * Leaves the host as it found it (pools destroyed, cpus back in Pool-0,
 * the guest back in Pool-0 with cap 0, parameters written back).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xencall.h>
#include <xenctrl.h>
#include <xenhypfs.h>
#include <xenstore.h>
#include <xen/hypfs.h>

static const char *tag;
static int npass, nfail;
static libxl_ctx *ctx;
static xc_interface *xch;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# %s: ", tag);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static int check(int ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int check(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    if (ok) {
        npass++;
        printf("PASS %s %s\n", tag, name);
    } else {
        nfail++;
        printf("FAIL %s %s: ", tag, name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
    fflush(stdout);
    return ok;
}

/* errno of a libxenctrl call that returned rc: 0 for success. */
static int xc_err(int rc)
{
    return rc ? errno : 0;
}

static const char *errname(int e)
{
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    case EACCES: return "EACCES";
    case ENOSPC: return "ENOSPC";
    case EDOM: return "EDOM";
    case ENODEV: return "ENODEV";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EEXIST: return "EEXIST";
    case EFAULT: return "EFAULT";
    case ENOBUFS: return "ENOBUFS";
    case E2BIG: return "E2BIG";
    default: return strerror(e);
    }
}

static void expect_errno(int got, int want, const char *name, const char *what)
{
    note("%s: %s", what, errname(got));
    check(got == want, name, "%s: %s, the simulator says %s", what,
          errname(got), errname(want));
}

/* The pool a domain is in, or -1. */
static int dom_pool(uint32_t domid)
{
    xc_domaininfo_t di;
    if (xc_domain_getinfolist(xch, domid, 1, &di) != 1 || di.domain != domid)
        return -1;
    return (int)di.cpupool;
}

/* ------------------------------------------------ 1. cpupool movedomain */

/*
 * tests/sim/hc_cpupool.c (pool_movedomain): ESRCH for no domain, EPERM
 * for dom0 (whatever the pool), 0 for the pool the domain is in, ENOENT
 * for a pool without cpus or no such pool.
 */
static void facts_cpupool_movedomain(uint32_t domid)
{
    uint32_t empty = XC_CPUPOOL_POOLID_ANY;
    int e = xc_err(xc_cpupool_create(xch, &empty, XEN_SCHEDULER_CREDIT2));
    if (!check(e == 0, "movedomain.empty_pool_created", "create: %s",
               errname(e)))
        return;
    note("an empty credit2 pool: id %u", empty);
    expect_errno(xc_err(xc_cpupool_movedomain(xch, empty, domid)), ENOENT,
                 "movedomain.guest_to_empty_pool",
                 "movedomain of the guest to a pool without cpus");
    check(dom_pool(domid) == 0, "movedomain.guest_stays",
          "the guest is in pool %d", dom_pool(domid));
    expect_errno(xc_err(xc_cpupool_movedomain(xch, empty, 0)), EPERM,
                 "movedomain.dom0_to_empty_pool",
                 "movedomain of dom0 to a pool without cpus");
    expect_errno(xc_err(xc_cpupool_movedomain(xch, 0, 0)), EPERM,
                 "movedomain.dom0_to_its_pool",
                 "movedomain of dom0 to Pool-0, its own");
    expect_errno(xc_err(xc_cpupool_movedomain(xch, 0, domid)), 0,
                 "movedomain.guest_to_its_pool",
                 "movedomain of the guest to Pool-0, its own");
    expect_errno(xc_err(xc_cpupool_movedomain(xch, 4242, domid)), ENOENT,
                 "movedomain.no_such_pool",
                 "movedomain of the guest to a pool that does not exist");
    expect_errno(xc_err(xc_cpupool_movedomain(xch, 0, 31000)), ESRCH,
                 "movedomain.no_such_domain",
                 "movedomain of a domain that does not exist");
    e = xc_err(xc_cpupool_destroy(xch, empty));
    check(e == 0, "movedomain.empty_pool_destroyed", "destroy: %s",
          errname(e));
}

/* --------------------------------------- 2. pool schedulers, RTDS info */

/*
 * tests/sim/hc_cpupool.c (pool_create, sched_built_in): credit and
 * credit2 only, ENOENT for a scheduler not built in (RTDS, null,
 * arinc653), as Debian's build. If RTDS is built in after all, the
 * domain's RTDS parameters in such a pool are noted and checked against
 * tests/sim/hc_vcpu.c's defaults (period 10000, budget 4000 us).
 */
static void rtds_defaults(uint32_t pool, uint32_t domid)
{
    struct xen_domctl_sched_rtds rt = { 0 };
    int e;

    if (xc_err(xc_cpupool_removecpu(xch, 0, 1)) ||
        xc_err(xc_cpupool_addcpu(xch, pool, 1))) {
        note("RTDS pool: could not give it cpu 1: %s", errname(errno));
        return;
    }
    e = xc_err(xc_cpupool_movedomain(xch, pool, domid));
    if (check(e == 0, "sched.rtds_move_guest", "movedomain: %s", errname(e))) {
        e = xc_err(xc_sched_rtds_domain_get(xch, domid, &rt));
        note("RTDS getinfo: %s, period %u budget %u", errname(e), rt.period,
             rt.budget);
        check(e == 0 && rt.period == 10000 && rt.budget == 4000,
              "sched.rtds_defaults", "%s period %u budget %u", errname(e),
              rt.period, rt.budget);
        xc_cpupool_movedomain(xch, 0, domid);
    }
    xc_cpupool_removecpu(xch, pool, 1);
    xc_cpupool_addcpu(xch, 0, 1);
}

static void facts_pool_schedulers(uint32_t domid)
{
    static const struct { uint32_t id; const char *name; int sim_errno; } s[] = {
        { XEN_SCHEDULER_CREDIT, "credit", 0 },
        { XEN_SCHEDULER_CREDIT2, "credit2", 0 },
        { XEN_SCHEDULER_RTDS, "rtds", ENOENT },
        { XEN_SCHEDULER_NULL, "null", ENOENT },
        { XEN_SCHEDULER_ARINC653, "arinc653", ENOENT },
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        uint32_t pool = XC_CPUPOOL_POOLID_ANY;
        char name[64], what[96];
        int e = xc_err(xc_cpupool_create(xch, &pool, s[i].id));
        snprintf(name, sizeof name, "sched.pool_%s", s[i].name);
        snprintf(what, sizeof what, "a pool with the %s scheduler", s[i].name);
        expect_errno(e, s[i].sim_errno, name, what);
        if (e)
            continue;
        if (s[i].id == XEN_SCHEDULER_RTDS)
            rtds_defaults(pool, domid);
        xc_cpupool_destroy(xch, pool);
    }
}

/* ----------------------------------------------------- 3. credit2 cap */

/* tests/sim/hc_vcpu.c (sched_op): credit2's cap at most 100 per vcpu,
 * EINVAL above; 0 takes the cap off. */
static void facts_credit2_cap(uint32_t domid)
{
    xc_dominfo_t di;
    struct xen_domctl_sched_credit2 c2 = { 0 };
    int e;

    if (xc_domain_getinfo(xch, domid, 1, &di) != 1 || di.domid != domid) {
        check(0, "credit2.guest", "no domain %u", domid);
        return;
    }
    note("the guest has %u vcpus", di.max_vcpu_id + 1);
    e = xc_err(xc_sched_credit2_domain_get(xch, domid, &c2));
    note("credit2 getinfo: %s, weight %u cap %u", errname(e), c2.weight, c2.cap);
    uint16_t weight = c2.weight;

    c2 = (struct xen_domctl_sched_credit2){ .weight = weight,
                                            .cap = 100 * (di.max_vcpu_id + 1) + 1 };
    expect_errno(xc_err(xc_sched_credit2_domain_set(xch, domid, &c2)), EINVAL,
                 "credit2.cap_above_100_per_vcpu", "cap 100 x vcpus + 1");
    c2 = (struct xen_domctl_sched_credit2){ .weight = weight,
                                            .cap = 100 * (di.max_vcpu_id + 1) };
    expect_errno(xc_err(xc_sched_credit2_domain_set(xch, domid, &c2)), 0,
                 "credit2.cap_100_per_vcpu", "cap 100 x vcpus");
    c2 = (struct xen_domctl_sched_credit2){ 0 };
    e = xc_err(xc_sched_credit2_domain_get(xch, domid, &c2));
    note("then getinfo: %s, weight %u cap %u", errname(e), c2.weight, c2.cap);
    check(!e && c2.cap == 100 * (di.max_vcpu_id + 1) && c2.weight == weight,
          "credit2.cap_read_back", "cap %u", c2.cap);
    c2 = (struct xen_domctl_sched_credit2){ .weight = weight, .cap = 0 };
    expect_errno(xc_err(xc_sched_credit2_domain_set(xch, domid, &c2)), 0,
                 "credit2.cap_0", "cap 0");
    c2 = (struct xen_domctl_sched_credit2){ 0 };
    e = xc_err(xc_sched_credit2_domain_get(xch, domid, &c2));
    note("then getinfo: %s, weight %u cap %u", errname(e), c2.weight, c2.cap);
    check(!e && c2.cap == 0, "credit2.cap_off", "cap %u", c2.cap);
}

/* ------------------------------------------------- 4. node affinity */

/* The first 64 bits of a map as a hex number ("1" for node 0). */
static void bitmap_hex(const libxl_bitmap *b, char *out, size_t outsz)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < b->size && i < 8; i++)
        v |= (uint64_t)b->map[i] << (8 * i);
    snprintf(out, outsz, "%" PRIx64, v);
}

/* The guest's node affinity as hex ("01"), or "rc N". */
static void get_nodeaffinity(uint32_t domid, char *out, size_t outsz)
{
    libxl_bitmap b;
    libxl_bitmap_init(&b);
    int rc = libxl_node_bitmap_alloc(ctx, &b, 0);   /* the caller's map */
    if (!rc)
        rc = libxl_domain_get_nodeaffinity(ctx, domid, &b);
    if (rc)
        snprintf(out, outsz, "rc %d", rc);
    else
        bitmap_hex(&b, out, outsz);
    libxl_bitmap_dispose(&b);
}

/* Sets the node map given as the low bits of `bits` in a map of the
 * library's size (max nodes); returns libxl's rc. */
static int set_nodeaffinity(uint32_t domid, uint64_t bits, int all)
{
    libxl_bitmap b;
    int rc;
    libxl_bitmap_init(&b);
    if ((rc = libxl_node_bitmap_alloc(ctx, &b, 0)))
        return rc;
    if (all)
        libxl_bitmap_set_any(&b);
    else
        for (unsigned i = 0; i < b.size * 8 && i < 64; i++)
            if (bits >> i & 1)
                libxl_bitmap_set(&b, (int)i);
    rc = libxl_domain_set_nodeaffinity(ctx, domid, &b);
    libxl_bitmap_dispose(&b);
    return rc;
}

/*
 * tests/sim/hc_vcpu.c (nodeaffinity_locked), hc_host.c (physinfo's
 * max_node_id 63, so libxl's node maps have 64 bits): automatic = node 0;
 * every node = automatic again (node 0); a map that includes node 0 is
 * kept as given and read back as given; one without node 0 is EINVAL
 * (libxl: ERROR_FAIL).
 */
static void facts_nodeaffinity(uint32_t domid)
{
    char got[64];
    int rc;

    rc = libxl_get_max_nodes(ctx);
    note("max nodes %d", rc);
    check(rc == 64, "nodeaffinity.max_nodes", "%d", rc);
    get_nodeaffinity(domid, got, sizeof got);
    note("node affinity at start: %s", got);
    check(!strcmp(got, "1"), "nodeaffinity.automatic_is_node0", "%s", got);

    rc = set_nodeaffinity(domid, 1, 0);
    get_nodeaffinity(domid, got, sizeof got);
    note("set to node 0: rc %d, then %s", rc, got);
    check(rc == 0 && !strcmp(got, "1"), "nodeaffinity.node0_read_back",
          "rc %d, %s", rc, got);

    rc = set_nodeaffinity(domid, 2, 0);
    get_nodeaffinity(domid, got, sizeof got);
    note("set to node 1 only (offline): rc %d, then %s", rc, got);
    check(rc == ERROR_FAIL && !strcmp(got, "1"), "nodeaffinity.offline_node",
          "rc %d, %s", rc, got);

    rc = set_nodeaffinity(domid, 3, 0);
    get_nodeaffinity(domid, got, sizeof got);
    note("set to nodes 0 and 1: rc %d, then %s", rc, got);
    check(rc == 0 && !strcmp(got, "3"), "nodeaffinity.kept_as_given",
          "rc %d, %s; the simulator reads back 3", rc, got);

    /* every bit of libxl's map: all 64 nodes, automatic again */
    rc = set_nodeaffinity(domid, 0, 1);
    get_nodeaffinity(domid, got, sizeof got);
    note("set to every node: rc %d, then %s", rc, got);
    check(rc == 0 && !strcmp(got, "1"), "nodeaffinity.all_is_automatic",
          "rc %d, %s; the simulator reads back 1", rc, got);
}

/* ------------------------------------------------------ 5. hypfs */

static xencall_handle *xcall;

/* hypfs_op(cmd, path, data) as the hypercall itself (libxenhypfs checks
 * types before writing); returns 0 or an errno; a read fills *e and val. */
static int hypfs_raw(unsigned cmd, const char *path, const void *data,
                     size_t len, struct xen_hypfs_direntry *e, char *val,
                     size_t valsz)
{
    size_t plen = strlen(path) + 1, blen = cmd == XEN_HYPFS_OP_read ? 4096 : len;
    char *p = xencall_alloc_buffer(xcall, plen);
    char *b = blen ? xencall_alloc_buffer(xcall, blen) : NULL;
    int rc;

    if (!p || (blen && !b))
        return ENOMEM;
    memcpy(p, path, plen);
    if (cmd != XEN_HYPFS_OP_read && len)
        memcpy(b, data, len);
    rc = xencall5(xcall, __HYPERVISOR_hypfs_op, cmd, (uintptr_t)p, plen,
                  (uintptr_t)b, blen);
    rc = rc < 0 ? errno : 0;
    if (!rc && cmd == XEN_HYPFS_OP_read) {
        memcpy(e, b, sizeof *e);
        size_t n = e->content_len < valsz - 1 ? e->content_len : valsz - 1;
        memcpy(val, b + sizeof *e, n);
        val[n] = 0;
    }
    xencall_free_buffer(xcall, p);
    if (b)
        xencall_free_buffer(xcall, b);
    return rc;
}

static int hypfs_write_raw(const char *path, const void *data, size_t len)
{
    return hypfs_raw(XEN_HYPFS_OP_write_contents, path, data, len, NULL, NULL, 0);
}

static const char *hypfs_type(unsigned t)
{
    static const char *const n[] = { "dir", "blob", "string", "uint", "int",
                                     "bool" };
    return t < 6 ? n[t] : "?";
}

/*
 * tests/sim/hc_host.c (params[], hypfs_read, hypfs_write): loglvl and
 * guest_loglvl strings (max write 16, "lower/upper" text), conswitch a
 * string (max write 3), global-pages a bool (1 byte); EACCES for a write
 * to a directory, ENOENT for a path it does not know; a loglvl write
 * without its NUL EDOM, a string's EINVAL, too long ENOSPC; a bool of 2
 * bytes EDOM.
 */
static void facts_hypfs(void)
{
    static const struct { const char *name; unsigned type; unsigned max; } p[] = {
        { "loglvl", XEN_HYPFS_TYPE_STRING, 16 },
        { "guest_loglvl", XEN_HYPFS_TYPE_STRING, 16 },
        { "conswitch", XEN_HYPFS_TYPE_STRING, 3 },
        { "global-pages", XEN_HYPFS_TYPE_BOOL, 1 },
    };
    char saved[4][256], path[64], val[256], name[64];
    struct xen_hypfs_direntry e;
    int rc;

    xcall = xencall_open(NULL, 0);
    if (!check(xcall != NULL, "hypfs.open", "xencall_open: %s",
               strerror(errno)))
        return;
    xenhypfs_handle *fs = xenhypfs_open(NULL, 0);
    if (fs) {
        unsigned n = 0;
        struct xenhypfs_dirent *d = xenhypfs_readdir(fs, "/params", &n);
        char list[2048] = "";
        for (unsigned i = 0; d && i < n; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), " %s%s",
                     d[i].name, d[i].flags & XENHYPFS_FLAG_WRITABLE ? "(w)" : "");
        note("/params holds %u entries:%s", n, list);
        free(d);
        d = xenhypfs_readdir(fs, "/", &n);
        list[0] = 0;
        for (unsigned i = 0; d && i < n; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), " %s",
                     d[i].name);
        note("/ holds %u entries:%s", n, list);
        free(d);
        xenhypfs_close(fs);
    }
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "/params/%s", p[i].name);
        rc = hypfs_raw(XEN_HYPFS_OP_read, path, NULL, 0, &e, val, sizeof val);
        snprintf(saved[i], sizeof saved[i], "%s", val);
        if (p[i].type == XEN_HYPFS_TYPE_BOOL)
            snprintf(val, sizeof val, "%u", (unsigned char)saved[i][0]);
        note("%s: %s, type %s, encoding %u, content_len %u, max_write_len %u, "
             "value \"%s\"", path, errname(rc), hypfs_type(e.type), e.encoding,
             e.content_len, e.max_write_len, val);
        snprintf(name, sizeof name, "hypfs.%s_type", p[i].name);
        check(!rc && e.type == p[i].type && e.max_write_len == p[i].max,
              name, "%s type %s max_write_len %u; the simulator: %s %u",
              errname(rc), hypfs_type(e.type), e.max_write_len,
              hypfs_type(p[i].type), p[i].max);
    }

    expect_errno(hypfs_write_raw("/params/", "x", 2), EACCES,
                 "hypfs.write_params_dir_slash", "a write to \"/params/\"");
    expect_errno(hypfs_write_raw("/params", "x", 2), EACCES,
                 "hypfs.write_params_dir", "a write to \"/params\"");
    expect_errno(hypfs_write_raw("/", "x", 2), EACCES,
                 "hypfs.write_root", "a write to \"/\"");
    expect_errno(hypfs_write_raw("/params/no-such-param", "x", 2), ENOENT,
                 "hypfs.write_unknown", "a write to /params/no-such-param");
    rc = hypfs_write_raw("/buildinfo/version", "x", 2);
    note("a write to /buildinfo/version (read-only): %s", errname(rc));

    /* loglvl: a new value, read back, the old one again */
    expect_errno(hypfs_write_raw("/params/loglvl", "info/all", 9), 0,
                 "hypfs.loglvl_write", "loglvl \"info/all\"");
    rc = hypfs_raw(XEN_HYPFS_OP_read, "/params/loglvl", NULL, 0, &e, val,
                   sizeof val);
    note("loglvl then reads \"%s\"", val);
    check(!rc && !strcmp(val, "info/all"), "hypfs.loglvl_read_back", "\"%s\"",
          val);
    expect_errno(hypfs_write_raw("/params/loglvl", "info", 4), EDOM,
                 "hypfs.loglvl_no_nul", "loglvl without its NUL");
    expect_errno(hypfs_write_raw("/params/loglvl", saved[0],
                                 strlen(saved[0]) + 1), 0,
                 "hypfs.loglvl_restore", "loglvl back to what it was");
    expect_errno(hypfs_write_raw("/params/conswitch", "abcd", 5), ENOSPC,
                 "hypfs.conswitch_too_long", "conswitch \"abcd\"");
    expect_errno(hypfs_write_raw("/params/conswitch", "ab", 2), EINVAL,
                 "hypfs.conswitch_no_nul", "conswitch without its NUL");
    expect_errno(hypfs_write_raw("/params/global-pages", "\1\1", 2), EDOM,
                 "hypfs.global_pages_2_bytes", "global-pages of 2 bytes");
    expect_errno(hypfs_write_raw("/params/global-pages", saved[3], 1), 0,
                 "hypfs.global_pages_same", "global-pages its own value");
    xencall_close(xcall);
}

/* ----------------------------------------------------- 6. physinfo */

/* tests/sim/hc_host.c (physinfo): hvm pv hap gnttab_v1 gnttab_v2 (no
 * shadow paging in Debian's build); 1 node, max_node_id 63. */
static void facts_physinfo(void)
{
    static const struct { uint32_t bit; const char *name; } caps[] = {
        { XEN_SYSCTL_PHYSCAP_hvm, "hvm" }, { XEN_SYSCTL_PHYSCAP_pv, "pv" },
        { XEN_SYSCTL_PHYSCAP_directio, "directio" },
        { XEN_SYSCTL_PHYSCAP_hap, "hap" }, { XEN_SYSCTL_PHYSCAP_shadow, "shadow" },
        { XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share, "iommu_hap_pt_share" },
        { XEN_SYSCTL_PHYSCAP_vmtrace, "vmtrace" },
        { XEN_SYSCTL_PHYSCAP_vpmu, "vpmu" },
        { XEN_SYSCTL_PHYSCAP_gnttab_v1, "gnttab_v1" },
        { XEN_SYSCTL_PHYSCAP_gnttab_v2, "gnttab_v2" },
    };
    const uint32_t sim = XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_pv |
                         XEN_SYSCTL_PHYSCAP_hap |
                         XEN_SYSCTL_PHYSCAP_gnttab_v1 |
                         XEN_SYSCTL_PHYSCAP_gnttab_v2;
    xc_physinfo_t pi = { 0 };
    char names[256] = "";

    if (!check(xc_physinfo(xch, &pi) == 0, "physinfo.call", "%s",
               strerror(errno)))
        return;
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        if (pi.capabilities & caps[i].bit)
            snprintf(names + strlen(names), sizeof names - strlen(names),
                     " %s", caps[i].name);
    note("physinfo capabilities %#x:%s; arch_capabilities %#x",
         pi.capabilities, names, pi.arch_capabilities);
    note("physinfo threads_per_core %u cores_per_socket %u nr_cpus %u "
         "max_cpu_id %u nr_nodes %u max_node_id %u cpu_khz %u",
         pi.threads_per_core, pi.cores_per_socket, pi.nr_cpus, pi.max_cpu_id,
         pi.nr_nodes, pi.max_node_id, pi.cpu_khz);
    note("physinfo total_pages %" PRIu64 " free_pages %" PRIu64
         " scrub_pages %" PRIu64 " outstanding_pages %" PRIu64
         " max_mfn %" PRIu64, (uint64_t)pi.total_pages,
         (uint64_t)pi.free_pages, (uint64_t)pi.scrub_pages,
         (uint64_t)pi.outstanding_pages, (uint64_t)pi.max_mfn);
    check(pi.capabilities == sim, "physinfo.capabilities",
          "%#x, the simulator %#x", pi.capabilities, sim);
    check(pi.nr_nodes == 1 && pi.max_node_id == 63, "physinfo.nodes",
          "nr_nodes %u max_node_id %u", pi.nr_nodes, pi.max_node_id);
}

/* ---------------------------------------------------- 8. debug keys */

/* The keys listed after the last "'h' pressed" in the console ring. */
static int listed_keys(char *keys, size_t keysz)
{
    unsigned size = 64 * 1024, index = 0;
    char *ring = calloc(1, size + 1);
    int e = ring ? xc_err(xc_readconsolering(xch, ring, &size, 0, 0, &index))
                 : ENOMEM;
    size_t n = 0;

    keys[0] = 0;
    if (!e) {
        ring[size] = 0;
        char *from = NULL, *at = ring;
        while ((at = strstr(at, "'h' pressed")))
            from = at++;
        for (char *k = from; k && (k = strstr(k, " key '")) && n + 1 < keysz;
             k += 6)
            keys[n++] = k[6];
        keys[n] = 0;
    }
    free(ring);
    return e;
}

/*
 * tests/sim/hc_host.c (key_desc, debug_keys): `h` lists these keys. Real
 * Xen prints them from a tasklet, after the hypercall has returned: the
 * ring is read again until the list is complete (the simulator prints
 * before it returns: no wait there), at most 5 s.
 */
static void facts_debug_keys(void)
{
    const char *sim = "%*+-0AGHIMNQRacdeghimnqrstuvwxz";
    char keys[128] = "";
    int e = xc_err(xc_send_debug_keys(xch, "h"));

    if (!check(e == 0, "debugkeys.h", "%s", errname(e)))
        return;
    for (int tries = 0; tries < 50; tries++) {
        e = listed_keys(keys, sizeof keys);
        if (e || strchr(keys, 'z'))
            break;
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    check(e == 0, "debugkeys.readconsole", "%s", errname(e));
    note("`h` lists the keys %s", keys);
    check(!strcmp(keys, sim), "debugkeys.keys", "%s, the simulator %s", keys,
          sim);
}

/* --------------------------------------------------- 7. pcitopology */

/* tests/sim/hc_host.c (pci_boot_locked, pcitopoinfo): every device dom0
 * sees is known, on node 0 if sysfs says node 0, else no node
 * (LIBXL_PCITOPOLOGY_INVALID_ENTRY). */
static void facts_pcitopo(void)
{
    int n = 0, bad = 0;
    libxl_pcitopology *t = libxl_get_pci_topology(ctx, &n);

    if (!check(t != NULL, "pcitopo.call", "libxl_get_pci_topology failed"))
        return;
    for (int i = 0; i < n; i++) {
        char path[128];
        int node = -1;
        snprintf(path, sizeof path,
                 "/sys/bus/pci/devices/%04x:%02x:%02x.%u/numa_node", t[i].seg,
                 t[i].bus, t[i].devfn >> 3, t[i].devfn & 7);
        FILE *f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%d", &node) != 1)
                node = -1;
            fclose(f);
        }
        uint32_t want = node == 0 ? 0 : LIBXL_PCITOPOLOGY_INVALID_ENTRY;
        note("pci %04x:%02x:%02x.%u: node %#x (sysfs numa_node %d)", t[i].seg,
             t[i].bus, t[i].devfn >> 3, t[i].devfn & 7, t[i].node, node);
        bad += t[i].node != want;
    }
    check(n > 0 && !bad, "pcitopo.nodes", "%d devices, %d not as simulated",
          n, bad);
    libxl_pcitopology_list_free(t, n);
}

/* --------------------------------------------- 9. /local/pool in xenstore */

static void xs_walk(struct xs_handle *xs, const char *path, char *out,
                    size_t outsz, int *nodes)
{
    unsigned n = 0, np = 0;
    char *v = xs_read(xs, XBT_NULL, path, NULL);
    struct xs_permissions *perm = xs_get_permissions(xs, XBT_NULL, path, &np);
    char p[16] = "?";
    if (perm && np) {
        unsigned rw = perm[0].perms & (XS_PERM_READ | XS_PERM_WRITE);
        snprintf(p, sizeof p, "%c%u",
                 rw == (XS_PERM_READ | XS_PERM_WRITE) ? 'b'
                 : rw == XS_PERM_READ ? 'r' : rw == XS_PERM_WRITE ? 'w' : 'n',
                 perm[0].id);
    }
    if (v && *v) {
        size_t l = strlen(out);
        snprintf(out + l, outsz - l, " %s=%s(%s)", path, v, p);
        ++*nodes;
    }
    note("xenstore %s = \"%s\" (perms %s%s)", path, v ? v : "?", p,
         np > 1 ? ", more" : "");
    free(perm);
    free(v);
    char **dir = xs_directory(xs, XBT_NULL, path, &n);
    for (unsigned i = 0; dir && i < n; i++) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s/%s", path, dir[i]);
        xs_walk(xs, sub, out, outsz, nodes);
    }
    free(dir);
}

/* tests/sim/host.c (as xen-init-dom0): /local/pool/0/name = Pool-0, and
 * nothing else with a value. */
static void facts_pool_xenstore(void)
{
    struct xs_handle *xs = xs_open(0);
    char got[1024] = "";
    int nodes = 0;
    if (!check(xs != NULL, "xenstore.open", "%s", strerror(errno)))
        return;
    xs_walk(xs, "/local/pool", got, sizeof got, &nodes);
    check(nodes == 1 && !strcmp(got, " /local/pool/0/name=Pool-0(n0)"),
          "xenstore.local_pool", "%s", got);
    xs_close(xs);
}

/* ------------------------------------------------------- 10. dom0 */

/* The dom0 record (tests/sim/state.c / host.c): noted, compared by hand
 * (memory is the boot's, dom0_mem); checked: one vcpu online, not paused,
 * in pool 0. */
static void facts_dom0(void)
{
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    int rc = libxl_domain_info(ctx, &info, 0);
    if (check(rc == 0, "dom0.info", "rc %d", rc)) {
        char *js = libxl_dominfo_to_json(ctx, &info);
        for (char *l = js ? strtok(js, "\n") : NULL; l; l = strtok(NULL, "\n"))
            note("dom0 dominfo: %s", l);
        free(js);
    }
    libxl_dominfo_dispose(&info);
    xc_dominfo_t di;
    if (xc_domain_getinfo(xch, 0, 1, &di) == 1)
        note("dom0 xc: tot_pages %lu max_pages %lu shr %lu outstanding %lu "
             "online %u max_vcpu_id %u ssidref %u cpupool %u hvm %u paused %u "
             "running %u blocked %u", di.nr_pages, di.max_memkb / 4,
             di.nr_shared_pages, di.nr_outstanding_pages, di.nr_online_vcpus,
             di.max_vcpu_id, di.ssidref, di.cpupool, di.hvm, di.paused,
             di.running, di.blocked);
    check(dom_pool(0) == 0, "dom0.pool0", "dom0 in pool %d", dom_pool(0));
    /* tests/sim/state.c: dom0_mem=1024M,max:1024M, its maximum its memory */
    if (xc_domain_getinfo(xch, 0, 1, &di) == 1)
        check(di.nr_pages == 262144 && di.max_memkb == 1048576, "dom0.memory",
              "tot_pages %lu max %lu KiB", di.nr_pages, di.max_memkb);
    uint64_t target = 0;
    rc = libxl_get_memory_target(ctx, 0, &target);
    note("dom0 memory target: rc %d, %" PRIu64 " KiB", rc, target);
    libxl_physinfo pi;
    libxl_physinfo_init(&pi);
    if (!libxl_get_physinfo(ctx, &pi)) {
        char *js = libxl_physinfo_to_json(ctx, &pi);
        for (char *l = js ? strtok(js, "\n") : NULL; l; l = strtok(NULL, "\n"))
            note("physinfo: %s", l);
        free(js);
    }
    libxl_physinfo_dispose(&pi);
}

int main(int argc, char **argv)
{
    xentoollog_logger *lg;

    if (argc != 3) {
        fprintf(stderr, "usage: %s TAG DOMID\n", argv[0]);
        return 2;
    }
    tag = argv[1];
    uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    xch = xc_interface_open(lg, lg, 0);
    if (!check(xch != NULL, "open_xc", "%s", strerror(errno)) ||
        !check(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg) == 0, "open_libxl",
               "libxl_ctx_alloc failed"))
        return 1;
    check(dom_pool(domid) == 0 && domid != 0, "guest_in_pool0",
          "domain %u is in pool %d", domid, dom_pool(domid));

    facts_cpupool_movedomain(domid);
    facts_pool_schedulers(domid);
    facts_credit2_cap(domid);
    facts_nodeaffinity(domid);
    facts_hypfs();
    facts_physinfo();
    facts_debug_keys();
    facts_pcitopo();
    facts_pool_xenstore();
    facts_dom0();

    libxl_ctx_free(ctx);
    xc_interface_close(xch);
    xtl_logger_destroy(lg);
    note("%d passed, %d failed", npass, nfail);
    return nfail ? 1 : 0;
}
