/*
 * test_sim_host.c: tests of the simulated Xen host itself, driven by
 * Debian's clients: xenstore-utils, libxenctrl and libxenstore against a
 * private host per test; guests over their rings; counters; teardown.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenstore.h>
#include <xen/hvm/params.h>

#include "simhost.h"
#include "xensim.h"
#include "testmain.h"

static simhost *host;

static void setup(void)
{
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
}

static void teardown(void)
{
    if (host)
        ck_assert_int_eq(simhost_stop(host), 0);
    host = NULL;
}

TEST_FIXTURE(setup, teardown);

/* Run a shell command line; its stdout (trailing newline removed). */
static char *sh(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *sh(int *status, const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = 0;
    while (n && buf[n - 1] == '\n')
        buf[--n] = 0;
    int st = pclose(f);
    if (status)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

static char *xs_value(const char *path)
{
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    unsigned len;
    char *v = xs_read(xs, XBT_NULL, path, &len);
    xs_close(xs);
    return v;
}

/* Poll a condition with a deadline (not a sleep-and-hope). */
#define WAIT_FOR(cond, ms) ({ uint64_t _d = test_now_ms() + (ms); bool _ok;      \
        while (!(_ok = (cond)) && test_now_ms() < _d) {                           \
            struct timespec _ts = { 0, 1000000 }; nanosleep(&_ts, NULL); }   \
        _ok; })

static bool value_is(const char *path, const char *want)
{
    char *v = xs_value(path);
    bool ok = v && !strcmp(v, want);
    free(v);
    return ok;
}

static bool dom_state(int domid, bool shutdown, uint32_t reason)
{
    struct xensim_dominfo di;
    return xensim_domain_info((uint32_t)domid, &di) == 0 && di.shutdown == shutdown &&
           (!shutdown || di.reason == reason);
}

/* ------------------------------------------------------------ host */

TEST(start_and_stop_leave_nothing, 60)
{
    simhost *h = host;
    host = NULL;
    pid_t xs = simhost_xenstored_pid(h), sup = simhost_supervisor_pid(h);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", simhost_dir(h));
    ck_assert(simhost_pid_running(xs));
    ck_assert(simhost_pid_running(sup));
    struct stat st;
    ck_assert_int_eq(stat(dir, &st), 0);
    fprintf(stderr, "xenstored start-to-first-answer: %lu us\n", simhost_startup_us(h));
    ck_assert_int_eq(simhost_stop(h), 0);
    ck_assert(!simhost_pid_running(xs));
    ck_assert(!simhost_pid_running(sup));
    ck_assert_int_ne(stat(dir, &st), 0);
    ck_assert_ptr_null(getenv("XENSIM_STATE"));
}

/* A test process that dies without stopping its host leaves nothing. */
TEST_NO_FIXTURE(crashed_owner_leaves_nothing, 30)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t child = fork();
    if (child == 0) {
        simhost *h = simhost_start();
        if (!h)
            _exit(1);
        char line[4200];
        int n = snprintf(line, sizeof(line), "%d %d %s\n", (int)simhost_xenstored_pid(h),
                         (int)simhost_supervisor_pid(h), simhost_dir(h));
        if (write(p[1], line, (size_t)n) != n)
            _exit(1);
        abort();            /* no simhost_stop */
    }
    close(p[1]);
    char buf[4200] = { 0 };
    ck_assert_int_gt(read(p[0], buf, sizeof(buf) - 1), 0);
    close(p[0]);
    int xs, sup;
    char dir[4096];
    ck_assert_int_eq(sscanf(buf, "%d %d %4095s", &xs, &sup, dir), 3);
    waitpid(child, NULL, 0);
    struct stat st;
    ck_assert(WAIT_FOR(!simhost_pid_running(xs) && !simhost_pid_running(sup) &&
                       stat(dir, &st) < 0, 10000));
}

/* ------------------------------------------------------------ xenstore-utils */

