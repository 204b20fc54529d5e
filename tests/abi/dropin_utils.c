/*
 * dropin_utils.c: the drop-in probe for the helpers of libxl_utils.h and
 * of the builtin types. Built against Debian's headers and library
 * (dropin-utils-debian) and against lightcore's (dropin-utils-ours); run on
 * one simulated host as Debian's, as Debian's binary on lightcore, and as
 * ours (tests/integration/ops/test_dropin_utils.c). It prints results and
 * the log lines they cause (without the file:line:function prefix, which
 * names each library's own source) in a stable text form; all three runs
 * must print the same.
 *
 * Left out on purpose, where lightcore deliberately differs: negative
 * bitmap sizes (libxl aborts or allocates nothing), a NULL ctx where libxl
 * crashes on one, and the hostile inputs of tests/unit/types. Where libxl
 * logs errno without having set it, errno is zeroed first.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include <libxl.h>
#include <libxl_utils.h>

/* Declared by libxl_json.h, which needs more than this probe includes. */
yajl_gen_status libxl_cpuid_policy_list_gen_json(yajl_gen hand,
                                                 libxl_cpuid_policy_list *p);

/* ------------------------------------------------------------ logger */

#include "probe_logger.h"

/* Prints each message as "  log LEVEL CONTEXT [errno E] MESSAGE". */
static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    probe_log_print(level, errnoval, context, msg);
}

/* ------------------------------------------------------------ helpers */

static libxl_ctx *pctx;    /* libxl's to_hex_string needs a real ctx */

static void print_bitmap(const char *what, int rc, const libxl_bitmap *b)
{
    char *hex = libxl_bitmap_to_hex_string(pctx, b);

    printf("%s: rc %d size %u hex %s count %d full %d empty %d\n", what, rc,
           (unsigned)b->size, hex, libxl_bitmap_count_set(b),
           libxl_bitmap_is_full(b), libxl_bitmap_is_empty(b));
    free(hex);
}

static void print_policy(const char *what, libxl_cpuid_policy_list *p)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;

    libxl_cpuid_policy_list_gen_json(g, p);
    yajl_gen_get_buf(g, &buf, &len);
    printf("%s: length %d %.*s\n", what, libxl_cpuid_policy_list_length(p),
           (int)len, (const char *)buf);
    yajl_gen_free(g);
}

static void print_list(const char *what, char **l)
{
    printf("%s:", what);
    if (!l)
        printf(" NULL");
    for (int i = 0; l && l[i]; i++)
        printf(" [%s]", l[i]);
    printf("\n");
}

/* ------------------------------------------------------------ sections */

static void host_bitmaps(libxl_ctx *ctx)
{
    libxl_bitmap b;
    int rc;

    printf("get_max_cpus %d\n", libxl_get_max_cpus(ctx));
    printf("get_max_nodes %d\n", libxl_get_max_nodes(ctx));
    static const int sizes[] = { 0, 1, 8, 9, 200 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char what[64];

        libxl_bitmap_init(&b);
        rc = libxl_cpu_bitmap_alloc(ctx, &b, sizes[i]);
        snprintf(what, sizeof(what), "cpu_bitmap_alloc(%d)", sizes[i]);
        print_bitmap(what, rc, &b);
        libxl_bitmap_dispose(&b);
        rc = libxl_node_bitmap_alloc(ctx, &b, sizes[i]);
        snprintf(what, sizeof(what), "node_bitmap_alloc(%d)", sizes[i]);
        print_bitmap(what, rc, &b);
        libxl_bitmap_dispose(&b);
        rc = libxl_socket_bitmap_alloc(ctx, &b, sizes[i]);
        snprintf(what, sizeof(what), "socket_bitmap_alloc(%d)", sizes[i]);
        print_bitmap(what, rc, &b);
        libxl_bitmap_dispose(&b);
    }
    libxl_bitmap_init(&b);
    printf("cpu_bitmap_alloc(-1) %d\n", libxl_cpu_bitmap_alloc(ctx, &b, -1));
    printf("node_bitmap_alloc(-1) %d\n", libxl_node_bitmap_alloc(ctx, &b, -1));
    printf("socket_bitmap_alloc(-1) %d\n",
           libxl_socket_bitmap_alloc(ctx, &b, -1));
}

