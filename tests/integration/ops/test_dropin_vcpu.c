/*
 * test_dropin_vcpu.c: vcpus and scheduling as drop-ins for Debian's
 * libxenlight 4.17. tests/abi/dropin_vcpu.c is built against Debian's
 * headers and library and against ours; on one simulated host, each run
 * on a fresh domain of 3 vcpus, it must print the same as Debian's, as
 * Debian's binary on lightcore (ABI) and as ours (API): the vcpu list,
 * vcpu and node affinity (good and bad input) and the hypervisor's state
 * after each change; scheduling parameters per domain, per vcpu and per
 * pool, with pool 0 on credit2 (Xen 4.17's default), credit, RTDS and
 * null. Getters make no more hypercalls than Debian's.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <poll.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropin.h"
#include "simhost.h"
#include "testlog.h"
#include "testmain.h"
#include "xensim.h"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* Runs a part of the probe on a fresh domain; GONE names a destroyed one. */
static char *run_part(const char *part, const char *prog, bool on_lightcore,
                      int gone)
{
    char d[16], g[16];
    int domid = simhost_create_domain("vcpus", 64, 3, NULL);

    ck_assert_int_gt(domid, 0);
    snprintf(d, sizeof(d), "%d", domid);
    snprintf(g, sizeof(g), "%d", gone);
    const char *args[] = { part, d, g, NULL };
    char *out = dropin_run(prog, args, preload_env, on_lightcore);
    ck_assert_int_eq(simhost_destroy_domain(domid), 0);
    return out;
}

