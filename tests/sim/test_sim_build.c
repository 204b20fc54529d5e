/*
 * test_sim_build.c: Debian's own libxenlight (its headers, its library,
 * through Debian's libxenctrl and libxenguest) makes and builds a PV and a
 * PVH guest from build/sim/minikernel on the simulated host: the kernel's
 * bytes are in the domain's memory file where its ELF header puts them,
 * the hypervisor's hypercall stubs in the PV kernel's hypercall page, the
 * grant table seeded for the console and xenstore; tot_pages and the host's
 * free memory account for the domain; dom0's console and the simulated
 * guest OS (domwatch.c) take it up with the policy of its command line, so
 * libxl's shutdown is obeyed; its memory file goes with it. Bad creation
 * parameters get Xen's errors. Each test runs in a private mount namespace
 * (tmpfs /var/lib/xen, /var/log/xen, /run/xen); without root it skips.
 */
#define __XEN_TOOLS__ 1
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xentoollog.h>
#include <xen/grant_table.h>

#include "simhost.h"
#include "testmain.h"
#include "xensim.h"

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger_stdiostream *logger;
static bool skipped;

static bool private_namespace(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "skipped: needs root for a private mount namespace\n");
        return false;
    }
    if (unshare(CLONE_NEWNS) < 0) {
        fprintf(stderr, "skipped: unshare: %s\n", strerror(errno));
        return false;
    }
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    static const char *const dirs[] = { "/var/lib/xen", "/var/log/xen", "/run/xen" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        mkdir(dirs[i], 0755);
        ck_assert_msg(mount("tmpfs", dirs[i], "tmpfs", 0, "size=16m,mode=0755") == 0,
                      "mount tmpfs on %s: %s", dirs[i], strerror(errno));
    }
    return true;
}

static void setup(void)
{
    skipped = !private_namespace();
    if (skipped)
        return;
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    ck_assert_ptr_nonnull(logger);
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
                                     (xentoollog_logger *)logger), 0);
}

static void teardown(void)
{
    if (skipped)
        return;
    libxl_ctx_free(ctx);
    ctx = NULL;
    xtl_logger_destroy((xentoollog_logger *)logger);
    ck_assert_int_eq(simhost_stop(host), 0);
    host = NULL;
}

TEST_FIXTURE(setup, teardown);

static libxl_event *wait_event(uint64_t typemask, int timeout_ms)
{
    uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        libxl_event *ev = NULL;
        int r = libxl_event_check(ctx, &ev, typemask, NULL, NULL);
        if (r == 0)
            return ev;
        ck_assert_int_eq(r, ERROR_NOT_READY);
        uint64_t now = test_now_ms();
        if (now >= deadline)
            return NULL;
        struct pollfd fds[64];
        int nfds = 64, timeout = -1;
        struct timeval tv;
        gettimeofday(&tv, NULL);
        ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &nfds, fds, &timeout, tv), 0);
        int left = (int)(deadline - now);
        if (timeout < 0 || timeout > left)
            timeout = left;
        poll(fds, (nfds_t)nfds, timeout);
        gettimeofday(&tv, NULL);
        libxl_osevent_afterpoll(ctx, nfds, fds, tv);
    }
}

/* The kernel image's loadable segment: file offset, size, physical
 * address (one PT_LOAD, as minikernel.lds makes it). */
struct segment {
    unsigned char *bytes;
    size_t size;
    uint64_t paddr;
};