/* CPUs <-> nodes on the simulated host's topology. */
static void topology(libxl_ctx *ctx)
{
    libxl_bitmap cpus, nodes, wide;
    int rc;

    libxl_bitmap_init(&cpus);
    libxl_bitmap_init(&nodes);
    libxl_bitmap_init(&wide);
    libxl_cpu_bitmap_alloc(ctx, &cpus, 0);
    libxl_node_bitmap_alloc(ctx, &nodes, 0);
    libxl_bitmap_alloc(ctx, &wide, 300);

    for (int node = -1; node < 3; node++) {
        char what[64];

        libxl_bitmap_set_any(&nodes);
        libxl_bitmap_set_none(&nodes);
        libxl_bitmap_set(&nodes, node);
        libxl_bitmap_set_any(&cpus);
        rc = libxl_nodemap_to_cpumap(ctx, &nodes, &cpus);
        snprintf(what, sizeof(what), "nodemap_to_cpumap({%d})", node);
        print_bitmap(what, rc, &cpus);
        libxl_bitmap_set_any(&cpus);
        rc = libxl_node_to_cpumap(ctx, node, &cpus);
        snprintf(what, sizeof(what), "node_to_cpumap(%d)", node);
        print_bitmap(what, rc, &cpus);
    }
    rc = libxl_node_to_cpumap(ctx, 100, &wide);
    print_bitmap("node_to_cpumap(100)", rc, &wide);
    libxl_bitmap_set_any(&nodes);
    rc = libxl_nodemap_to_cpumap(ctx, &nodes, &wide);
    print_bitmap("nodemap_to_cpumap(all) into 300 bits", rc, &wide);

    static const int cpu_list[] = { -1, 0, 1, 2, 7, 8, 63, 255, 299 };
    for (size_t k = 0; k < sizeof(cpu_list) / sizeof(cpu_list[0]); k++) {
        int cpu = cpu_list[k];
        char what[64];

        libxl_bitmap_set_none(&wide);
        libxl_bitmap_set(&wide, cpu);
        libxl_bitmap_set_any(&nodes);
        rc = libxl_cpumap_to_nodemap(ctx, &wide, &nodes);
        snprintf(what, sizeof(what), "cpumap_to_nodemap({%d})", cpu);
        print_bitmap(what, rc, &nodes);
    }
    libxl_bitmap_set_any(&wide);
    rc = libxl_cpumap_to_nodemap(ctx, &wide, &nodes);
    print_bitmap("cpumap_to_nodemap(all)", rc, &nodes);
    libxl_bitmap_dispose(&cpus);
    libxl_bitmap_dispose(&nodes);
    libxl_bitmap_dispose(&wide);
}

