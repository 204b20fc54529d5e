/*
 * dropin_vdispl_vsnd.c: the drop-in probe of virtual displays and sound
 * cards (libxl_device_vdispl_* and libxl_device_vsnd_*: add, remove,
 * destroy, list, getinfo, devid_to_device, and what
 * libxl_retrieve_domain_configuration shows of them). Built against
 * Debian's headers and library (dropin-vdispl-vsnd-debian) and against
 * lightcore's (dropin-vdispl-vsnd-ours);
 * tests/integration/ops/test_dropin_vdispl_vsnd.c runs it on one
 * simulated host with a guest whose frontends answer, inside private
 * /var/lib/xen directories, on both libraries, and compares what it
 * prints: every call's result, the structs as JSON, the log lines of
 * level WARN and above (without the FILE:LINE:FUNC prefix), and the
 * xenstore trees of the devices with every node's permissions, in
 * xenstored's order (the order the nodes were made in).
 *
 * Commands (one per run):
 *   store DOMID     the domain's configuration, stored as libxl does
 *                   when it creates one (device adds need it)
 *   add DOMID       a display (devid chosen by the library) and a sound
 *                   card (devid 3)
 *   settle DOMID    waits until both frontends are connected; the trees;
 *                   a second add of each (refused); the trees
 *   query DOMID     list, getinfo, devid_to_device (present and absent),
 *                   retrieve_domain_configuration's displays and cards
 *   remove DOMID    remove the display, destroy the card; the trees
 *   bad DOMID       calls with bad arguments (unknown backend domain,
 *                   devices that do not exist, domains that do not exist)
 *   crash DOMID     what makes Debian's library crash (a NULL pointer
 *                   given to sscanf): vsnd_getinfo of a card that does
 *                   not exist; for lightcore only
 * The test changes the frontend values a guest may write between runs (as
 * the guest). The ring references and event channels the simulated
 * frontends publish are made-up numbers that differ from run to run: the
 * trees show them as "N". lightcore logs what it refuses in a guest's
 * values ("Missing xenstore node ...", "Unable to parse xenstore node
 * ..."), where libxl says nothing: those lines are not printed.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

/* ------------------------------------------------------------ logger */

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (level < XTL_WARN) return;   /* debug lines differ by design */
    if (!strncmp(msg, "Missing xenstore node ", 22) ||
        !strncmp(msg, "Unable to parse xenstore node ", 30))
        return;                      /* lightcore's own, see above */
    probe_log_print(level, errnoval, context, msg);
}

/* Under make check-asan, the sanitizer's runtime is preloaded into every
 * run: Debian's libxenlight leaks here (the frontend states its
 * vsnd_getinfo reads, and more), which would fail its runs. Leaks are not
 * this probe's concern (lightcore's runs have the same setting, from the
 * environment, which wins over this). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}

/* ------------------------------------------------------------ helpers */

static libxl_ctx *ctx;
static struct xs_handle *xs;
static char *xdup(const char *s);
static uint32_t domid;

static void perm_print(const struct xs_permissions *p)
{
    char c = p->perms == XS_PERM_NONE ? 'n'
           : p->perms == XS_PERM_READ ? 'r'
           : p->perms == XS_PERM_WRITE ? 'w'
           : p->perms == (XS_PERM_READ | XS_PERM_WRITE) ? 'b' : '?';
    printf("%c%u", c, p->id);
}

/* path and everything under it, as `xenstore-ls -p` shows it: the
 * children in xenstored's order, each with its value and permissions. */