TEST(xenstore_utils_work, 60)
{
    int st;
    char *v = sh(&st, "xenstore-read /local/domain/0/name");
    ck_assert_int_eq(st, 0);
    ck_assert_str_eq(v, "Domain-0");
    free(v);
    int d = simhost_create_domain("utilvm", 64, 1, NULL);
    ck_assert_int_gt(d, 0);
    v = sh(&st, "xenstore-ls /local/domain/%d", d);
    ck_assert_int_eq(st, 0);
    ck_assert_msg(strstr(v, "name = \"utilvm\""), "%s", v);
    ck_assert_msg(strstr(v, "shutdown = \"\""), "%s", v);
    free(v);
    v = sh(&st, "xenstore-read /local/domain/%d/vm", d);
    char *name = sh(NULL, "xenstore-read %s/name", v);
    ck_assert_str_eq(name, "utilvm");
    free(name);
    free(v);
    v = sh(&st, "xenstore-write /test/a hello && xenstore-read /test/a");
    ck_assert_int_eq(st, 0);
    ck_assert_str_eq(v, "hello");
    free(v);
}

/* ------------------------------------------------------------ hypercalls */

TEST(libxenctrl_sees_domains, 60)
{
    int a = simhost_create_domain("a", 100, 2, NULL);
    int b = simhost_create_domain("b", 200, 1, NULL);
    int c = simhost_create_domain("c", 300, 1, NULL);
    ck_assert(a > 0 && b > a && c > b);
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);

    xc_domaininfo_t list[8];
    ck_assert_int_eq(xc_domain_getinfolist(xch, 0, 8, list), 4);
    ck_assert_int_eq(list[0].domain, 0);
    ck_assert_int_eq(list[2].domain, b);
    ck_assert_uint_eq(list[2].tot_pages * 4, 200 * 1024);
    ck_assert_uint_eq(list[2].max_pages * 4, 200 * 1024 + 1024);
    ck_assert_uint_eq(list[1].nr_online_vcpus, 2);

    /* 4.17 semantics: the first domain at or after the id asked for */
    ck_assert_int_eq(simhost_destroy_domain(b), 0);
    ck_assert_int_eq(simhost_wait_gone(b, 5000), 0);
    xc_dominfo_t info;
    ck_assert_int_eq(xc_domain_getinfo(xch, (uint32_t)b, 1, &info), 1);
    ck_assert_int_eq(info.domid, c);
    ck_assert_int_eq(info.max_memkb, 300 * 1024 + 1024);
    uint64_t t1 = info.cpu_time;
    ck_assert(WAIT_FOR(xc_domain_getinfo(xch, (uint32_t)c, 1, &info) == 1 &&
                       info.cpu_time > t1, 2000));
    ck_assert_int_lt(xc_domain_getinfo(xch, (uint32_t)c + 1, 1, &info), 0);
    ck_assert_int_eq(errno, ESRCH);

    ck_assert_int_eq(xc_domain_pause(xch, (uint32_t)a), 0);
    ck_assert_int_eq(xc_domain_getinfo(xch, (uint32_t)a, 1, &info), 1);
    ck_assert(info.paused);
    ck_assert_int_eq(xc_domain_unpause(xch, (uint32_t)a), 0);
    ck_assert_int_eq(xc_domain_getinfo(xch, (uint32_t)a, 1, &info), 1);
    ck_assert(!info.paused && info.blocked);

    ck_assert_int_eq(xc_domain_shutdown(xch, (uint32_t)a, SHUTDOWN_reboot), 0);
    ck_assert_int_eq(xc_domain_getinfo(xch, (uint32_t)a, 1, &info), 1);
    ck_assert(info.shutdown && info.shutdown_reason == SHUTDOWN_reboot);

    xc_physinfo_t phys;
    ck_assert_int_eq(xc_physinfo(xch, &phys), 0);
    ck_assert_uint_gt(phys.nr_cpus, 0);
    ck_assert_int_eq(xc_version(xch, XENVER_version, NULL), (4 << 16) | 17);

    /* A domain destroyed through libxenctrl also goes. */
    ck_assert_int_eq(xc_domain_destroy(xch, (uint32_t)a), 0);
    ck_assert_int_eq(simhost_wait_gone(a, 5000), 0);
    /* Unsimulated: ENOSYS */
    ck_assert_int_lt(xc_domain_setdebugging(xch, (uint32_t)c, 1), 0);
    ck_assert_int_eq(errno, ENOSYS);
    xc_interface_close(xch);
}