static void bitmaps(libxl_ctx *ctx)
{
    libxl_bitmap a, b, c;
    int i;

    libxl_bitmap_init(&a);
    libxl_bitmap_init(&b);
    libxl_bitmap_init(&c);
    print_bitmap("init", 0, &a);
    print_bitmap("alloc(0)", libxl_bitmap_alloc(ctx, &a, 0), &a);
    libxl_bitmap_dispose(&a);
    print_bitmap("alloc(17)", libxl_bitmap_alloc(ctx, &a, 17), &a);
    print_bitmap("alloc(8)", libxl_bitmap_alloc(ctx, &b, 8), &b);
    for (i = -3; i < 30; i += 4)
        libxl_bitmap_set(&a, i);
    libxl_bitmap_set(&b, 7);
    libxl_bitmap_set(&b, 2);
    print_bitmap("a set", 0, &a);
    libxl_bitmap_reset(&a, 5);
    libxl_bitmap_reset(&a, 100);
    print_bitmap("a reset 5", 0, &a);
    printf("test:");
    for (i = -2; i < 26; i++)
        printf("%d", libxl_bitmap_test(&a, i));
    printf("\nset bits:");
    /* (not libxl_for_each_set_bit: Debian's compares int and unsigned) */
    for (i = 0; i < (int)a.size * 8; i++)
        if (libxl_bitmap_test(&a, i))
            printf(" %d", i);
    printf("\ncpu_valid 23 %d 24 %d -1 %d\n", libxl_bitmap_cpu_valid(&a, 23),
           libxl_bitmap_cpu_valid(&a, 24), libxl_bitmap_cpu_valid(&a, -1));
    print_bitmap("or", libxl_bitmap_or(ctx, &c, &a, &b), &c);
    libxl_bitmap_dispose(&c);
    print_bitmap("or swapped", libxl_bitmap_or(ctx, &c, &b, &a), &c);
    libxl_bitmap_dispose(&c);
    print_bitmap("and", libxl_bitmap_and(ctx, &c, &a, &b), &c);
    libxl_bitmap_dispose(&c);
    print_bitmap("and swapped", libxl_bitmap_and(ctx, &c, &b, &a), &c);
    printf("equal(a,a,0) %d equal(a,b,0) %d equal(b,c,0) %d equal(a,b,2) %d\n",
           libxl_bitmap_equal(&a, &a, 0), libxl_bitmap_equal(&a, &b, 0),
           libxl_bitmap_equal(&b, &c, 0), libxl_bitmap_equal(&a, &b, 2));
    libxl_bitmap_dispose(&c);
    libxl_bitmap_copy_alloc(ctx, &c, &a);
    print_bitmap("copy_alloc", 0, &c);
    libxl_bitmap_set_none(&c);
    libxl_bitmap_copy(ctx, &c, &a);
    print_bitmap("copy", 0, &c);
    libxl_bitmap_set_any(&c);
    print_bitmap("set_any", 0, &c);
    libxl_bitmap_set_none(&c);
    print_bitmap("set_none", 0, &c);
    libxl_bitmap_dispose(&a);
    libxl_bitmap_dispose(&b);
    libxl_bitmap_dispose(&c);
    libxl_bitmap_dispose(&c);
    print_bitmap("disposed", 0, &c);
}