static void tree(const char *path, int depth)
{
    unsigned len = 0, n = 0, nperms = 0;
    char *value = xs_read(xs, XBT_NULL, path, &len);
    struct xs_permissions *perms;
    char **children;
    const char *name = strrchr(path, '/');

    if (!value) {
        if (!depth) printf("  %s: absent\n", path);
        return;
    }
    /* what the simulated frontends publish differs from run to run */
    if (depth == 2 && (!strcmp(name, "/ring-ref") ||
                       !strcmp(name, "/event-channel"))) {
        free(value);
        value = xdup("N");
    }
    printf("  %*s%s = \"%s\" (", 2 * depth, "", depth ? name + 1 : path,
           value);
    free(value);
    perms = xs_get_permissions(xs, XBT_NULL, path, &nperms);
    for (unsigned i = 0; perms && i < nperms; i++) {
        if (i) putchar(',');
        perm_print(&perms[i]);
    }
    free(perms);
    printf(")\n");
    children = xs_directory(xs, XBT_NULL, path, &n);
    for (unsigned i = 0; children && i < n; i++) {
        char *sub;
        if (asprintf(&sub, "%s/%s", path, children[i]) < 0) abort();
        tree(sub, depth + 1);
        free(sub);
    }
    free(children);
}

static void trees(const char *when)
{
    char path[128];

    printf("trees %s:\n", when);
    snprintf(path, sizeof(path), "/local/domain/%u/device/vdispl", domid);
    tree(path, 0);
    snprintf(path, sizeof(path), "/local/domain/%u/device/vsnd", domid);
    tree(path, 0);
    snprintf(path, sizeof(path), "/local/domain/0/backend/vdispl/%u", domid);
    tree(path, 0);
    snprintf(path, sizeof(path), "/local/domain/0/backend/vsnd/%u", domid);
    tree(path, 0);
    snprintf(path, sizeof(path), "/libxl/%u/device", domid);
    tree(path, 0);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits (a watch, 10 s at most) for the frontend's state to be 4. */
static void await_connected(const char *kind, int devid)
{
    char path[128];
    long long deadline = now_ms() + 10000;
    bool ok = false;

    snprintf(path, sizeof(path), "/local/domain/%u/device/%s/%d/state",
             domid, kind, devid);
    if (!xs_watch(xs, path, "c")) abort();
    for (;;) {
        unsigned len;
        char *v = xs_read(xs, XBT_NULL, path, &len);
        ok = v && !strcmp(v, "4");
        free(v);
        if (ok || now_ms() >= deadline) break;
        struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
        if (poll(&p, 1, (int)(deadline - now_ms())) == 1) {
            unsigned n;
            free(xs_read_watch(xs, &n));
        }
    }
    xs_unwatch(xs, path, "c");
    printf("%s %d connected: %s\n", kind, devid, ok ? "yes" : "no");
}

#define PRINT_JSON(type, what, p) do {                                   \
        char *j_ = libxl_##type##_to_json(ctx, (p));                     \
        printf("%s %s\n", (what), j_ ? j_ : "(null)");                   \
        free(j_);                                                        \
    } while (0)

/* ------------------------------------------------------------ devices */

static char *xdup(const char *s)
{
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static void *array(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) abort();
    return p;
}

/* Two connectors, the backend allocating buffers. */
static void make_vdispl(libxl_device_vdispl *v)
{
    libxl_device_vdispl_init(v);
    v->be_alloc = true;
    v->num_connectors = 2;
    v->connectors = array(2, sizeof(*v->connectors));
    for (int i = 0; i < 2; i++) libxl_connector_param_init(&v->connectors[i]);
    v->connectors[0].unique_id = xdup("DP-1");
    v->connectors[0].width = 1920;
    v->connectors[0].height = 1080;
    v->connectors[1].unique_id = xdup("HDMI-A-1");
    v->connectors[1].width = 800;
    v->connectors[1].height = 600;
}

static void set_rates(libxl_vsnd_params *p, int n, const uint32_t *r)
{
    p->num_sample_rates = n;
    p->sample_rates = array((size_t)n, sizeof(*r));
    memcpy(p->sample_rates, r, (size_t)n * sizeof(*r));
}

static void set_formats(libxl_vsnd_params *p, int n,
                        const libxl_vsnd_pcm_format *f)
{
    p->num_sample_formats = n;
    p->sample_formats = array((size_t)n, sizeof(*f));
    memcpy(p->sample_formats, f, (size_t)n * sizeof(*f));
}