static struct segment kernel_segment(void)
{
    FILE *f = fopen(SIM_KERNEL_PATH, "rb");
    ck_assert_msg(f != NULL, "%s: %s", SIM_KERNEL_PATH, strerror(errno));
    unsigned char eh[64];
    ck_assert_int_eq(fread(eh, 1, sizeof(eh), f), sizeof(eh));
    uint64_t phoff;
    uint16_t phentsize, phnum;
    memcpy(&phoff, eh + 32, 8);
    memcpy(&phentsize, eh + 54, 2);
    memcpy(&phnum, eh + 56, 2);
    struct segment seg = { NULL, 0, 0 };
    for (uint16_t i = 0; i < phnum; i++) {
        unsigned char ph[56];
        ck_assert_int_eq(fseek(f, (long)(phoff + (uint64_t)i * phentsize), SEEK_SET), 0);
        ck_assert_int_eq(fread(ph, 1, sizeof(ph), f), sizeof(ph));
        uint32_t type;
        uint64_t off, filesz;
        memcpy(&type, ph, 4);
        if (type != 1)                  /* PT_LOAD */
            continue;
        memcpy(&off, ph + 8, 8);
        memcpy(&seg.paddr, ph + 24, 8);
        memcpy(&filesz, ph + 32, 8);
        seg.size = filesz;
        seg.bytes = malloc(filesz);
        ck_assert_ptr_nonnull(seg.bytes);
        ck_assert_int_eq(fseek(f, (long)off, SEEK_SET), 0);
        ck_assert_int_eq(fread(seg.bytes, 1, filesz, f), filesz);
        break;
    }
    fclose(f);
    ck_assert_msg(seg.bytes != NULL, "no PT_LOAD in the kernel image");
    return seg;
}

static char *mem_path(uint32_t domid)
{
    char state[PATH_MAX];
    snprintf(state, sizeof(state), "%s", getenv("XENSIM_STATE"));
    char *p = NULL;
    ck_assert_int_gt(asprintf(&p, "%s/mem-%u", dirname(state), domid), 0);
    return p;
}