/* libvirt's libxl driver reads the host's NUMA layout and cpu topology:
 * one node with all the memory, every cpu on it. */
TEST(numa_and_cpu_topology, 60)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
    xc_physinfo_t phys;
    ck_assert_int_eq(xc_physinfo(xch, &phys), 0);

    unsigned nodes = 0;
    ck_assert_int_eq(xc_numainfo(xch, &nodes, NULL, NULL), 0);
    ck_assert_uint_eq(nodes, 1);
    xc_meminfo_t mem[2];
    uint32_t dist[4] = {0};
    nodes = 2;
    ck_assert_int_eq(xc_numainfo(xch, &nodes, mem, dist), 0);
    ck_assert_uint_eq(nodes, 1);
    ck_assert_uint_eq(mem[0].memsize, phys.total_pages * 4096);
    ck_assert_uint_eq(mem[0].memfree, phys.free_pages * 4096);
    ck_assert_uint_eq(dist[0], 10);

    unsigned cpus = 0;
    ck_assert_int_eq(xc_cputopoinfo(xch, &cpus, NULL), 0);
    ck_assert_uint_eq(cpus, phys.nr_cpus);
    xc_cputopo_t *topo = calloc(cpus, sizeof(*topo));
    ck_assert_ptr_nonnull(topo);
    ck_assert_int_eq(xc_cputopoinfo(xch, &cpus, topo), 0);
    ck_assert_uint_eq(cpus, phys.nr_cpus);
    for (unsigned i = 0; i < cpus; i++) {
        ck_assert_uint_eq(topo[i].core, i);
        ck_assert_uint_eq(topo[i].socket, 0);
        ck_assert_uint_eq(topo[i].node, 0);
    }
    free(topo);
    xc_interface_close(xch);
}

TEST(counters_count_hypercalls, 60)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
    simhost_counters_reset();
    xc_dominfo_t info;
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(xc_domain_getinfo(xch, 0, 1, &info), 1);
    xc_domaininfo_t di;
    ck_assert_int_eq(xc_domain_getinfolist(xch, 0, 1, &di), 1);
    ck_assert_uint_eq(simhost_counter("domctl.getdomaininfo"), 3);
    ck_assert_uint_eq(simhost_counter("sysctl.getdomaininfolist"), 1);
    ck_assert_uint_eq(simhost_counter("hypercall.domctl"), 3);
    ck_assert_uint_eq(simhost_counter("hypercall.sysctl"), 1);
    /* xenstored's own calls are counted apart */
    int d = simhost_create_domain("cnt", 64, 1, NULL);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    ck_assert_int_eq(simhost_wait_gone(d, 5000), 0);
    ck_assert_uint_eq(simhost_counter("domctl.getdomaininfo"), 3);
    ck_assert_uint_ge(simhost_counter("xenstored.domctl.getdomaininfo"), 1);
    ck_assert_uint_eq(simhost_counter("xenstored.gnttab.unmap"), 1);
    char *out = NULL;
    ck_assert_int_eq(simhost_cli(&out, "counters", (char *)NULL), 0);
    ck_assert_msg(strstr(out, "domctl.getdomaininfo 3\n"), "%s", out);
    free(out);
    xc_interface_close(xch);
}

