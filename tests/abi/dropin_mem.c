/*
 * dropin_mem.c: the drop-in probe of a domain's memory settings and the
 * small domain controls (libxl_domain_setmaxmem, _set_memory_target,
 * _get_memory_target and its 0x040700 form, _wait_for_memory_target,
 * _wait_for_free_memory, _send_trigger, _send_sysrq, _domain_rename,
 * _domain_preserve, _list_vm, _vm_get_start_time, _is_stubdom,
 * _get_stubdom_id). Built against Debian's headers and library
 * (dropin-mem-debian) and against lightcore's (dropin-mem-ours), and run
 * on a fresh simulated host per run, in a private /var/lib/xen holding the
 * stored configurations (tests/integration/ops/test_dropin_mem.c). It
 * prints each call's rc, results and log lines (without libxl's
 * file:line:function prefix, and without errno: libxl logs a stale one in
 * places), then the xenstore and hypervisor state the call may have
 * changed. All three runs must print the same.
 *
 * Usage: dropin-mem XENSIM_CLI [counts]. With "counts" it prints only how
 * many hypercalls each getter made (the simulator's counters, reached
 * through its preloaded library), for the test to hold lightcore to
 * libxl's. The host holds, as the test made them:
 * 1 "web" (PV, 512 MiB, stored config), 2 "hvm" (HVM, 256 MiB, stored
 * config), 3 "noconf" (PV, 128 MiB, none), 4 "hvm-dm" (PV, 32 MiB: hvm's
 * stub domain, as the probe marks it), 5 "hostile" (PV, 128 MiB, stored
 * config: the probe writes garbage into its memory nodes).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdbool.h>

#include <xenctrl.h>
#include <xenstore.h>
#include <libxl.h>
#include <libxl_utils.h>

/* ------------------------------------------------------------ logger */

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    (void)errnoval;
    if (level < XTL_WARN) return;   /* debug lines name each one's steps */
    printf("  log %d %s %s\n", (int)level, context ? context : "-", msg);
}

/* ------------------------------------------------------------ state */

static struct xs_handle *xs;
static xc_interface *xch;
static const char *cli;