static void read_mem(uint32_t domid, uint64_t off, void *buf, size_t len)
{
    char *path = mem_path(domid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
    ck_assert_int_eq(pread(fd, buf, len, (off_t)off), (ssize_t)len);
    close(fd);
    free(path);
}

static uint64_t free_kb(void)
{
    libxl_physinfo pi;
    libxl_physinfo_init(&pi);
    ck_assert_int_eq(libxl_get_physinfo(ctx, &pi), 0);
    uint64_t kb = pi.free_pages * 4;
    libxl_physinfo_dispose(&pi);
    return kb;
}

/* Make a paused guest of the type from the kernel image, 32 MiB, 1 vcpu. */
static uint32_t create_paused(libxl_domain_type type, const char *name,
                              const char *cmdline)
{
    libxl_domain_config dc;
    libxl_domain_config_init(&dc);
    dc.c_info.type = type;
    dc.c_info.name = strdup(name);
    libxl_domain_build_info_init_type(&dc.b_info, type);
    dc.b_info.max_vcpus = 1;
    ck_assert_int_eq(libxl_cpu_bitmap_alloc(ctx, &dc.b_info.avail_vcpus, 1), 0);
    libxl_bitmap_set(&dc.b_info.avail_vcpus, 0);
    dc.b_info.max_memkb = dc.b_info.target_memkb = 32 * 1024;
    dc.b_info.kernel = strdup(SIM_KERNEL_PATH);
    if (cmdline)
        dc.b_info.cmdline = strdup(cmdline);
    uint32_t domid = 0;
    int rc = libxl_domain_create_new(ctx, &dc, &domid, NULL, NULL);
    libxl_domain_config_dispose(&dc);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_gt(domid, 0);
    return domid;
}

/* What every built guest has: the kernel at its physical address, 32 MiB
 * accounted, the grant table's console and xenstore entries for dom0, its
 * simulated guest with the command line's policy and a console tty. */
static void check_built(uint32_t domid, uint64_t free_before)
{
    struct segment seg = kernel_segment();
    unsigned char *got = malloc(seg.size);
    read_mem(domid, seg.paddr, got, seg.size);
    /* all of it but the hypercall page (its second page), which a PV
     * guest's hypervisor fills */
    ck_assert_uint_gt(seg.size, 0x2000);
    ck_assert_msg(memcmp(got, seg.bytes, 0x1000) == 0 &&
                  memcmp(got + 0x2000, seg.bytes + 0x2000, seg.size - 0x2000) == 0,
                  "the kernel is not at %#llx in the domain's memory",
                  (unsigned long long)seg.paddr);
    ck_assert_mem_eq(got, "XENSIM-MINIKERNEL", 17);
    free(got);
    free(seg.bytes);

    libxl_dominfo di;
    libxl_dominfo_init(&di);
    ck_assert_int_eq(libxl_domain_info(ctx, &di, domid), 0);
    ck_assert(di.paused);
    /* 32 MiB, less what libxl's video/slack reservations leave aside */
    ck_assert_uint_ge(di.current_memkb, 31 * 1024);
    ck_assert_uint_le(di.current_memkb, 33 * 1024);
    ck_assert_uint_ge(free_before - free_kb(), di.current_memkb);
    libxl_dominfo_dispose(&di);

    /* grant entries 0 and 1 (console, xenstore): to dom0, permit access */
    grant_entry_v1_t g[2];
    read_mem(domid, ((1ull << 24) + 1) * 4096, g, sizeof(g));
    ck_assert_uint_eq(g[0].flags, GTF_permit_access);
    ck_assert_uint_eq(g[0].domid, 0);
    ck_assert_uint_eq(g[1].flags, GTF_permit_access);
    ck_assert_uint_eq(g[1].domid, 0);
    ck_assert_uint_ne(g[0].frame, g[1].frame);

    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", domid);
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    unsigned len;
    char *tty = xs_read(xs, XBT_NULL, path, &len);
    xs_close(xs);
    ck_assert_ptr_nonnull(tty);
    ck_assert_int_eq(strncmp(tty, "/dev/pts/", 9), 0);
    free(tty);
}

static void shutdown_and_destroy(uint32_t domid)
{
    ck_assert_int_eq(libxl_domain_unpause(ctx, domid, NULL), 0);
    libxl_evgen_domain_death *deathw = NULL;
    ck_assert_int_eq(libxl_evenable_domain_death(ctx, domid, 0, &deathw), 0);
    ck_assert_int_eq(libxl_domain_shutdown(ctx, domid, NULL), 0);
    libxl_event *ev = wait_event(1ULL << LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, 20000);
    ck_assert_msg(ev != NULL, "no shutdown event");
    ck_assert_int_eq(ev->u.domain_shutdown.shutdown_reason, LIBXL_SHUTDOWN_REASON_POWEROFF);
    libxl_event_free(ctx, ev);
    ck_assert_int_eq(libxl_domain_destroy(ctx, domid, NULL), 0);
    ev = wait_event(1ULL << LIBXL_EVENT_TYPE_DOMAIN_DEATH, 20000);
    ck_assert_msg(ev != NULL, "no death event");
    libxl_event_free(ctx, ev);
    libxl_evdisable_domain_death(ctx, deathw);
    char *path = mem_path(domid);
    ck_assert_int_eq(access(path, F_OK), -1);
    free(path);
}

TEST(pv_guest_built_from_kernel, 90)
{
    if (skipped)
        return;
    uint64_t before = free_kb();
    uint32_t domid = create_paused(LIBXL_DOMAIN_TYPE_PV, "pv1", "xensim.policy=obey");
    check_built(domid, before);

    /* the hypercall page (the kernel's note: pfn 0x201): Xen's stubs,
     * "mov $N, %eax; syscall" for N = 29 (sched_op) at 29 * 32 */
    unsigned char stub[32];
    read_mem(domid, 0x201000 + 29 * 32, stub, sizeof(stub));
    static const unsigned char want[] = { 0x51, 0x41, 0x53, 0xb8, 29, 0, 0, 0, 0x0f, 0x05 };
    ck_assert_mem_eq(stub, want, sizeof(want));

    char line[1100];
    ck_assert_int_eq(xensim_domain_cmdline(domid, line, sizeof(line)), 0);
    ck_assert_str_eq(line, "xensim.policy=obey");
    shutdown_and_destroy(domid);
    ck_assert_uint_eq(free_kb(), before);
}

TEST(pvh_guest_built_from_kernel, 90)
{
    if (skipped)
        return;
    uint64_t before = free_kb();
    uint32_t domid = create_paused(LIBXL_DOMAIN_TYPE_PVH, "pvh1",
                                   "console=hvc0 xensim.policy=obey");
    check_built(domid, before);
    char line[1100];
    ck_assert_int_eq(xensim_domain_cmdline(domid, line, sizeof(line)), 0);
    ck_assert_str_eq(line, "console=hvc0 xensim.policy=obey");
    libxl_dominfo di;
    libxl_dominfo_init(&di);
    ck_assert_int_eq(libxl_domain_info(ctx, &di, domid), 0);
    ck_assert_int_eq(di.domain_type, LIBXL_DOMAIN_TYPE_HVM);   /* a container */
    libxl_dominfo_dispose(&di);
    shutdown_and_destroy(domid);
    ck_assert_uint_eq(free_kb(), before);
}

TEST(guest_policy_from_command_line, 90)
{
    if (skipped)
        return;
    uint32_t domid = create_paused(LIBXL_DOMAIN_TYPE_PV, "ack", "xensim.policy=ack-only");
    ck_assert_int_eq(libxl_domain_unpause(ctx, domid, NULL), 0);
    /* the guest acknowledges and does not shut down */
    ck_assert_int_eq(libxl_domain_shutdown(ctx, domid, NULL), 0);
    struct xensim_dominfo xi;
    ck_assert_int_eq(xensim_domain_info(domid, &xi), 0);
    ck_assert(xi.built);
    ck_assert(xi.guest_pid > 0);
    ck_assert(!xi.shutdown);
    ck_assert_int_eq(libxl_domain_destroy(ctx, domid, NULL), 0);
}

/* xc_domain_create with what Xen refuses: its errors; a domid asked for. */
TEST(createdomain_checks, 60)
{
    if (skipped)
        return;
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
    struct xen_domctl_createdomain c = {
        .max_vcpus = 1, .max_evtchn_port = 1023, .max_grant_frames = -1,
        .max_maptrack_frames = -1, .grant_opts = XEN_DOMCTL_GRANT_version(1),
    };
    uint32_t domid = 0;
    struct xen_domctl_createdomain bad = c;
    bad.max_vcpus = 0;
    ck_assert_int_eq(xc_domain_create(xch, &domid, &bad), -1);
    ck_assert_int_eq(errno, EINVAL);
    bad = c;
    bad.flags = XEN_DOMCTL_CDF_hap;             /* HAP for a PV guest */
    ck_assert_int_eq(xc_domain_create(xch, &domid, &bad), -1);
    ck_assert_int_eq(errno, EINVAL);
    bad = c;
    bad.arch.emulation_flags = XEN_X86_EMU_LAPIC;   /* PV with a LAPIC */
    ck_assert_int_eq(xc_domain_create(xch, &domid, &bad), -1);
    ck_assert_int_eq(errno, EOPNOTSUPP);
    bad = c;
    bad.max_grant_frames = 65;
    ck_assert_int_eq(xc_domain_create(xch, &domid, &bad), -1);
    ck_assert_int_eq(errno, EINVAL);

    domid = 0;
    ck_assert_int_eq(xc_domain_create(xch, &domid, &c), 0);
    ck_assert_uint_gt(domid, 0);
    uint32_t asked = 42;
    ck_assert_int_eq(xc_domain_create(xch, &asked, &c), 0);
    ck_assert_uint_eq(asked, 42);
    ck_assert_int_eq(xc_domain_create(xch, &asked, &c), -1);
    ck_assert_int_eq(errno, EEXIST);
    xc_dominfo_t info;
    ck_assert_int_eq(xc_domain_getinfo(xch, 42, 1, &info), 1);
    ck_assert_uint_eq(info.domid, 42);
    ck_assert(info.paused);                 /* paused until built */
    ck_assert_uint_eq(info.nr_pages, 0);

    /* memory only within max_pages */
    xen_pfn_t pfns[4] = { 0, 1, 2, 3 };
    ck_assert_int_eq(xc_domain_populate_physmap(xch, 42, 4, 0, 0, pfns), 0);
    ck_assert_int_eq(xc_domain_setmaxmem(xch, 42, 8), 0);
    ck_assert_int_eq(xc_domain_populate_physmap(xch, 42, 4, 0, 0, pfns), 2);
    ck_assert_int_eq(xc_domain_getinfo(xch, 42, 1, &info), 1);
    ck_assert_uint_eq(info.nr_pages, 2);
    ck_assert_int_eq(xc_domain_destroy(xch, 42), 0);
    ck_assert_int_eq(xc_domain_destroy(xch, domid), 0);
    xc_interface_close(xch);
}

/* Debian's xl on the simulated host: `xl create -p`, list, unpause,
 * shutdown (obeyed by the simulated guest), destroy. */
static char *xl_status(const char *args, int *status)
{
    char *cmd = NULL, *out = NULL;
    size_t size = 0;
    /* as tests/common/xlboth.c: Debian's xl is not instrumented, and
     * under check-asan the sanitizer's runtime is in the preload */
    const char *preload = strchr(simhost_preload_env(), '=') + 1;   /* may hold spaces */
    ck_assert_int_gt(asprintf(&cmd, "LD_PRELOAD='%s' ASAN_OPTIONS=detect_leaks=0:"
                              "verify_asan_link_order=0 /usr/lib/xen-4.17/bin/xl %s 2>&1",
                              preload, args), 0);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    FILE *m = open_memstream(&out, &size);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        fwrite(buf, 1, n, m);
    *status = pclose(p);
    fclose(m);
    free(cmd);
    return out;
}

static char *xl(const char *args)
{
    int st;
    char *out = xl_status(args, &st);
    ck_assert_msg(st == 0, "xl %s: status %d: %s", args, st, out);
    return out;
}

/* The state column of `xl list` for a domain name ("--p---"...). */
static char *xl_state(const char *name)
{
    char *list = xl("list");
    char *state = NULL;
    for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
        char n[64], st[16];
        unsigned id, mem, vcpus;
        if (sscanf(line, "%63s %u %u %u %15s", n, &id, &mem, &vcpus, st) == 5 &&
            !strcmp(n, name))
            state = strdup(st);
    }
    free(list);
    return state;
}