/* Parameters at every level: the card's, two PCM devices (the first with
 * two streams, the second with one whose type is not set). */
static void make_vsnd(libxl_device_vsnd *v)
{
    static const uint32_t rates[] = { 44100, 48000 }, rate8[] = { 8000 };
    static const libxl_vsnd_pcm_format formats[] = {
        LIBXL_VSND_PCM_FORMAT_S16_LE, LIBXL_VSND_PCM_FORMAT_S24_LE };

    libxl_device_vsnd_init(v);
    v->devid = 3;
    v->short_name = xdup("card");
    v->long_name = xdup("Virtual card");
    set_rates(&v->params, 2, rates);
    set_formats(&v->params, 2, formats);
    v->params.channels_min = 1;
    v->params.channels_max = 2;
    v->params.buffer_size = 65536;
    v->num_vsnd_pcms = 2;
    v->pcms = array(2, sizeof(*v->pcms));
    for (int i = 0; i < 2; i++) libxl_vsnd_pcm_init(&v->pcms[i]);
    v->pcms[0].name = xdup("main");
    v->pcms[0].params.channels_max = 8;
    v->pcms[0].num_vsnd_streams = 2;
    v->pcms[0].streams = array(2, sizeof(*v->pcms[0].streams));
    for (int j = 0; j < 2; j++) libxl_vsnd_stream_init(&v->pcms[0].streams[j]);
    v->pcms[0].streams[0].unique_id = xdup("0");
    v->pcms[0].streams[0].type = LIBXL_VSND_STREAM_TYPE_P;
    v->pcms[0].streams[1].unique_id = xdup("1");
    v->pcms[0].streams[1].type = LIBXL_VSND_STREAM_TYPE_C;
    set_rates(&v->pcms[0].streams[1].params, 1, rate8);
    v->pcms[1].num_vsnd_streams = 1;
    v->pcms[1].streams = array(1, sizeof(*v->pcms[1].streams));
    libxl_vsnd_stream_init(&v->pcms[1].streams[0]);
    v->pcms[1].streams[0].params.buffer_size = 4096;
}

static void cmd_store(void)
{
    libxl_dominfo info;
    libxl_domain_config cfg;
    char *json;

    libxl_dominfo_init(&info);
    libxl_domain_config_init(&cfg);
    if (libxl_domain_info(ctx, &info, domid)) abort();
    cfg.c_info.type = LIBXL_DOMAIN_TYPE_PV;
    cfg.c_info.name = xdup("vm");
    libxl_uuid_copy(ctx, &cfg.c_info.uuid, &info.uuid);
    libxl_domain_build_info_init_type(&cfg.b_info, LIBXL_DOMAIN_TYPE_PV);
    json = libxl_domain_config_to_json(ctx, &cfg);
    printf("store = %d\n", libxl_userdata_store(ctx, domid, "libxl-json",
                                                 (const uint8_t *)json,
                                                 (int)strlen(json) + 1));
    free(json);
    libxl_domain_config_dispose(&cfg);
    libxl_dominfo_dispose(&info);
}

static void cmd_add(void)
{
    libxl_device_vdispl vd;
    libxl_device_vsnd vs;

    make_vdispl(&vd);
    vd.devid = -1;
    printf("vdispl_add = %d\n", libxl_device_vdispl_add(ctx, domid, &vd,
                                                         NULL));
    PRINT_JSON(device_vdispl, "  after:", &vd);
    make_vsnd(&vs);
    printf("vsnd_add = %d\n", libxl_device_vsnd_add(ctx, domid, &vs, NULL));
    PRINT_JSON(device_vsnd, "  after:", &vs);
    libxl_device_vdispl_dispose(&vd);
    libxl_device_vsnd_dispose(&vs);
}