static void show_node(const char *path)
{
    unsigned int len;
    char *v = xs_read(xs, XBT_NULL, path, &len);
    if (v && strlen(v) > 60)
        printf("    %s = (%zu bytes)\n", path, strlen(v));
    else
        printf("    %s = %s%s%s\n", path, v ? "\"" : "", v ? v : "(none)",
               v ? "\"" : "");
    free(v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void show_dir(const char *path)
{
    unsigned int n = 0;
    char **e = xs_directory(xs, XBT_NULL, path, &n);
    printf("    %s/:", path);
    if (e) {
        qsort(e, n, sizeof(*e), cmp_str);
        for (unsigned i = 0; i < n; i++)
            printf(" %s", e[i]);
    }
    printf("\n");
    free(e);
}

/* What the calls may have changed on domain d. */
static void show_domain(uint32_t d)
{
    char p[256];
    xc_domaininfo_t info;

    if (xc_domain_getinfolist(xch, d, 1, &info) == 1 && info.domain == d)
        printf("    dom%u: tot_pages %" PRIu64 " max_pages %" PRIu64 "\n", d,
               (uint64_t)info.tot_pages, (uint64_t)info.max_pages);
    else
        printf("    dom%u: no such domain\n", d);
    static const char *const nodes[] = {
        "name", "vm", "target", "memory/target", "memory/static-max",
        "memory/videoram", "control/sysrq", "image/device-model-domid",
    };
    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        snprintf(p, sizeof(p), "/local/domain/%u/%s", d, nodes[i]);
        show_node(p);
    }
}

/* /vm: every VM's name, uuid and memory. */
static void show_vms(void)
{
    unsigned int n = 0;
    char **e = xs_directory(xs, XBT_NULL, "/vm", &n);
    char p[256];

    if (e) qsort(e, n, sizeof(*e), cmp_str);
    for (unsigned i = 0; e && i < n; i++) {
        static const char *const nodes[] = {"name", "uuid", "memory"};
        for (size_t j = 0; j < 3; j++) {
            snprintf(p, sizeof(p), "/vm/%s/%s", e[i], nodes[j]);
            show_node(p);
        }
    }
    free(e);
}

/* The files in /var/lib/xen (locks must be gone). */
static void show_lib_dir(void)
{
    DIR *dir = opendir("/var/lib/xen");
    char *names[64];
    int n = 0;
    struct dirent *de;

    while (dir && (de = readdir(dir)) && n < 64)
        if (de->d_name[0] != '.')
            names[n++] = strdup(de->d_name);
    if (dir) closedir(dir);
    qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
    printf("    /var/lib/xen:");
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void xs_put(const char *path, const char *value)
{
    if (!xs_write(xs, XBT_NULL, path, value, strlen(value))) {
        fprintf(stderr, "probe: cannot write %s\n", path);
        exit(1);
    }
}

/* The simulated guest's balloon: `xensim balloon DOMID [KB]`. */
static void balloon(uint32_t d, const char *kb)
{
    char id[16];
    snprintf(id, sizeof(id), "%u", d);
    pid_t pid = fork();
    if (pid == 0) {
        execl(cli, cli, "balloon", id, kb, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("  balloon %u %s: status %d\n", d, kb ? kb : "(its target)",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* ------------------------------------------------------------ sections */

static libxl_ctx *ctx;

static void get_target(uint32_t d)
{
    uint64_t kb = 12345;
    uint32_t kb32 = 54321;
    int rc = libxl_get_memory_target(ctx, d, &kb);
    printf("get_memory_target(%u): rc %d target %" PRIu64 "\n", d, rc, kb);
    rc = libxl_get_memory_target_0x040700(ctx, d, &kb32);
    printf("get_memory_target_0x040700(%u): rc %d target %" PRIu32 "\n", d, rc,
           kb32);
}

static void setmaxmem(uint32_t d, uint64_t kb)
{
    int rc = libxl_domain_setmaxmem(ctx, d, kb);
    printf("domain_setmaxmem(%u, %" PRIu64 "): rc %d\n", d, kb, rc);
    show_domain(d);
    show_lib_dir();
}

static void set_target(uint32_t d, int64_t kb, int relative, int enforce)
{
    int rc = libxl_set_memory_target(ctx, d, kb, relative, enforce);
    printf("set_memory_target(%u, %" PRId64 ", relative %d, enforce %d): "
           "rc %d\n", d, kb, relative, enforce, rc);
    show_domain(d);
}

static void memory_section(void)
{
    printf("== memory targets\n");
    get_target(0);
    show_domain(0);
    for (uint32_t d = 1; d <= 5; d++)
        get_target(d);
    get_target(99);

    printf("== setmaxmem\n");
    setmaxmem(1, 600 * 1024);
    setmaxmem(1, 1000);                 /* below the target */
    setmaxmem(3, 600 * 1024);           /* no stored configuration */
    setmaxmem(99, 600 * 1024);          /* no such domain */
    setmaxmem(0, 4 * 1024 * 1024);
    setmaxmem(1, UINT64_MAX);           /* wraps with libxl's extra MiB */
    setmaxmem(1, 512 * 1024);

    printf("== set_memory_target\n");
    set_target(1, 256 * 1024, 0, 1);
    set_target(1, -100000, 1, 0);
    set_target(1, 50000, 1, 1);
    set_target(1, INT64_MIN, 1, 0);
    set_target(1, INT64_MAX, 1, 0);
    set_target(1, -5, 0, 0);
    set_target(1, 600 * 1024, 0, 1);    /* past static-max */
    set_target(1, 300 * 1024, 0, 0);
    set_target(2, 200 * 1024, 0, 1);    /* HVM: the PoD target too */
    set_target(3, 64 * 1024, 0, 1);
    set_target(99, 64 * 1024, 0, 1);
    set_target(0, 64 * 1024, 0, 0);     /* under dom0's minimum */
    set_target(0, -1, 1, 0);
    show_vms();
}

/* Garbage in the nodes a guest can see, one value at a time. */
static void hostile_section(void)
{
    static const char *const values[] = {
        "garbage", "-5", "99999999999999999999999", "", "12abc", " 77",
        "+88", "0x100", "18446744073709551615",
    };
    char big[3000];

    printf("== hostile memory nodes\n");
    memset(big, '7', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (size_t i = 0; i <= sizeof(values) / sizeof(values[0]); i++) {
        const char *v = i < sizeof(values) / sizeof(values[0]) ? values[i] : big;
        printf("-- target = %.40s\n", v);
        xs_put("/local/domain/5/memory/static-max", "131072");
        xs_put("/local/domain/5/memory/target", v);
        get_target(5);
        setmaxmem(5, 131072);
        set_target(5, 1000, 1, 0);
        printf("-- static-max = %.40s\n", v);
        xs_put("/local/domain/5/memory/target", "65536");
        xs_put("/local/domain/5/memory/static-max", v);
        get_target(5);
        set_target(5, 1000, 1, 0);
        printf("-- videoram = %.40s\n", v);
        xs_put("/local/domain/5/memory/static-max", "131072");
        xs_put("/local/domain/5/memory/videoram", v);
        set_target(5, 70000, 0, 0);
    }
    xs_rm(xs, XBT_NULL, "/local/domain/5/memory/target");
    get_target(5);
    set_target(5, 1000, 1, 0);
    setmaxmem(5, 131072);
    xs_rm(xs, XBT_NULL, "/local/domain/5/memory/static-max");
    xs_put("/local/domain/5/memory/target", "65536");
    get_target(5);
    set_target(5, 1000, 1, 0);
}

/* What a stored configuration file may hold, libxl's own writes aside
 * (each ends with a NUL, as libxl's do: Debian's reader runs past a file
 * without one). Malformed JSON is left to the types' own side-by-side
 * tests: lightcore's parser logs its errors in its own words and refuses
 * some documents libxl reads (README: where lightcore differs). */
static void stored_config_section(void)
{
    static const struct { const char *what; const char *text; size_t len; }
    files[] = {
        {"empty", "", 0},
        {"text after the NUL", "{\"c_info\": {\"type\": \"hvm\"}}\0junk", 32},
    };
    const char *path = "/var/lib/xen/userdata-d.4."
                       "11111111-0000-0000-0000-000000000004.libxl-json";

    printf("== stored configurations\n");
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        FILE *f = fopen(path, "w");
        if (!f || fwrite(files[i].text, 1, files[i].len, f) != files[i].len ||
            fclose(f)) {
            fprintf(stderr, "probe: cannot write %s\n", path);
            exit(1);
        }
        printf("-- %s\n", files[i].what);
        setmaxmem(4, 64 * 1024);
        set_target(4, 16 * 1024, 0, 1);
    }
    unlink(path);
    if (mkdir(path, 0700) == 0) {      /* not a file at all */
        printf("-- a directory\n");
        setmaxmem(4, 64 * 1024);
        rmdir(path);
    }
}

static void waits_section(void)
{
    printf("== waits\n");
    int rc = libxl_wait_for_free_memory(ctx, 1, 1024, 3);
    printf("wait_for_free_memory(1 MiB, 3 s): rc %d\n", rc);
    rc = libxl_wait_for_free_memory(ctx, 1, 1024, 0);
    printf("wait_for_free_memory(1 MiB, 0 s): rc %d\n", rc);
    rc = libxl_wait_for_free_memory(ctx, 1, UINT64_MAX / 8, 1);
    printf("wait_for_free_memory(huge, 1 s): rc %d\n", rc);

    /* web's target is 300 MiB (the last set), it holds 512 MiB */
    balloon(1, NULL);
    show_domain(1);
    rc = libxl_wait_for_memory_target(ctx, 1, 10);
    printf("wait_for_memory_target(1, reached): rc %d\n", rc);
    rc = libxl_wait_for_memory_target(ctx, 3, 1);
    printf("wait_for_memory_target(3, at its target): rc %d\n", rc);
    xs_put("/local/domain/3/memory/target", "65536");
    rc = libxl_wait_for_memory_target(ctx, 3, 1);
    printf("wait_for_memory_target(3, never moves): rc %d\n", rc);
    xs_put("/local/domain/3/memory/target", "131072");
    rc = libxl_wait_for_memory_target(ctx, 99, 1);
    printf("wait_for_memory_target(99): rc %d\n", rc);
}

static void trigger(uint32_t d, libxl_trigger t, uint32_t vcpu)
{
    int rc = libxl_send_trigger(ctx, d, t, vcpu, NULL);
    printf("send_trigger(%u, %s, vcpu %u): rc %d\n", d,
           libxl_trigger_to_string(t) ? libxl_trigger_to_string(t) : "?",
           vcpu, rc);
}

static void trigger_section(void)
{
    static const libxl_trigger all[] = {
        LIBXL_TRIGGER_POWER, LIBXL_TRIGGER_SLEEP, LIBXL_TRIGGER_NMI,
        LIBXL_TRIGGER_INIT, LIBXL_TRIGGER_RESET, LIBXL_TRIGGER_S3RESUME,
        LIBXL_TRIGGER_UNKNOWN, (libxl_trigger)99,
    };
    printf("== triggers\n");
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        trigger(1, all[i], 0);
    trigger(1, LIBXL_TRIGGER_NMI, 7);
    trigger(99, LIBXL_TRIGGER_NMI, 0);
    /* hvm: the power button last (its guest powers off) */
    for (size_t i = 1; i < sizeof(all) / sizeof(all[0]); i++)
        trigger(2, all[i], 0);
    xs_put("/libxl/2/dm-version", "qemu_xen_traditional");
    trigger(2, LIBXL_TRIGGER_S3RESUME, 0);
    xs_put("/libxl/2/dm-version", "qemu_xen");    /* QMP: no QEMU here */
    trigger(2, LIBXL_TRIGGER_S3RESUME, 0);
    show_lib_dir();
    xs_put("/libxl/2/dm-version", "nonsense");
    trigger(2, LIBXL_TRIGGER_S3RESUME, 0);
    xs_rm(xs, XBT_NULL, "/libxl/2/type");
    trigger(2, LIBXL_TRIGGER_S3RESUME, 0);
    trigger(2, LIBXL_TRIGGER_POWER, 0);
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    if (!libxl_domain_info(ctx, &info, 2))
        printf("  hvm: shutdown %d reason %d\n", info.shutdown,
               info.shutdown_reason);
    libxl_dominfo_dispose(&info);

    printf("== sysrq\n");
    printf("send_sysrq(1, h): rc %d\n", libxl_send_sysrq(ctx, 1, 'h'));
    show_node("/local/domain/1/control/sysrq");
    printf("send_sysrq(1, NUL): rc %d\n", libxl_send_sysrq(ctx, 1, '\0'));
    show_node("/local/domain/1/control/sysrq");
    printf("send_sysrq(99, b): rc %d\n", libxl_send_sysrq(ctx, 99, 'b'));
    show_node("/local/domain/99/control/sysrq");
}

static void rename_one(uint32_t d, const char *old_name, const char *new_name)
{
    int rc = libxl_domain_rename(ctx, d, old_name, new_name);
    printf("domain_rename(%u, %s, %s): rc %d\n", d,
           old_name ? old_name : "NULL", new_name ? new_name : "NULL", rc);
    show_domain(d);
}

static void names_section(void)
{
    printf("== stub domains\n");
    xs_put("/local/domain/2/image/device-model-domid", "4");
    xs_put("/local/domain/4/target", "2");
    for (uint32_t d = 0; d <= 5; d++) {
        uint32_t target = 777;
        int r = libxl_is_stubdom(ctx, d, &target);
        printf("is_stubdom(%u): %d target %u; get_stubdom_id: %d\n", d, r,
               target, libxl_get_stubdom_id(ctx, (int)d));
    }
    static const char *const hostile[] = {"abc", "", "12x", "-3", "4294967297"};
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        uint32_t target = 777;
        xs_put("/local/domain/5/target", hostile[i]);
        xs_put("/local/domain/5/image/device-model-domid", hostile[i]);
        int r = libxl_is_stubdom(ctx, 5, &target);
        printf("is_stubdom(5) with \"%s\": %d target %u; get_stubdom_id: %d\n",
               hostile[i], r, target, libxl_get_stubdom_id(ctx, 5));
    }
    xs_rm(xs, XBT_NULL, "/local/domain/5/target");
    xs_rm(xs, XBT_NULL, "/local/domain/5/image/device-model-domid");
    printf("is_stubdom(99): %d; get_stubdom_id(99): %d\n",
           libxl_is_stubdom(ctx, 99, NULL), libxl_get_stubdom_id(ctx, 99));

    printf("== list_vm\n");
    int n = -1;
    libxl_vminfo *vms = libxl_list_vm(ctx, &n);
    printf("list_vm: %s, %d\n", vms ? "list" : "NULL", n);
    for (int i = 0; vms && i < n; i++) {
        printf("  %u " LIBXL_UUID_FMT "\n", vms[i].domid,
               LIBXL_UUID_BYTES(vms[i].uuid));
    }
    libxl_vminfo_list_free(vms, n);

    printf("== start times\n");
    time_t now = time(NULL);
    for (uint32_t d = 0; d <= 5; d++) {
        uint32_t t = libxl_vm_get_start_time(ctx, d);
        printf("vm_get_start_time(%u): %s\n", d,
               t == (uint32_t)-1 ? "-1"
               : (t <= (uint32_t)now && t + 3600 >= (uint32_t)now) ? "recent"
               : "odd");
    }
    xs_put("/vm/11111111-0000-0000-0000-000000000005/start_time", "garbage");
    printf("vm_get_start_time(5) garbage: %" PRIu32 "\n",
           libxl_vm_get_start_time(ctx, 5));
    xs_put("/vm/11111111-0000-0000-0000-000000000005/start_time", "99999999999");
    printf("vm_get_start_time(5) huge: %" PRIu32 "\n",
           libxl_vm_get_start_time(ctx, 5));
    printf("vm_get_start_time(99): %" PRIu32 "\n",
           libxl_vm_get_start_time(ctx, 99));

    printf("== rename\n");
    rename_one(1, "web", "www");
    rename_one(1, "web", "w2");           /* not its name */
    rename_one(1, NULL, "hvm");           /* taken */
    rename_one(1, NULL, NULL);
    rename_one(1, "www", "www");          /* its own name */
    rename_one(1, NULL, "");
    rename_one(1, "", "web");
    rename_one(99, NULL, "ghost");
    rename_one(2, "hvm", "hvm2");         /* its stub domain follows */
    show_domain(4);
    rename_one(2, NULL, "hvm3");          /* the stub's "(null)-dm" check */
    show_domain(4);
    show_vms();

    printf("== preserve\n");
    libxl_domain_create_info ci;
    libxl_uuid u;
    libxl_domain_create_info_init(&ci);
    ci.name = strdup("noconf");
    libxl_uuid_from_string(&u, "22222222-0000-0000-0000-000000000003");
    int rc = libxl_domain_preserve(ctx, 3, &ci, "--incoming", u);
    printf("domain_preserve(3, noconf, --incoming): rc %d\n", rc);
    show_domain(3);
    show_dir("/vm/22222222-0000-0000-0000-000000000003");
    show_node("/vm/22222222-0000-0000-0000-000000000003/uuid");
    rc = libxl_domain_preserve(ctx, 3, &ci, "-again", u);   /* not its name */
    printf("domain_preserve(3, noconf, -again): rc %d\n", rc);
    show_domain(3);
    rc = libxl_domain_preserve(ctx, 99, &ci, "-x", u);
    printf("domain_preserve(99): rc %d\n", rc);
    libxl_domain_create_info_dispose(&ci);
    show_vms();
}

/* ------------------------------------------------------ counted getters */

typedef void counters_reset_fn(void);
typedef bool counter_iter_fn(unsigned *cursor, const char **name,
                             uint64_t *value);
static counters_reset_fn *counters_reset;
static counter_iter_fn *counter_iter;

/* Hypercalls made since the last reset (not xenstored's). */
static uint64_t hypercalls(void)
{
    unsigned cursor = 0;
    const char *name;
    uint64_t value, sum = 0;

    while (counter_iter(&cursor, &name, &value))
        if (!strncmp(name, "hypercall.", 10))
            sum += value;
    return sum;
}

#define COUNT(what, call)                                               \
    do {                                                                \
        counters_reset();                                               \
        call;                                                           \
        printf("%s %" PRIu64 "\n", what, hypercalls());                 \
    } while (0)

static void count_getters(void)
{
    uint64_t kb;
    uint32_t target;
    int n;

    counters_reset = (counters_reset_fn *)dlsym(RTLD_DEFAULT,
                                                "xensim_counters_reset");
    counter_iter = (counter_iter_fn *)dlsym(RTLD_DEFAULT,
                                            "xensim_counter_iter");
    if (!counters_reset || !counter_iter) {
        fprintf(stderr, "probe: the simulator's counters are not there\n");
        exit(1);
    }
    COUNT("get_memory_target_dom0_first", libxl_get_memory_target(ctx, 0, &kb));
    COUNT("get_memory_target_dom0", libxl_get_memory_target(ctx, 0, &kb));
    COUNT("get_memory_target", libxl_get_memory_target(ctx, 1, &kb));
    COUNT("get_memory_target_missing", libxl_get_memory_target(ctx, 99, &kb));
    COUNT("list_vm", libxl_vminfo_list_free(libxl_list_vm(ctx, &n), n));
    COUNT("vm_get_start_time", libxl_vm_get_start_time(ctx, 1));
    COUNT("is_stubdom", libxl_is_stubdom(ctx, 1, &target));
    COUNT("get_stubdom_id", libxl_get_stubdom_id(ctx, 1));
}

int main(int argc, char **argv)
{
    if (argc != 2 && !(argc == 3 && !strcmp(argv[2], "counts"))) {
        fprintf(stderr, "usage: dropin-mem XENSIM_CLI [counts]\n");
        return 2;
    }
    cli = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    xs = xs_open(0);
    xch = xc_interface_open(NULL, NULL, 0);
    if (!xs || !xch) {
        fprintf(stderr, "probe: no xenstore or hypervisor\n");
        return 1;
    }
    int rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger);
    printf("ctx_alloc = %d\n", rc);
    if (rc) return 1;

    if (argc == 3) {
        count_getters();
        libxl_ctx_free(ctx);
        xc_interface_close(xch);
        xs_close(xs);
        return 0;
    }
    memory_section();
    hostile_section();
    stored_config_section();
    waits_section();
    trigger_section();
    names_section();

    printf("ctx_free = %d\n", libxl_ctx_free(ctx));
    xc_interface_close(xch);
    xs_close(xs);
    return 0;
}
