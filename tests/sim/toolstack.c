/*
 * toolstack.c: what a toolstack does for a new domain: `xensim create` and
 * `xensim create-bulk` write /local/domain/N, /vm/UUID and /libxl/N (as
 * libxl does, or fewer nodes for scale tests) and introduce the domain to
 * xenstored, pipelining the requests; `request-shutdown` writes
 * control/shutdown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "xensim.h"

struct batch {
    struct xsc *c;
    unsigned inflight, window;
    int error;                    /* first errno answered */
    uint32_t error_type;
    unsigned requests;
};

static int drain_one(struct batch *b)
{
    struct xs_msg m;
    int e = xsc_recv(b->c, &m, b->c->timeout_ms);
    if (e)
        return e;
    if (m.hdr.type != XS_WATCH_EVENT) {
        b->inflight--;
        if (m.hdr.type == XS_ERROR && !b->error) {
            b->error = xsc_errno(m.body);
            b->error_type = m.hdr.type;
        }
    }
    free(m.body);
    return 0;
}

static int batch_req(struct batch *b, uint32_t type, const void *p, size_t len)
{
    int e = xsc_send(b->c, type, 0, p, len, NULL);
    if (e)
        return e;
    b->inflight++;
    b->requests++;
    while (b->inflight >= b->window)
        if ((e = drain_one(b)))
            return e;
    return 0;
}

static int batch_finish(struct batch *b)
{
    while (b->inflight)
        if (drain_one(b))
            return EIO;
    return b->error;
}

static int b_strings(struct batch *b, uint32_t type, const char *const *v, int n)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t len = xsc_strings(buf, sizeof(buf), v, n);
    if (!len)
        return E2BIG;
    return batch_req(b, type, buf, len);
}

static int b_write(struct batch *b, const char *path, const char *value)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t pl = strlen(path) + 1, vl = strlen(value);
    if (pl + vl > sizeof(buf))
        return E2BIG;
    memcpy(buf, path, pl);
    memcpy(buf + pl, value, vl);
    return batch_req(b, XS_WRITE, buf, pl + vl);
}

static int b_mkdir(struct batch *b, const char *path)
{
    return batch_req(b, XS_MKDIR, path, strlen(path) + 1);
}

static int b_perms(struct batch *b, const char *path, const char *p1, const char *p2)
{
    const char *v[] = { path, p1, p2 };
    return b_strings(b, XS_SET_PERMS, v, p2 ? 3 : 2);
}

struct newdom {
    uint32_t domid;
    const char *name;
    uint8_t uuid[16];
    uint64_t mem_kb;
    uint32_t vcpus;
    const char *type;             /* /libxl/N/type: "pv", "hvm" or "pvh" */
};

static void uuid_str(const uint8_t u[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
             u[12], u[13], u[14], u[15]);
}

static int parse_uuid(const char *s, uint8_t u[16])
{
    int n = 0;
    for (const char *p = s; *p && n < 32; p++) {
        if (*p == '-')
            continue;
        char h[3] = { p[0], p[1], 0 };
        if (!p[1])
            return -1;
        u[n / 2] = (uint8_t)strtoul(h, NULL, 16);
        n += 2;
        p++;
    }
    return n == 32 ? 0 : -1;
}

static void random_uuid(uint8_t u[16])
{
    if (getrandom(u, 16, 0) != 16)
        for (int i = 0; i < 16; i++)
            u[i] = (uint8_t)rand();
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
}

/* Write path = val (then give the node to the guest when perm is set). */
static int node(struct batch *b, int e, const char *path, const char *val, const char *perm)
{
    if (!e)
        e = b_write(b, path, val);
    if (!e && perm)
        e = b_perms(b, path, perm, NULL);
    return e;
}

/* Same, for a path under the domain's /local/domain/N. */
static int dnode(struct batch *b, int e, const char *dom, const char *rel,
                 const char *val, const char *perm)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", dom, rel);
    return node(b, e, p, val, perm);
}

static int dir_with_perms(struct batch *b, int e, const char *path, const char *p1,
                          const char *p2)
{
    if (!e)
        e = b_mkdir(b, path);
    if (!e)
        e = b_perms(b, path, p1, p2);
    return e;
}