/* @releaseDomain fires for an introduced domain when it is destroyed. */
TEST(release_domain_watch_fires, 60)
{
    int d = simhost_create_domain("rel", 64, 1, NULL);
    ck_assert_int_gt(d, 0);
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    ck_assert(xs_watch(xs, "@releaseDomain", "rel"));
    unsigned n;
    char **ev = xs_read_watch(xs, &n);      /* fires once on registration */
    ck_assert_ptr_nonnull(ev);
    free(ev);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    int fd = xs_fileno(xs);
    bool fired = false;
    uint64_t deadline = test_now_ms() + 5000;
    while (!fired && test_now_ms() < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 100) == 1 && (ev = xs_read_watch(xs, &n))) {
            fired = !strcmp(ev[XS_WATCH_PATH], "@releaseDomain");
            free(ev);
        }
    }
    ck_assert(fired);
    ck_assert_int_eq(simhost_wait_gone(d, 5000), 0);
    xs_close(xs);
}

/* HVM containers: the hvm_guest flag, /libxl/N/type, and the callback IRQ
 * through libxenctrl's xc_hvm_param_get / _set (HVMOP_get/set_param). */
TEST(hvm_domains_and_callback_irq, 60)
{
    int h = simhost_create_hvm_domain("hvm", "hvm", NULL);
    int v = simhost_create_hvm_domain("pvh", "pvh", NULL);
    int p = simhost_create_domain("pv", 64, 1, NULL);
    ck_assert(h > 0 && v > 0 && p > 0);
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
    xc_domaininfo_t info[3];
    ck_assert_int_eq(xc_domain_getinfolist(xch, (uint32_t)h, 3, info), 3);
    ck_assert(info[0].flags & XEN_DOMINF_hvm_guest);
    ck_assert(info[1].flags & XEN_DOMINF_hvm_guest);
    ck_assert(!(info[2].flags & XEN_DOMINF_hvm_guest));
    char *t = NULL;
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    char path[64];
    snprintf(path, sizeof(path), "/libxl/%d/type", h);
    ck_assert_str_eq(t = xs_read(xs, XBT_NULL, path, NULL), "hvm");
    free(t);
    snprintf(path, sizeof(path), "/libxl/%d/type", v);
    ck_assert_str_eq(t = xs_read(xs, XBT_NULL, path, NULL), "pvh");
    free(t);
    xs_close(xs);

    uint64_t irq = 99;
    ck_assert_int_eq(xc_hvm_param_get(xch, (uint32_t)h, HVM_PARAM_CALLBACK_IRQ,
                                      &irq), 0);
    ck_assert_uint_eq(irq, 0);                /* no PV drivers yet */
    ck_assert_int_eq(simhost_set_callback_irq(h, 0x100000005ull), 0);
    ck_assert_int_eq(xc_hvm_param_get(xch, (uint32_t)h, HVM_PARAM_CALLBACK_IRQ,
                                      &irq), 0);
    ck_assert_uint_eq(irq, 0x100000005ull);
    ck_assert_int_eq(xc_hvm_param_set(xch, (uint32_t)h, HVM_PARAM_CALLBACK_IRQ,
                                      0), 0);
    ck_assert_int_eq(xc_hvm_param_get(xch, (uint32_t)h, HVM_PARAM_CALLBACK_IRQ,
                                      &irq), 0);
    ck_assert_uint_eq(irq, 0);
    /* as Xen: not an HVM domain, no such domain */
    ck_assert_int_eq(xc_hvm_param_get(xch, (uint32_t)p, HVM_PARAM_CALLBACK_IRQ,
                                      &irq), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(xc_hvm_param_get(xch, 7777, HVM_PARAM_CALLBACK_IRQ, &irq), -1);
    ck_assert_int_eq(errno, ESRCH);
    ck_assert_int_ne(simhost_set_callback_irq(p, 1), 0);
    xc_interface_close(xch);
}

/* ------------------------------------------------------------ guests */

TEST(guest_obeys_shutdown_request, 60)
{
    int d = simhost_create_domain("obedient", 64, 1, "obey");
    ck_assert_int_gt(d, 0);
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%d/control/shutdown", d);
    ck_assert_int_eq(simhost_request_shutdown(d, "reboot"), 0);
    ck_assert(WAIT_FOR(dom_state(d, true, SHUTDOWN_reboot), 5000));
    ck_assert(value_is(path, ""));        /* acknowledged before shutting down */
}

TEST(guest_ack_only_never_shuts_down, 60)
{
    int d = simhost_create_domain("stubborn", 64, 1, "ack-only");
    ck_assert_int_gt(d, 0);
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%d/control/shutdown", d);
    ck_assert_int_eq(simhost_request_shutdown(d, "poweroff"), 0);
    ck_assert(WAIT_FOR(value_is(path, ""), 5000));
    /* a round trip through the guest after the acknowledgement */
    ck_assert_int_eq(simhost_guest_write(d, "data/after", "1"), 0);
    ck_assert(dom_state(d, false, 0));
}

TEST(guest_ignores_shutdown_request, 60)
{
    int d = simhost_create_domain("deaf", 64, 1, "ignore");
    ck_assert_int_gt(d, 0);
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%d/control/shutdown", d);
    ck_assert_int_eq(simhost_request_shutdown(d, "poweroff"), 0);
    ck_assert_int_eq(simhost_guest_write(d, "data/after", "1"), 0);
    ck_assert(value_is(path, "poweroff"));
    ck_assert(dom_state(d, false, 0));
    /* switching it to obey makes it answer the pending request */
    char id[16];
    snprintf(id, sizeof(id), "%d", d);
    ck_assert_int_eq(simhost_cli(NULL, "guest-policy", id, "obey", (char *)NULL), 0);
    ck_assert(WAIT_FOR(dom_state(d, true, SHUTDOWN_poweroff), 5000));
}

TEST(guest_crashes_instead, 60)
{
    int d = simhost_create_domain("fragile", 64, 1, "crash");
    ck_assert_int_gt(d, 0);
    ck_assert_int_eq(simhost_request_shutdown(d, "poweroff"), 0);
    ck_assert(WAIT_FOR(dom_state(d, true, SHUTDOWN_crash), 5000));
}

TEST(guest_writes_large_value_over_ring, 60)
{
    int d = simhost_create_domain("writer", 64, 1, "ignore");
    ck_assert_int_gt(d, 0);
    char id[16], path[64];
    snprintf(id, sizeof(id), "%d", d);
    /* 2000 bytes: more than the 1 KiB ring, within xenstored's 2048 quota */
    ck_assert_int_eq(simhost_cli(NULL, "guest-write", id, "data/big", "--size", "2000",
                                 (char *)NULL), 0);
    snprintf(path, sizeof(path), "/local/domain/%d/data/big", d);
    char *v = xs_value(path);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(strlen(v), 2000);
    ck_assert(v[0] == 'a' && v[1999] == 'a' + 1999 % 26);
    free(v);
    /* a guest cannot write dom0's nodes */
    ck_assert_int_eq(simhost_cli(NULL, "guest-write", id, "/local/domain/0/name", "x",
                                 (char *)NULL), 1);
    ck_assert(value_is("/local/domain/0/name", "Domain-0"));
    /* and without a guest process, the CLI acts as the guest itself */
    int e = simhost_create_domain("noguest", 64, 1, NULL);
    snprintf(id, sizeof(id), "%d", e);
    ck_assert_int_eq(simhost_cli(NULL, "guest-write", id, "data/x", "y", (char *)NULL), 0);
    snprintf(path, sizeof(path), "/local/domain/%d/data/x", e);
    ck_assert(value_is(path, "y"));
}

TEST(bulk_creation, 60)
{
    char *out = NULL;
    ck_assert_int_eq(simhost_cli(&out, "create-bulk", "300", "--nodes", "minimal",
                                 (char *)NULL), 0);
    free(out);
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
    static xc_domaininfo_t list[400];
    ck_assert_int_eq(xc_domain_getinfolist(xch, 0, 400, list), 301);
    xc_interface_close(xch);
    ck_assert(value_is("/local/domain/300/name", "bulk299"));
}

/* A process killed inside a lock (xenstored killed in the middle of a
 * hypercall) must not wedge the host: the next caller takes over.
 * _i == 0: the table lock; 1: the domain record's own lock (sim.h).
 * getdomaininfo takes both, pause and unpause only the second. */
TEST_LOOP(lock_holder_killed_inside, 60, 0, 2)
{
    int d = simhost_create_domain("l", 64, 1, NULL);
    ck_assert_int_gt(d, 0);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        xensim_test_hold_lock(_i ? d : -1);
        (void)!write(p[1], "x", 1);
        for (;;) pause();
    }
    char c;
    close(p[1]);
    ck_assert_int_eq(read(p[0], &c, 1), 1);    /* it holds the lock now */
    close(p[0]);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    /* still a zombie here: not running, so the lock is taken over */
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
    xc_domaininfo_t info;
    ck_assert_int_eq(xc_domain_getinfolist(xch, (uint32_t)d, 1, &info), 1);
    ck_assert_int_eq(xc_domain_pause(xch, (uint32_t)d), 0);
    ck_assert_int_eq(xc_domain_unpause(xch, (uint32_t)d), 0);
    xc_interface_close(xch);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status));
}