TEST(debian_xl_creates_pv_and_pvh, 120)
{
    if (skipped)
        return;
    static const char *const types[] = { "pv", "pvh" };
    for (int i = 0; i < 2; i++) {
        char cfg[] = "/var/lib/xen/guest.cfg";
        FILE *f = fopen(cfg, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "name = \"g%s\"\ntype = \"%s\"\nkernel = \"%s\"\nmemory = 32\n"
                   "vcpus = 1\ncmdline = \"xensim.policy=obey\"\n",
                types[i], types[i], SIM_KERNEL_PATH);
        fclose(f);
        char name[16], args[128];
        snprintf(name, sizeof(name), "g%s", types[i]);
        free(xl("create -p /var/lib/xen/guest.cfg"));
        char *st = xl_state(name);
        ck_assert_ptr_nonnull(st);
        ck_assert_str_eq(st, "--p---");
        free(st);
        snprintf(args, sizeof(args), "unpause %s", name);
        free(xl(args));
        st = xl_state(name);
        ck_assert_str_eq(st, "-b----");
        free(st);
        snprintf(args, sizeof(args), "shutdown -w %s", name);
        free(xl(args));
        st = xl_state(name);
        /* shut down, or already being destroyed by xl's monitor process
         * (on_poweroff=destroy; libxl pauses a domain before destroying it) */
        ck_assert_msg(st == NULL || (strlen(st) == 6 && st[3] == 's'), "state %s", st);
        free(st);
        /* xl's monitor may be destroying it already, so our destroy may
         * race with it and fail; either way the domain goes (dying until
         * xenstored lets it go) */
        snprintf(args, sizeof(args), "destroy %s", name);
        int status;
        free(xl_status(args, &status));
        uint64_t deadline = test_now_ms() + 10000;
        while ((st = xl_state(name)) != NULL && test_now_ms() < deadline)
            free(st);
        ck_assert_msg(st == NULL, "%s still listed: %s", name, st);
    }
}