static void lists_and_values(libxl_ctx *ctx)
{
    char *strs[] = { strdup("a"), strdup(""), strdup("c d"), NULL };
    libxl_string_list sl = NULL, sc = NULL;
    char *kvs[] = { strdup("k"), strdup("v"), strdup("n"), NULL, NULL };
    libxl_key_value_list kl = NULL, kc = NULL;

    printf("string_list_length(NULL) %d\n", libxl_string_list_length(&sl));
    libxl_string_list_copy(ctx, &sc, &sl);
    print_list("string_list_copy(NULL)", sc);
    sl = malloc(sizeof(strs));
    memcpy(sl, strs, sizeof(strs));
    printf("string_list_length %d\n", libxl_string_list_length(&sl));
    libxl_string_list_copy(ctx, &sc, &sl);
    print_list("string_list_copy", sc);
    libxl_string_list_dispose(&sl);
    libxl_string_list_dispose(&sc);
    print_list("string_list_dispose", sc);

    printf("key_value_list_length(NULL) %d\n",
           libxl_key_value_list_length(&kl));
    kl = malloc(sizeof(kvs));
    memcpy(kl, kvs, sizeof(kvs));
    printf("key_value_list_length %d\n", libxl_key_value_list_length(&kl));
    libxl_key_value_list_copy(ctx, &kc, &kl);
    printf("key_value_list_copy: [%s]=[%s] [%s]=[%s] end %d\n", kc[0], kc[1],
           kc[2], kc[3] ? kc[3] : "(null)", kc[4] == NULL);
    libxl_key_value_list_dispose(&kl);
    libxl_key_value_list_dispose(&kc);
    printf("key_value_list_dispose %d\n", kc == NULL);

    libxl_mac m1 = { 1, 2, 3, 0xfd, 0xfe, 0xff }, m2 = { 0 };
    libxl_mac_copy(ctx, &m2, &m1);
    printf("mac_copy " LIBXL_MAC_FMT "\n", LIBXL_MAC_BYTES(m2));

    libxl_hwcap h1 = { 1, 2, 3, 4, 5, 6, 7, 0xffffffff }, h2 = { 0 };
    libxl_hwcap_copy(ctx, &h2, &h1);
    printf("hwcap_copy");
    for (int i = 0; i < 8; i++)
        printf(" %u", h2[i]);
    printf("\n");

    libxl_ms_vm_genid g1, g2;
    memset(&g1, 0, sizeof(g1));
    memset(&g2, 0, sizeof(g2));
    printf("ms_vm_genid_is_zero %d\n", libxl_ms_vm_genid_is_zero(&g1));
    printf("ms_vm_genid_generate %d\n", libxl_ms_vm_genid_generate(ctx, &g1));
    printf("ms_vm_genid_is_zero after generate %d\n",
           libxl_ms_vm_genid_is_zero(&g1));
    libxl_ms_vm_genid_copy(ctx, &g2, &g1);
    printf("ms_vm_genid_copy same %d\n", !memcmp(&g1, &g2, sizeof(g1)));

    libxl_cpuid_policy_list p = NULL, q = NULL;
    print_policy("cpuid NULL", &p);
    libxl_cpuid_policy_list_copy(ctx, &q, &p);
    printf("cpuid copy of NULL is NULL %d\n", q == NULL);
    printf("parse_config %d\n", libxl_cpuid_parse_config(&p, "family=6"));
    printf("parse_config %d\n", libxl_cpuid_parse_config(&p, "rdcl-no=1"));
    printf("parse_config_xend %d\n", libxl_cpuid_parse_config_xend(&p,
           "0xd,1:eax=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1"));
    print_policy("cpuid", &p);
    libxl_cpuid_policy_list_copy(ctx, &q, &p);
    libxl_cpuid_dispose(&p);
    print_policy("cpuid copy", &q);
    libxl_cpuid_dispose(&q);
    printf("cpuid dispose %d\n", q == NULL);
}

static void strings(libxl_ctx *ctx)
{
    static const char *const names[] = {
        "/usr/lib/xen/bin/qemu", "qemu", "/", "dir/", "", "a//b", "//x",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *b = libxl_basename(names[i]);

        printf("basename(%s) = %s\n", names[i], b);
        free(b);
    }
    char *b = libxl_basename(NULL);
    printf("basename(NULL) = %s\n", b);
    free(b);

    char *src = "text", *dst = NULL;
    libxl_string_copy(ctx, &dst, &src);
    printf("string_copy %s %d\n", dst, dst != src);
    free(dst);
    src = NULL;
    dst = (char *)"junk";
    libxl_string_copy(ctx, &dst, &src);
    printf("string_copy(NULL) %d\n", dst == NULL);

    static const char *const backends[] = {
        "phy", "file", "qdisk", "standalone", "tap", "tap:vhd", "tap:qcow",
        "PHY", "", "phy ", "unknown",
    };
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        libxl_disk_backend be = (libxl_disk_backend)99;
        char text[32];
        int rc;

        snprintf(text, sizeof(text), "%s", backends[i]);
        rc = libxl_string_to_backend(ctx, text, &be);
        printf("string_to_backend(%s) = %d -> %d\n", backends[i], rc,
               (int)be);
    }
}