static void cmd_settle(void)
{
    libxl_device_vdispl vd;
    libxl_device_vsnd vs;

    await_connected("vdispl", 0);
    await_connected("vsnd", 3);
    trees("connected");
    make_vdispl(&vd);
    vd.devid = 0;
    printf("vdispl_add again = %d\n",
           libxl_device_vdispl_add(ctx, domid, &vd, NULL));
    make_vsnd(&vs);
    printf("vsnd_add again = %d\n", libxl_device_vsnd_add(ctx, domid, &vs,
                                                           NULL));
    trees("after adding again");
    libxl_device_vdispl_dispose(&vd);
    libxl_device_vsnd_dispose(&vs);
}

static void query_vdispl(void)
{
    int n = -1, rc;
    libxl_device_vdispl *l = libxl_device_vdispl_list(ctx, domid, &n), d;

    printf("vdispl_list: %s num %d\n", l ? "list" : "NULL", n);
    for (int i = 0; i < n; i++) {
        libxl_vdisplinfo info;

        PRINT_JSON(device_vdispl, "  device:", &l[i]);
        rc = libxl_device_vdispl_getinfo(ctx, domid, &l[i], &info);
        printf("  getinfo = %d\n", rc);
        PRINT_JSON(vdisplinfo, "  info:", &info);
        libxl_vdisplinfo_dispose(&info);
    }
    libxl_device_vdispl_list_free(l, n);
    for (int devid = 0; devid < 2; devid++) {
        rc = libxl_devid_to_device_vdispl(ctx, domid, devid, &d);
        printf("devid_to_device_vdispl(%d) = %d\n", devid, rc);
        PRINT_JSON(device_vdispl, "  device:", &d);
        libxl_device_vdispl_dispose(&d);
    }
}

static void query_vsnd(void)
{
    int n = -1, rc;
    libxl_device_vsnd *l = libxl_device_vsnd_list(ctx, domid, &n), d;

    printf("vsnd_list: %s num %d\n", l ? "list" : "NULL", n);
    for (int i = 0; i < n; i++) {
        libxl_vsndinfo info;

        PRINT_JSON(device_vsnd, "  device:", &l[i]);
        rc = libxl_device_vsnd_getinfo(ctx, domid, &l[i], &info);
        printf("  getinfo = %d\n", rc);
        PRINT_JSON(vsndinfo, "  info:", &info);
        libxl_vsndinfo_dispose(&info);
    }
    libxl_device_vsnd_list_free(l, n);
    for (int devid = 2; devid < 4; devid++) {
        rc = libxl_devid_to_device_vsnd(ctx, domid, devid, &d);
        printf("devid_to_device_vsnd(%d) = %d\n", devid, rc);
        PRINT_JSON(device_vsnd, "  device:", &d);
        libxl_device_vsnd_dispose(&d);
    }
    /* the rings of the streams the caller names (the card as added) */
    libxl_device_vsnd_init(&d);
    make_vsnd(&d);
    libxl_vsndinfo info;
    rc = libxl_device_vsnd_getinfo(ctx, domid, &d, &info);
    printf("vsnd_getinfo(as added) = %d\n", rc);
    PRINT_JSON(vsndinfo, "  info:", &info);
    libxl_vsndinfo_dispose(&info);
    libxl_device_vsnd_dispose(&d);
}

static void cmd_query(void)
{
    libxl_domain_config cfg;
    int rc;

    query_vdispl();
    query_vsnd();
    libxl_domain_config_init(&cfg);
    rc = libxl_retrieve_domain_configuration(ctx, domid, &cfg, NULL);
    printf("retrieve = %d: %d vdispls, %d vsnds\n", rc, cfg.num_vdispls,
           cfg.num_vsnds);
    for (int i = 0; i < cfg.num_vdispls; i++)
        PRINT_JSON(device_vdispl, "  vdispl:", &cfg.vdispls[i]);
    for (int i = 0; i < cfg.num_vsnds; i++)
        PRINT_JSON(device_vsnd, "  vsnd:", &cfg.vsnds[i]);
    libxl_domain_config_dispose(&cfg);
}