/* Queue the xenstore entries of one domain, as libxl's domain creation. */
static int queue_nodes(struct batch *b, const struct newdom *d, enum nodes_level level)
{
    char dom[64], vm[64], lx[64], uuid[37], p[256], v[64], ro[16], rw[16];
    if (level == NODES_NONE)
        return 0;
    snprintf(dom, sizeof(dom), "/local/domain/%u", d->domid);
    uuid_str(d->uuid, uuid);
    snprintf(vm, sizeof(vm), "/vm/%s", uuid);
    snprintf(lx, sizeof(lx), "/libxl/%u", d->domid);
    snprintf(ro, sizeof(ro), "r%u", d->domid);    /* dom0 owns, guest reads */
    snprintf(rw, sizeof(rw), "n%u", d->domid);    /* the guest owns */

    int e = dir_with_perms(b, 0, dom, "n0", ro);
    e = dnode(b, e, dom, "name", d->name, NULL);
    snprintf(v, sizeof(v), "%u", d->domid);
    e = dnode(b, e, dom, "domid", v, NULL);
    if (level == NODES_MINIMAL)
        return e;

    e = dir_with_perms(b, e, vm, "n0", ro);
    e = dir_with_perms(b, e, lx, "n0", NULL);
    snprintf(p, sizeof(p), "%s/type", lx);
    e = node(b, e, p, d->type ? d->type : "pv", NULL);
    e = dnode(b, e, dom, "vm", vm, NULL);
    snprintf(p, sizeof(p), "%s/name", vm);
    e = node(b, e, p, d->name, NULL);
    snprintf(p, sizeof(p), "%s/uuid", vm);
    e = node(b, e, p, uuid, NULL);
    snprintf(p, sizeof(p), "%s/start_time", vm);
    snprintf(v, sizeof(v), "%lld.00", (long long)time(NULL));
    e = node(b, e, p, v, NULL);
    for (uint32_t i = 0; i < d->vcpus && i < 64; i++) {
        snprintf(p, sizeof(p), "cpu/%u/availability", i);
        e = dnode(b, e, dom, p, "online", NULL);
    }
    snprintf(v, sizeof(v), "%llu", (unsigned long long)d->mem_kb);
    e = dnode(b, e, dom, "memory/static-max", v, NULL);
    e = dnode(b, e, dom, "memory/target", v, NULL);
    e = dnode(b, e, dom, "memory/videoram", "-1", NULL);
    e = dnode(b, e, dom, "device/suspend/event-channel", "", rw);
    e = dnode(b, e, dom, "control/shutdown", "", rw);
    e = dnode(b, e, dom, "control/sysrq", "", rw);
    e = dnode(b, e, dom, "control/platform-feature-multiprocessor-suspend", "1", NULL);
    e = dnode(b, e, dom, "control/platform-feature-xs_reset_watches", "1", NULL);
    static const char *const guest_dirs[] = { "data", "drivers", "feature", "attr", "error" };
    for (size_t i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++)
        e = dnode(b, e, dom, guest_dirs[i], "", rw);
    e = dnode(b, e, dom, "store/port", "1", NULL);
    e = dnode(b, e, dom, "store/ring-ref", "1044478", NULL);
    e = dnode(b, e, dom, "image/os_type", "linux", NULL);
    return e;
}

static int queue_introduce(struct batch *b, uint32_t domid)
{
    char id[16], port[16];
    snprintf(id, sizeof(id), "%u", domid);
    snprintf(port, sizeof(port), "%u", 1u);
    const char *v[] = { id, "1044478", port };
    return b_strings(b, XS_INTRODUCE, v, 3);
}

int cli_connect(struct xsc *c)
{
    const char *path = getenv("XENSTORED_PATH");
    char buf[4096];
    if (!path || !*path) {
        const char *dir = getenv("XENSTORED_RUNDIR");
        if (!dir || !*dir) {
            fprintf(stderr, "xensim: no host (XENSTORED_PATH unset)\n");
            return ENOENT;
        }
        snprintf(buf, sizeof(buf), "%s/socket", dir);
        path = buf;
    }
    int e = xsc_open_socket(c, path);
    if (e)
        fprintf(stderr, "xensim: cannot connect to xenstored at %s: %s\n", path, strerror(e));
    return e;
}

static int parse_nodes(const char *s)
{
    if (!strcmp(s, "none")) return NODES_NONE;
    if (!strcmp(s, "minimal")) return NODES_MINIMAL;
    if (!strcmp(s, "full")) return NODES_FULL;
    return -1;
}