static void fds(libxl_ctx *ctx)
{
    int p[2], rc;
    char buf[16];

    rc = libxl_pipe(ctx, p);
    printf("pipe %d\n", rc);
    printf("flags: cloexec %d nonblock %d\n",
           !!(fcntl(p[0], F_GETFD) & FD_CLOEXEC),
           !!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    printf("set_cloexec(1) %d ", libxl_fd_set_cloexec(ctx, p[0], 1));
    printf("-> %d\n", !!(fcntl(p[0], F_GETFD) & FD_CLOEXEC));
    printf("set_cloexec(0) %d ", libxl_fd_set_cloexec(ctx, p[0], 0));
    printf("-> %d\n", !!(fcntl(p[0], F_GETFD) & FD_CLOEXEC));
    printf("set_nonblock(7) %d ", libxl_fd_set_nonblock(ctx, p[0], 7));
    printf("-> %d\n", !!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    printf("set_nonblock(0) %d ", libxl_fd_set_nonblock(ctx, p[0], 0));
    printf("-> %d\n", !!(fcntl(p[0], F_GETFL) & O_NONBLOCK));
    printf("set_cloexec(bad fd) %d\n", libxl_fd_set_cloexec(ctx, -1, 1));
    printf("set_nonblock(bad fd) %d\n", libxl_fd_set_nonblock(ctx, 9999, 1));

    printf("write_exactly %d\n",
           libxl_write_exactly(ctx, p[1], "hello", 5, "pipe", "greeting"));
    memset(buf, 0, sizeof(buf));
    printf("read_exactly %d %s\n",
           libxl_read_exactly(ctx, p[0], buf, 5, "pipe", "greeting"), buf);
    printf("write_exactly %d\n",
           libxl_write_exactly(ctx, p[1], "abc", 3, "pipe", NULL));
    close(p[1]);
    printf("read_exactly(short) %d\n",
           libxl_read_exactly(ctx, p[0], buf, 5, "pipe", NULL));
    printf("read_exactly(short, what) %d\n",
           libxl_read_exactly(ctx, p[0], buf, 1, "pipe", "rest"));
    printf("read_exactly(0 bytes) %d\n",
           libxl_read_exactly(ctx, p[0], buf, 0, "pipe", NULL));
    close(p[0]);
    printf("read_exactly(bad fd) %d\n",
           libxl_read_exactly(ctx, 9999, buf, 1, "nowhere", "x"));
    printf("write_exactly(bad fd) %d\n",
           libxl_write_exactly(ctx, 9999, buf, 1, "nowhere", "x"));
    printf("read_exactly(NULL ctx, bad fd) %d\n",
           libxl_read_exactly(NULL, 9999, buf, 1, "nowhere", "x"));
}

/* In dir, by relative names, so the log lines do not name it. */
static void files(libxl_ctx *ctx, const char *dir)
{
    const char *path = "data";
    void *data = (void *)1;
    int len = -1, rc;
    FILE *f;

    if (chdir(dir))
        return;
    f = fopen(path, "w");
    fputs("some\ncontents\0x", f);
    fclose(f);
    rc = libxl_read_file_contents(ctx, path, &data, &len);
    printf("read_file_contents %d len %d [%.*s]\n", rc, len, len,
           (char *)data);
    free(data);
    len = -1;
    rc = libxl_read_file_contents(ctx, path, NULL, &len);
    printf("read_file_contents(no data) %d len %d\n", rc, len);
    rc = libxl_read_file_contents(ctx, path, NULL, NULL);
    printf("read_file_contents(nothing) %d\n", rc);

    path = "empty";
    fclose(fopen(path, "w"));
    data = (void *)1;
    rc = libxl_read_file_contents(ctx, path, &data, &len);
    printf("read_file_contents(empty) %d len %d data %s\n", rc, len,
           data ? "set" : "NULL");

    path = "missing";
    data = (void *)1;
    len = -7;
    rc = libxl_read_file_contents(ctx, path, &data, &len);
    printf("read_file_contents(missing) %d len %d data %s\n", rc, len,
           data == (void *)1 ? "unchanged" : "changed");
    errno = 0;
    rc = libxl_read_file_contents(ctx, ".", &data, &len);
    printf("read_file_contents(directory) %d len %d\n", rc, len);
    errno = 0;
    rc = libxl_read_file_contents(ctx, "/dev/null", &data, &len);
    printf("read_file_contents(/dev/null) %d len %d\n", rc, len);
}

/*
 * libxl_create_logfile works in /var/log/xen: run it in a private mount
 * namespace with an empty directory there, so the host's logs are not
 * touched. Without the privilege for that, only say so.
 */
static void logfiles(libxl_ctx *ctx, const char *dir)
{
    char *name = NULL;
    int rc;

    if (unshare(CLONE_NEWNS) ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
        mount(dir, "/var/log", NULL, MS_BIND, NULL)) {
        printf("create_logfile: no private /var/log here, not run\n");
        return;
    }
    rc = libxl_create_logfile(ctx, "probe", &name);
    printf("create_logfile(no dir) %d %s\n", rc, name ? name : "(null)");
    free(name);
    mkdir("/var/log/xen", 0755);
    for (int round = 0; round < 12; round++) {
        FILE *f;

        name = NULL;
        rc = libxl_create_logfile(ctx, "probe", &name);
        f = name ? fopen(name, "w") : NULL;
        if (f) {
            fprintf(f, "round %d\n", round);
            fclose(f);
        }
        printf("create_logfile %d %s\n", rc, name ? name : "(null)");
        free(name);
    }
    for (int i = 0; i <= 11; i++) {
        char path[64], text[32] = "";
        FILE *f;

        if (i)
            snprintf(path, sizeof(path), "/var/log/xen/probe.log.%d", i);
        else
            snprintf(path, sizeof(path), "/var/log/xen/probe.log");
        f = fopen(path, "r");
        if (f) {
            if (!fgets(text, sizeof(text), f))
                text[0] = '\0';
            fclose(f);
        }
        printf("  %s: %s", path, f ? text : "absent\n");
    }
    /* .10 is a non-empty directory: it stays, and .9 cannot replace it */
    fclose(fopen("/var/log/xen/stuck.log", "w"));
    fclose(fopen("/var/log/xen/stuck.log.9", "w"));
    mkdir("/var/log/xen/stuck.log.10", 0755);
    mkdir("/var/log/xen/stuck.log.10/x", 0755);
    name = NULL;
    rc = libxl_create_logfile(ctx, "stuck", &name);
    printf("create_logfile(stuck) %d %s\n", rc, name ? name : "(null)");
    free(name);
}

static void exit_statuses(libxl_ctx *ctx)
{
    static const int statuses[] = {
        0, 3 << 8, 255 << 8, SIGKILL, SIGSEGV | 0x80, SIGTERM, 64, 0x137f,
        0xffff,
    };
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        printf("report_child_exitstatus(%#x)\n", statuses[i]);
        libxl_report_child_exitstatus(ctx, XTL_WARN, "helper", 1234,
                                      statuses[i]);
    }
    libxl_report_child_exitstatus(ctx, XTL_ERROR, NULL, 1, 1 << 8);
}

int main(void)
{
    libxl_ctx *ctx = NULL;
    char dir[] = "/tmp/dropin-utils.XXXXXX";
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger);
    printf("ctx_alloc = %d\n", rc);
    if (rc)
        return 1;
    pctx = ctx;
    if (!mkdtemp(dir))
        return 1;

    host_bitmaps(ctx);
    topology(ctx);
    bitmaps(ctx);
    lists_and_values(ctx);
    strings(ctx);
    fds(ctx);
    files(ctx, dir);
    exit_statuses(ctx);
    logfiles(ctx, dir);

    printf("ctx_free = %d\n", libxl_ctx_free(ctx));
    return 0;
}