/* libxenforeignmemory on a built domain: populated frames map (and what
 * dom0 writes is in the memory file), an unpopulated one fails ENOENT and
 * another domain's frame EINVAL, page by page; the grant table maps as a
 * resource of max_grant_frames frames; decrease_reservation gives frames
 * back and an unpopulated one stops it. */
TEST(foreign_maps_and_bad_frames, 60)
{
    if (skipped)
        return;
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
    struct xen_domctl_createdomain c = {
        .max_vcpus = 1, .max_evtchn_port = 1023, .max_grant_frames = 4,
        .max_maptrack_frames = -1, .grant_opts = XEN_DOMCTL_GRANT_version(1),
    };
    uint32_t a = 0, b = 0;
    ck_assert_int_eq(xc_domain_create(xch, &a, &c), 0);
    ck_assert_int_eq(xc_domain_create(xch, &b, &c), 0);
    ck_assert_int_eq(xc_domain_setmaxmem(xch, a, 1024), 0);
    ck_assert_int_eq(xc_domain_setmaxmem(xch, b, 1024), 0);
    xen_pfn_t fa[2] = { 0x10, 0x11 }, fb[1] = { 0x10 };
    ck_assert_int_eq(xc_domain_populate_physmap_exact(xch, a, 2, 0, 0, fa), 0);
    ck_assert_int_eq(xc_domain_populate_physmap_exact(xch, b, 1, 0, 0, fb), 0);
    ck_assert_uint_ne(fa[0], 0x10);             /* PV: machine frames back */
    ck_assert_uint_eq(fa[1], fa[0] + 1);

    xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
    ck_assert_ptr_nonnull(fm);
    char *p = xenforeignmemory_map(fm, a, PROT_READ | PROT_WRITE, 2, fa, NULL);
    ck_assert_ptr_nonnull(p);
    strcpy(p + 4096, "written by dom0");
    ck_assert_int_eq(xenforeignmemory_unmap(fm, p, 2), 0);
    char got[16];
    read_mem(a, 0x11 * 4096, got, sizeof(got));
    ck_assert_str_eq(got, "written by dom0");

    /* frame 3: unpopulated (fa[0] + 2); frame 2: domain b's */
    xen_pfn_t mixed[3] = { fa[0], fb[0], fa[0] + 2 };
    int err[3] = { 1, 1, 1 };
    p = xenforeignmemory_map(fm, a, PROT_READ, 3, mixed, err);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(err[0], 0);
    ck_assert_int_eq(err[1], -EINVAL);
    ck_assert_int_eq(err[2], -ENOENT);
    ck_assert_int_eq(xenforeignmemory_unmap(fm, p, 3), 0);
    ck_assert_ptr_null(xenforeignmemory_map(fm, a, PROT_READ, 3, mixed, NULL));

    size_t size = 0;
    ck_assert_int_eq(xenforeignmemory_resource_size(fm, a, XENMEM_resource_grant_table,
                                                    XENMEM_resource_grant_table_id_shared,
                                                    &size), 0);
    ck_assert_uint_eq(size, 4 * 4096);
    void *addr = NULL;
    ck_assert_ptr_null(xenforeignmemory_map_resource(fm, a, XENMEM_resource_grant_table,
                                                     XENMEM_resource_grant_table_id_shared,
                                                     3, 2, &addr, PROT_READ, 0));
    ck_assert_int_eq(errno, EINVAL);
    xenforeignmemory_close(fm);

    /* give frame 0x10 back; giving it again stops at once */
    xen_pfn_t back[1] = { fa[0] };
    ck_assert_int_eq(xc_domain_decrease_reservation(xch, a, 1, 0, back), 1);
    xc_dominfo_t info;
    ck_assert_int_eq(xc_domain_getinfo(xch, a, 1, &info), 1);
    ck_assert_uint_eq(info.nr_pages, 1);
    ck_assert_int_eq(xc_domain_decrease_reservation(xch, a, 1, 0, back), 0);

    /* the guest's event channel ports: 1, 2, ... */
    xc_evtchn_port_or_error_t p1 = xc_evtchn_alloc_unbound(xch, a, 0);
    xc_evtchn_port_or_error_t p2 = xc_evtchn_alloc_unbound(xch, a, 0);
    ck_assert_int_eq(p1, 1);
    ck_assert_int_eq(p2, 2);
    ck_assert_int_eq(xc_domain_destroy(xch, a), 0);
    ck_assert_int_eq(xc_domain_destroy(xch, b), 0);
    xc_interface_close(xch);
}