int cmd_create(int argc, char **argv)
{
    static const char *syn = "create NAME [--mem-mb MB | --mem-kb KB] [--vcpus N] "
        "[--uuid UUID] [--nodes full|minimal|none] [--no-introduce] [--hvm|--pvh] "
        "[--guest obey|ignore|ack-only|crash] [--ack-delay MS] [--frontends on|off]";
    if (argc < 2)
        return cli_usage(syn);
    struct newdom d = { .name = argv[1], .mem_kb = 128 * 1024, .vcpus = 1 };
    int level = NODES_FULL, ack_delay = 0;
    bool introduce = true, have_uuid = false, frontends = true;
    const char *guest = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-introduce")) { introduce = false; continue; }
        /* HVM containers: HVM guests, and PVH guests (libxl tells them
         * apart by /libxl/N/type) */
        if (!strcmp(a, "--hvm")) { d.type = "hvm"; continue; }
        if (!strcmp(a, "--pvh")) { d.type = "pvh"; continue; }
        if (!v)
            return cli_usage(syn);
        i++;
        if (!strcmp(a, "--mem-mb")) d.mem_kb = strtoull(v, NULL, 0) * 1024;
        else if (!strcmp(a, "--mem-kb")) d.mem_kb = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--vcpus")) d.vcpus = (uint32_t)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--uuid")) {
            if (parse_uuid(v, d.uuid) < 0)
                return cli_usage(syn);
            have_uuid = true;
        } else if (!strcmp(a, "--nodes")) {
            if ((level = parse_nodes(v)) < 0)
                return cli_usage(syn);
        } else if (!strcmp(a, "--guest")) guest = v;
        else if (!strcmp(a, "--ack-delay")) ack_delay = atoi(v);
        else if (!strcmp(a, "--frontends") && (!strcmp(v, "on") || !strcmp(v, "off")))
            frontends = !strcmp(v, "on");
        else
            return cli_usage(syn);
    }
    if (!have_uuid)
        random_uuid(d.uuid);
    struct xsc c;
    if (cli_connect(&c))
        return 1;
    int domid = xensim_domain_create(d.name, d.mem_kb, d.vcpus, d.uuid);
    if (domid < 0) {
        fprintf(stderr, "xensim create: %s\n", strerror(-domid));
        xsc_close(&c);
        return 1;
    }
    d.domid = (uint32_t)domid;
    if (d.type && (domid = xensim_domain_set_hvm(d.domid)) < 0) {
        fprintf(stderr, "xensim create: %s\n", strerror(-domid));
        xsc_close(&c);
        xensim_domain_destroy(d.domid);
        return 1;
    }
    struct batch b = { .c = &c, .window = 64 };
    int e = queue_nodes(&b, &d, (enum nodes_level)level);
    if (!e && introduce)
        e = queue_introduce(&b, d.domid);
    if (!e)
        e = batch_finish(&b);
    xsc_close(&c);
    if (e) {
        fprintf(stderr, "xensim create: xenstore: %s\n", strerror(e));
        xensim_domain_destroy(d.domid);
        return 1;
    }
    if (introduce)
        xensim_domain_set_introduced(d.domid);
    if (guest && guest_spawn_frontends(d.domid, guest, ack_delay, frontends) < 0) {
        fprintf(stderr, "xensim create: cannot start the guest\n");
        return 1;
    }
    printf("%u\n", d.domid);
    return 0;
}

int cmd_create_bulk(int argc, char **argv)
{
    static const char *syn = "create-bulk COUNT [--prefix NAME] [--mem-mb MB] "
        "[--nodes none|minimal|full] [--window N] [--quiet]";
    if (argc < 2)
        return cli_usage(syn);
    long count = strtol(argv[1], NULL, 0);
    const char *prefix = "bulk";
    uint64_t mem_kb = 64 * 1024;
    int level = NODES_NONE;
    unsigned window = 256;
    bool quiet = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quiet")) { quiet = true; continue; }
        if (!v)
            return cli_usage(syn);
        i++;
        if (!strcmp(a, "--prefix")) prefix = v;
        else if (!strcmp(a, "--mem-mb")) mem_kb = strtoull(v, NULL, 0) * 1024;
        else if (!strcmp(a, "--window")) window = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--nodes")) {
            if ((level = parse_nodes(v)) < 0)
                return cli_usage(syn);
        } else
            return cli_usage(syn);
    }
    if (count <= 0 || window == 0)
        return cli_usage(syn);
    struct xsc c;
    if (cli_connect(&c))
        return 1;
    c.timeout_ms = 120000;
    uint64_t t0 = cli_now_us();
    struct batch b = { .c = &c, .window = window };
    int first = -1, last = -1, e = 0;
    for (long i = 0; i < count && !e; i++) {
        char name[96];
        snprintf(name, sizeof(name), "%s%ld", prefix, i);
        struct newdom d = { .name = name, .mem_kb = mem_kb, .vcpus = 1 };
        random_uuid(d.uuid);
        int id = xensim_domain_create(name, mem_kb, 1, d.uuid);
        if (id < 0) {
            e = -id;
            break;
        }
        d.domid = (uint32_t)id;
        if (first < 0)
            first = id;
        last = id;
        e = queue_nodes(&b, &d, (enum nodes_level)level);
    }
    /* Introduce only once every node is written: xenstored's main loop
     * visits every introduced domain per request it handles, so writing
     * first is much cheaper at scale. */
    for (int id = first; !e && id >= 0 && id <= last; id++)
        e = queue_introduce(&b, (uint32_t)id);
    if (!e)
        e = batch_finish(&b);
    xsc_close(&c);
    uint64_t us = cli_now_us() - t0;
    if (e) {
        fprintf(stderr, "xensim create-bulk: %s\n", strerror(e));
        return 1;
    }
    for (int id = first; id >= 0 && id <= last; id++)
        xensim_domain_set_introduced((uint32_t)id);
    if (!quiet)
        printf("first=%d last=%d count=%ld requests=%u usec=%llu\n", first, last, count,
               b.requests, (unsigned long long)us);
    return 0;
}

int cmd_request_shutdown(int argc, char **argv)
{
    if (argc != 3)
        return cli_usage("request-shutdown DOMID poweroff|reboot|suspend|halt|...");
    struct xsc c;
    if (cli_connect(&c))
        return 1;
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%s/control/shutdown", argv[1]);
    int e = xsc_write(&c, 0, path, argv[2], strlen(argv[2]));
    xsc_close(&c);
    if (e) {
        fprintf(stderr, "xensim request-shutdown: %s\n", strerror(e));
        return 1;
    }
    return 0;
}