/* Pause and unpause take no table lock: two threads pausing and unpausing
 * the same domain while a third lists it must lose no update, and the
 * cpu time the list reports must never go backwards. */
#define RACE_ROUNDS 20000
struct race_arg { uint32_t domid; int failures; };

static void *race_pauser(void *p)
{
    struct race_arg *a = p;
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    if (!xch) { a->failures = -1; return NULL; }
    for (int i = 0; i < RACE_ROUNDS; i++) {
        if (xc_domain_pause(xch, a->domid)) a->failures++;
        if (xc_domain_unpause(xch, a->domid)) a->failures++;
    }
    xc_interface_close(xch);
    return NULL;
}

TEST(pause_races_keep_counts_and_cpu_time, 60)
{
    int d = simhost_create_domain("race", 64, 2, NULL);
    ck_assert_int_gt(d, 0);
    struct race_arg a = { (uint32_t)d, 0 }, b = { (uint32_t)d, 0 };
    pthread_t ta, tb;
    ck_assert_int_eq(pthread_create(&ta, NULL, race_pauser, &a), 0);
    ck_assert_int_eq(pthread_create(&tb, NULL, race_pauser, &b), 0);
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
    uint64_t last = 0;
    int backwards = 0, lists = 0;
    bool joined_a = false, joined_b = false;
    for (bool done = false; !done; lists++) {
        if (!joined_a) joined_a = pthread_tryjoin_np(ta, NULL) == 0;
        if (!joined_b) joined_b = pthread_tryjoin_np(tb, NULL) == 0;
        done = joined_a && joined_b;     /* one more list after both end */
        xc_domaininfo_t info;
        ck_assert_int_eq(xc_domain_getinfolist(xch, (uint32_t)d, 1, &info), 1);
        if (info.cpu_time < last) backwards++;
        last = info.cpu_time;
    }
    ck_assert_int_eq(a.failures, 0);
    ck_assert_int_eq(b.failures, 0);
    ck_assert_int_eq(backwards, 0);
    ck_assert_int_gt(lists, 1);
    struct xensim_dominfo di;
    ck_assert_int_eq(xensim_domain_info((uint32_t)d, &di), 0);
    ck_assert(!di.paused);                       /* every pause undone */
    ck_assert_int_eq(xc_domain_unpause(xch, (uint32_t)d), -1);
    ck_assert_int_eq(errno, EINVAL);
    xc_interface_close(xch);
}