static void cmd_remove(void)
{
    libxl_device_vdispl vd;
    libxl_device_vsnd vs;

    libxl_device_vdispl_init(&vd);
    vd.devid = 0;
    printf("vdispl_remove = %d\n",
           libxl_device_vdispl_remove(ctx, domid, &vd, NULL));
    libxl_device_vsnd_init(&vs);
    vs.devid = 3;
    printf("vsnd_destroy = %d\n",
           libxl_device_vsnd_destroy(ctx, domid, &vs, NULL));
    trees("after remove");
    libxl_device_vdispl_dispose(&vd);
    libxl_device_vsnd_dispose(&vs);
}

static void cmd_bad(void)
{
    libxl_device_vdispl vd;
    libxl_device_vsnd vs;
    libxl_vdisplinfo di;
    int n = -1, rc;

    make_vdispl(&vd);
    vd.backend_domname = xdup("no-such-domain");
    printf("vdispl_add(unknown backend) = %d\n",
           libxl_device_vdispl_add(ctx, domid, &vd, NULL));
    libxl_device_vdispl_dispose(&vd);
    make_vsnd(&vs);
    vs.backend_domname = xdup("no-such-domain");
    printf("vsnd_add(unknown backend) = %d\n",
           libxl_device_vsnd_add(ctx, domid, &vs, NULL));
    libxl_device_vsnd_dispose(&vs);
    make_vdispl(&vd);
    printf("vdispl_add(no such domain) = %d\n",
           libxl_device_vdispl_add(ctx, 4242, &vd, NULL));
    vd.devid = 9;
    rc = libxl_device_vdispl_getinfo(ctx, domid, &vd, &di);
    printf("vdispl_getinfo(absent) = %d\n", rc);
    libxl_vdisplinfo_dispose(&di);
    libxl_device_vdispl_dispose(&vd);
    rc = libxl_device_vdispl_list(ctx, 4242, &n) != NULL;
    printf("vdispl_list(no such domain): %s num %d\n", rc ? "list" : "NULL",
           n);
    n = -1;
    rc = libxl_device_vsnd_list(ctx, 4242, &n) != NULL;
    printf("vsnd_list(no such domain): %s num %d\n", rc ? "list" : "NULL",
           n);
    rc = libxl_devid_to_device_vdispl(ctx, 4242, 0, &vd);
    printf("devid_to_device_vdispl(no such domain) = %d\n", rc);
    libxl_device_vdispl_dispose(&vd);
    rc = libxl_devid_to_device_vsnd(ctx, 4242, 0, &vs);
    printf("devid_to_device_vsnd(no such domain) = %d\n", rc);
    libxl_device_vsnd_dispose(&vs);
    trees("after bad calls");
}

static void cmd_crash(void)
{
    libxl_device_vsnd vs;
    libxl_vsndinfo info;

    make_vsnd(&vs);
    vs.devid = 9;
    printf("vsnd_getinfo(absent) = %d\n",
           libxl_device_vsnd_getinfo(ctx, domid, &vs, &info));
    libxl_vsndinfo_dispose(&info);
    libxl_device_vsnd_dispose(&vs);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s store|add|settle|query|remove|bad|crash DOMID\n",
                argv[0]);
        return 2;
    }
    domid = (uint32_t)atoi(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) return 1;
    xs = xs_open(0);
    if (!xs) return 1;
    if (!strcmp(argv[1], "store")) cmd_store();
    else if (!strcmp(argv[1], "add")) cmd_add();
    else if (!strcmp(argv[1], "settle")) cmd_settle();
    else if (!strcmp(argv[1], "query")) cmd_query();
    else if (!strcmp(argv[1], "remove")) cmd_remove();
    else if (!strcmp(argv[1], "bad")) cmd_bad();
    else if (!strcmp(argv[1], "crash")) cmd_crash();
    else return 2;
    xs_close(xs);
    libxl_ctx_free(ctx);
    return 0;
}