TEST(vcpu_same_on_debian_and_lightcore, 180)
{
    int gone = simhost_create_domain("gone", 64, 1, NULL);

    ck_assert_int_gt(gone, 0);
    ck_assert_int_eq(simhost_destroy_domain(gone), 0);
    ck_assert_int_eq(simhost_wait_gone(gone, 5000), 0);

    char *debian = run_part("all", "tests/dropin-vcpu-debian", false, gone);
    char *abi = run_part("all", "tests/dropin-vcpu-debian", true, gone);
    char *api = run_part("all", "tests/dropin-vcpu-ours", true, gone);

    /* The probe got through and saw what it set. */
    ck_assert_ptr_nonnull(strstr(debian, "ctx_alloc = 0\n"));
    ck_assert_ptr_nonnull(strstr(debian, "list_vcpu(D): list nr_vcpus 3"));
    ck_assert_ptr_nonnull(strstr(debian,
        "set_vcpuaffinity(hard cpu0, dom D, vcpu 0): rc 0\n"
        "  state: v0=0,h:01"));
    ck_assert_ptr_nonnull(strstr(debian,
        "set_vcpuaffinity(hard none, dom D, vcpu 1): rc -3\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "set_nodeaffinity(node5, dom D): rc -3\n"));
    ck_assert_ptr_nonnull(strstr(debian, "ctx_free = 0\n"));
    dropin_assert_same(debian, abi, api);
    free(debian);
    free(abi);
    free(api);
}

static int gone_domain(void)
{
    int gone = simhost_create_domain("gone", 64, 1, NULL);

    ck_assert_int_gt(gone, 0);
    ck_assert_int_eq(simhost_destroy_domain(gone), 0);
    ck_assert_int_eq(simhost_wait_gone(gone, 5000), 0);
    return gone;
}

/* The scheduling part of the probe with pool 0 on sched_id; returns
 * Debian's output. */
static char *sched_same(uint32_t sched_id)
{
    int gone = gone_domain();

    ck_assert_int_eq(xensim_set_pool0_sched(sched_id), 0);
    char *debian = run_part("sched", "tests/dropin-vcpu-debian", false, gone);
    char *abi = run_part("sched", "tests/dropin-vcpu-debian", true, gone);
    char *api = run_part("sched", "tests/dropin-vcpu-ours", true, gone);
    ck_assert_ptr_nonnull(strstr(debian, "ctx_free = 0\n"));
    dropin_assert_same(debian, abi, api);
    free(abi);
    free(api);
    return debian;
}

TEST(sched_credit2_same_on_debian_and_lightcore, 180)
{
    char *debian = sched_same(6 /* XEN_SCHEDULER_CREDIT2 */);

    ck_assert_ptr_nonnull(strstr(debian,
        "domain_sched_params_set(weight 512, dom D): rc 0\n"
        "  state: credit2 0 w512 c0 credit -1 rtds -1\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "Cpu cap out of range, valid range is from 0 to 300"));
    ck_assert_ptr_nonnull(strstr(debian,
        "sched_credit2_params_set(pool 0, 2000): rc 0 now 2000\n"
        "  state: credit2 0 r2000 credit -1\n"));
    free(debian);
}

TEST(sched_credit_same_on_debian_and_lightcore, 180)
{
    char *debian = sched_same(5 /* XEN_SCHEDULER_CREDIT */);

    ck_assert_ptr_nonnull(strstr(debian,
        "domain_sched_params_set(weight 512, dom D): rc 0\n"
        "  state: credit2 -1 credit 0 w512 c0 rtds -1\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "sched_credit_params_set(pool 0, 5, 5000, 0): rc 0 now 5 5000 0\n"));
    free(debian);
}

TEST(sched_rtds_and_null_same_on_debian_and_lightcore, 240)
{
    char *debian = sched_same(8 /* XEN_SCHEDULER_RTDS */);

    ck_assert_ptr_nonnull(strstr(debian,
        "domain_sched_params_set(rtds period 20000 budget 3000, dom D): rc 0\n"
        "  state: credit2 -1 credit -1 rtds 0 v0:20000/3000+x v1:20000/3000+x "
        "v2:20000/3000+x\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "vcpu_sched_params_set_all(30000/2000): rc 0\n"
        "  state: credit2 -1 credit -1 rtds 0 v0:30000/2000 v1:30000/2000 "
        "v2:30000/2000\n"));
    free(debian);
    free(sched_same(9 /* XEN_SCHEDULER_NULL */));
    free(sched_same(7 /* XEN_SCHEDULER_ARINC653 */));
}

/* libxl_set_vcpuonline on PV, HVM (traditional device model, bad types
 * and versions) and PVH domains: xenstore's cpu/N/availability after. */
TEST(vcpuonline_same_on_debian_and_lightcore, 180)
{
    int gone = gone_domain();
    const char *progs[] = { "tests/dropin-vcpu-debian",
                            "tests/dropin-vcpu-debian",
                            "tests/dropin-vcpu-ours" };
    char *out[3];

    for (int i = 0; i < 3; i++) {
        char d[16], g[16], h[16], p[16];
        int domid = simhost_create_domain("vcpus", 64, 3, NULL);
        int hvm = simhost_create_hvm_domain("hvm", "hvm", NULL);
        int pvh = simhost_create_hvm_domain("pvh", "pvh", NULL);

        ck_assert_int_gt(domid, 0);
        ck_assert_int_gt(hvm, 0);
        ck_assert_int_gt(pvh, 0);
        snprintf(d, sizeof(d), "%d", domid);
        snprintf(g, sizeof(g), "%d", gone);
        snprintf(h, sizeof(h), "%d", hvm);
        snprintf(p, sizeof(p), "%d", pvh);
        const char *args[] = { "online", d, g, h, p, NULL };
        out[i] = dropin_run(progs[i], args, preload_env, i > 0);
        ck_assert_int_eq(simhost_destroy_domain(domid), 0);
        ck_assert_int_eq(simhost_destroy_domain(hvm), 0);
        ck_assert_int_eq(simhost_destroy_domain(pvh), 0);
    }
    ck_assert_ptr_nonnull(strstr(out[0],
        "set_vcpuonline(0, dom D): rc 0\n"
        "  state: 0=online 1=offline 2=offline 3=-\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "Requested 4 VCPUs, however maxcpus "
                                         "is 3!\nset_vcpuonline(0-3, dom D): rc -3"));
    ck_assert_ptr_nonnull(strstr(out[0], "ctx_free = 0\n"));
    dropin_assert_same(out[0], out[1], out[2]);
    for (int i = 0; i < 3; i++)
        free(out[i]);
}

/* ------------------------------------------------------------ upstream QEMU */

/* A real QEMU (no guest: -S) standing for domid's device model, its QMP
 * socket where libxl 4.17 looks, under a private /var/run/xen (dir/run). */
static pid_t qemu_start(const char *dir, int domid, char *sock, size_t len)
{
    char qmp[PATH_MAX + 64];

    snprintf(sock, len, "%s/run/qmp-libxl-%d", dir, domid);
    snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", sock);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "pc",
               "-accel", "tcg", "-S", "-nodefaults", "-display", "none",
               "-smp", "1,maxcpus=3,sockets=3,cores=1,threads=1",
               "-qmp", qmp, (char *)NULL);
        fprintf(stderr, "cannot run qemu-system-x86_64: %s\n", strerror(errno));
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 1000 && stat(sock, &st); i++) {
        ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);   /* still there */
        poll(NULL, 0, 10);
    }
    ck_assert_msg(S_ISSOCK(st.st_mode), "QEMU made no socket %s", sock);
    return pid;
}

static void qemu_stop(pid_t pid)
{
    kill(pid, SIGTERM);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

/* One line from QEMU (its reply or greeting), within 10 s. */
static void qmp_line(int fd, char *buf, size_t size)
{
    size_t n = 0;

    while (n + 1 < size) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ck_assert_int_eq(poll(&p, 1, 10000), 1);
        ssize_t r = read(fd, buf + n, 1);
        ck_assert_int_eq(r, 1);
        if (buf[n++] == '\n')
            break;
    }
    buf[n] = 0;
}

/* How many cpus QEMU has (query-cpus-fast, as a second client). */
static int qemu_cpus(const char *sock)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    char line[8192];
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), n = 0;

    ck_assert_int_ge(fd, 0);
    size_t len = strlen(sock);
    ck_assert_uint_lt(len, sizeof(a.sun_path));
    memcpy(a.sun_path, sock, len + 1);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    qmp_line(fd, line, sizeof(line));                  /* greeting */
    static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";
    static const char cpus[] = "{\"execute\":\"query-cpus-fast\"}\n";
    ck_assert_int_eq(write(fd, caps, strlen(caps)), (ssize_t)strlen(caps));
    qmp_line(fd, line, sizeof(line));
    ck_assert_int_eq(write(fd, cpus, strlen(cpus)), (ssize_t)strlen(cpus));
    qmp_line(fd, line, sizeof(line));
    for (const char *p = line; (p = strstr(p, "\"cpu-index\"")); p++)
        n++;
    close(fd);
    return n;
}

/* The number on the last non-empty line of text (the CLI prints the new
 * domain's id last). */
static int last_number(const char *text)
{
    const char *end = text + strlen(text);

    while (end > text && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    return atoi(start);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

/* libxl_set_vcpuonline on an HVM guest of upstream QEMU (a real one, 3
 * sockets of which 1 is plugged): the cpus QEMU lacks are added with
 * device_add (a socket past its 3 refused), then xenstore is written.
 * Each run has a fresh QEMU; what it has afterwards is compared too. */
TEST(vcpuonline_upstream_qemu_same_on_debian_and_lightcore, 180)
{
    const char *progs[] = { "tests/dropin-vcpu-debian",
                            "tests/dropin-vcpu-debian",
                            "tests/dropin-vcpu-ours" };
    char *out[3];
    int cpus[3];

    for (int i = 0; i < 3; i++) {
        char dir[] = "/tmp/vcpu-qemu.XXXXXX", run[PATH_MAX], sock[PATH_MAX];
        char h[16], *created = NULL;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(run, sizeof(run), "%s/run", dir);
        ck_assert_int_eq(mkdir(run, 0700), 0);
        ck_assert_int_eq(simhost_cli(&created, "create", "hvm", "--mem-mb", "64",
                                     "--hvm", "--vcpus", "3", (char *)NULL), 0);
        int hvm = last_number(created);
        free(created);
        ck_assert_int_gt(hvm, 0);
        snprintf(h, sizeof(h), "%d", hvm);
        pid_t qemu = qemu_start(dir, hvm, sock, sizeof(sock));
        const char *args[] = { "online-qemu", h, h, h, NULL };
        out[i] = dropin_run_private(progs[i], args, preload_env, i > 0, dir);
        cpus[i] = qemu_cpus(sock);
        qemu_stop(qemu);
        ck_assert_int_eq(simhost_destroy_domain(hvm), 0);
        ck_assert_int_eq(nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
    }
    ck_assert_ptr_nonnull(strstr(out[0],
        "set_vcpuonline(0-1 qemu, dom D): rc 0\n"
        "  state: 0=online 1=online 2=offline 3=-\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "set_vcpuonline(0,9 qemu, dom D): rc -28"));
    ck_assert_int_eq(cpus[0], 3);
    ck_assert_int_eq(cpus[1], 3);
    ck_assert_int_eq(cpus[2], 3);
    dropin_assert_same(out[0], out[1], out[2]);
    for (int i = 0; i < 3; i++)
        free(out[i]);
}

/* The vcpus online of domid as the hypervisor says, once it says want
 * (the guest acts on its own time), within 5 s; -1 if it never does. */
static int wait_online(libxl_ctx *ctx, uint32_t domid, uint32_t want)
{
    for (int i = 0; i < 1000; i++) {
        libxl_dominfo info;
        libxl_dominfo_init(&info);
        ck_assert_int_eq(libxl_domain_info(ctx, &info, domid), 0);
        uint32_t n = info.vcpu_online;
        libxl_dominfo_dispose(&info);
        if (n == want)
            return (int)n;
        poll(NULL, 0, 5);
    }
    return -1;
}

/* lightcore's libxl_set_vcpuonline reaches a running guest, which takes
 * its vcpus down and up again (the simulated guest does as Linux). */
TEST(vcpuonline_reaches_the_guest, 60)
{
    xentoollog_logger *lg = testlog_new();
    libxl_ctx *ctx;
    libxl_bitmap map;
    int domid = simhost_create_domain("guest", 64, 3, "ignore");
    int nv, nc;

    ck_assert_int_gt(domid, 0);
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
    libxl_bitmap_init(&map);
    ck_assert_int_eq(libxl_bitmap_alloc(ctx, &map, 3), 0);
    libxl_bitmap_set(&map, 0);
    ck_assert_int_eq(libxl_set_vcpuonline(ctx, (uint32_t)domid, &map, NULL), 0);
    ck_assert_int_eq(wait_online(ctx, (uint32_t)domid, 1), 1);

    libxl_vcpuinfo *v = libxl_list_vcpu(ctx, (uint32_t)domid, &nv, &nc);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(nv, 3);
    ck_assert(v[0].online && !v[1].online && !v[2].online);
    ck_assert_uint_eq(v[1].vcpu_time, 0);
    libxl_vcpuinfo_list_free(v, nv);

    libxl_bitmap_set(&map, 1);
    libxl_bitmap_set(&map, 2);
    ck_assert_int_eq(libxl_set_vcpuonline(ctx, (uint32_t)domid, &map, NULL), 0);
    ck_assert_int_eq(wait_online(ctx, (uint32_t)domid, 3), 3);

    libxl_bitmap_dispose(&map);
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
    ck_assert_int_eq(simhost_destroy_domain(domid), 0);
}

/* Hypercalls one getter makes on each library, by kind. */
static void count_calls(const char *prog, bool on_lightcore, const char *what,
                        int domid, uint64_t out[5])
{
    char d[16];
    snprintf(d, sizeof(d), "%d", domid);
    const char *args[] = { what, d, NULL };

    simhost_counters_reset();
    free(dropin_run(prog, args, preload_env, on_lightcore));
    out[0] = simhost_counter("hypercall.domctl");
    out[1] = simhost_counter("hypercall.sysctl");
    out[2] = simhost_counter("domctl.getvcpuinfo");
    out[3] = simhost_counter("domctl.getvcpuaffinity");
    out[4] = simhost_counter("sysctl.cpupool_op");
}

TEST(vcpu_getters_no_more_hypercalls_than_debian, 120)
{
    int domid = simhost_create_domain("vcpus", 64, 4, NULL);
    static const char *const getters[] = { "list", "getnodes", "getsched",
                                           "getpool" };

    ck_assert_int_gt(domid, 0);
    for (size_t i = 0; i < sizeof(getters) / sizeof(getters[0]); i++) {
        uint64_t debian[5], ours[5];

        count_calls("tests/dropin-vcpu-debian", false, getters[i], domid,
                    debian);
        count_calls("tests/dropin-vcpu-debian", true, getters[i], domid, ours);
        for (int k = 0; k < 5; k++)
            ck_assert_msg(ours[k] <= debian[k], "%s: counter %d: %llu > %llu",
                          getters[i], k, (unsigned long long)ours[k],
                          (unsigned long long)debian[k]);
    }
    /* the list asked for every vcpu */
    uint64_t c[5];
    count_calls("tests/dropin-vcpu-debian", true, "list", domid, c);
    ck_assert_uint_eq(c[2], 4);
    ck_assert_uint_eq(c[3], 4);
}
