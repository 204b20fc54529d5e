/*
 * test_xl_cpupool.c: Debian's own xl, unchanged, on lightcore for cpupools
 * and for the features the simulated host lacks (PSR, FLASK), on a host of
 * 4 cpus in 2 NUMA nodes (cpus 0-1, 2-3) with one guest.
 *
 * cpupool-numa-split runs as a scenario of its own (split, then undone),
 * with dom0's vcpus past node 0's cpus taken down first, so the split
 * does not wait for dom0's kernel whatever the machine's cpu count.
 *
 * Commands that only read (psr-*, getenforce, cpupool-list on a fresh
 * host) run once on each library (xlboth_same). The cpupool commands that
 * change the host run as one scenario that leaves the host as it found it
 * (pools destroyed, cpus and the guest back in Pool-0): first every step
 * on Debian's libxenlight, then every step on lightcore, and each step's
 * exit status, output and error output must be the same on both.
 *
 * Normalisation: libxl's log lines on stderr name the library's own
 * source ("libxl: error: libxl_cpupool.c:365:libxl_cpupool_cpuremove: "),
 * so FILE:LINE:FUNC becomes "SRC" in both (xlboth_mask_sources). Nothing
 * else: xl prints no time, uuid or free memory in these commands, and the pool
 * ids are the same because the scenario restores the host (Xen numbers a
 * new pool after the highest).
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simhost.h"
#include "testmain.h"
#include "xensim.h"
#include "xlboth.h"

static simhost *host;
static char guest[16];
static char dir[] = "/tmp/xl-cpupool.XXXXXX";
static char config[PATH_MAX], nodes_config[PATH_MAX], bad_config[PATH_MAX];
static char numa_config[PATH_MAX], numa0_config[PATH_MAX];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
    setenv("XENSIM_CPUS", "4", 1);
    setenv("XENSIM_NODES", "2", 1);
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    xlboth_init(simhost_preload_env(), NULL);
    /* Under check-asan, Debian's xl runs with AddressSanitizer preloaded
     * too: its own leaks (cpupool-migrate never frees the name
     * libxl_domid_to_name returns) would fail its run. Not our concern,
     * and lightcore's run has the same setting (xlboth.c). */
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    int d = simhost_create_domain("vm1", 64, 1, NULL);
    ck_assert_int_ge(d, 1);
    snprintf(guest, sizeof(guest), "%d", d);

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(config, sizeof(config), "%s/pool-a.cfg", dir);
    write_file(config, "name = \"pool-a\"\nsched = \"credit\"\ncpus = [\"3\"]\n");
    snprintf(nodes_config, sizeof(nodes_config), "%s/by-node.cfg", dir);
    write_file(nodes_config, "sched = \"credit2\"\ncpus = \"node:1\"\n");
    snprintf(numa_config, sizeof(numa_config), "%s/numa.cfg", dir);
    write_file(numa_config, "name = \"pool-n1\"\nsched = \"credit\"\n"
               "nodes = [\"1\", \"7\"]\n");
    snprintf(numa0_config, sizeof(numa0_config), "%s/numa0.cfg", dir);
    write_file(numa0_config, "name = \"pool-n0\"\nsched = \"credit\"\n"
               "nodes = [\"0\"]\n");
    snprintf(bad_config, sizeof(bad_config), "%s/bad.cfg", dir);
    write_file(bad_config, "name = \"pool-bad\"\nsched = \"credit2\"\n"
               "cpus = \"0-1\"\n");
}

static void teardown(void)
{
    unlink(config);
    unlink(nodes_config);
    unlink(bad_config);
    unlink(numa_config);
    unlink(numa0_config);
    rmdir(dir);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* xl A1 [A2 [A3]] on both libraries. */

static xl_run same_on_both(const char *a1, const char *a2, const char *a3)
{
    const char *args[] = {a1, a2, a3, NULL};
    return xlboth_same(args, xlboth_mask_sources);
}

TEST(xl_cpupool_list_is_the_same_on_lightcore, 120)
{
    xl_run r = same_on_both("cpupool-list", NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Name               CPUs   Sched     Active   Domain count\n"
                            "Pool-0               4   credit2       y          2\n");
    xl_run_free(&r);

    r = same_on_both("cpupool-list", "-c", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Name               CPU list\nPool-0             0,1,2,3\n");
    xl_run_free(&r);

    r = same_on_both("cpupool-list", "Pool-0", NULL);
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);

    r = same_on_both("cpupool-list", "no-such-pool", NULL);
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "no-such-pool"));
    xl_run_free(&r);
}

/* The scenario: each step's argv (at most 5 words), in order. */
#define MAX_STEPS 56
struct step {
    const char *argv[6];
};

static int scenario(struct step *s)
{
    int n = 0;
#define STEP(...) (s[n++] = (struct step){{__VA_ARGS__, NULL}})
    STEP("cpupool-list");
    STEP("cpupool-cpu-remove", "Pool-0", "3");
    STEP("cpupool-cpu-remove", "Pool-0", "0");          /* cpu 0 stays */
    STEP("cpupool-cpu-remove", "Pool-0", "9");          /* past the host */
    STEP("cpupool-cpu-remove", "no-such-pool", "1");
    STEP("cpupool-create", "--dryrun", config);
    STEP("cpupool-create", config);
    STEP("cpupool-create", config);                     /* name taken */
    STEP("cpupool-create", bad_config);                 /* cpus not free */
    STEP("cpupool-create", "name=\"pool-b\"", "sched=\"credit2\"");
    STEP("cpupool-create", "name=\"pool-x\"", "sched=\"nosuch\"");
    STEP("cpupool-create", "name=\"pool-r\"", "sched=\"rtds\"");
    STEP("cpupool-list");
    STEP("cpupool-list", "-c");
    STEP("cpupool-cpu-add", "pool-b", "3");             /* pool-a's */
    STEP("cpupool-cpu-remove", "pool-a", "3");
    STEP("cpupool-cpu-add", "pool-b", "3");
    STEP("cpupool-cpu-add", "pool-b", "7");
    STEP("cpupool-cpu-add", "nope", "1");
    STEP("cpupool-migrate", "vm1", "pool-b");
    STEP("cpupool-migrate", "vm1", "pool-a");           /* no cpus */
    STEP("cpupool-migrate", "no-such-domain", "pool-b");
    STEP("cpupool-migrate", "Domain-0", "pool-b");
    STEP("cpupool-list");
    STEP("cpupool-cpu-remove", "pool-b", "3");          /* last, busy */
    STEP("cpupool-destroy", "pool-b");                  /* has a domain */
    STEP("cpupool-destroy", "Pool-0");
    STEP("cpupool-destroy", "pool-a");
    STEP("cpupool-destroy", "pool-a");
    STEP("cpupool-rename", "pool-b", "pool-c");
    STEP("cpupool-rename", "nope", "x");
    STEP("cpupool-cpu-remove", "Pool-0", "node:0");     /* cpu 0 stays */
    STEP("cpupool-cpu-add", "pool-c", "1-2");
    STEP("cpupool-list", "-c");
    STEP("cpupool-cpu-remove", "pool-c", "all");
    STEP("cpupool-migrate", "vm1", "0");
    STEP("cpupool-cpu-remove", "pool-c", "all");
    STEP("cpupool-cpu-remove", "Pool-0", "node:1");
    STEP("cpupool-create", nodes_config);               /* node 1: 2, 3 */
    STEP("cpupool-list");
    STEP("cpupool-destroy", "by-node");                 /* it is by-node.cfg */
    STEP("cpupool-destroy", "by-node.cfg");
    STEP("cpupool-create", numa_config);                /* nodes = 1, 7 */
    STEP("cpupool-create", numa0_config);               /* node 0's free cpu */
    STEP("cpupool-list", "-c");
    STEP("cpupool-destroy", "pool-n1");
    STEP("cpupool-destroy", "pool-n0");
    STEP("cpupool-destroy", "pool-c");
    STEP("cpupool-cpu-add", "Pool-0", "node:1,1");
    STEP("cpupool-create", numa0_config);               /* none free now */
    STEP("cpupool-list", "-c");
#undef STEP
    ck_assert_int_le(n, MAX_STEPS);
    return n;
}

static void join(char *buf, size_t size, const char *const argv[])
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; argv[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i ? " " : "", argv[i]);
}

/* Runs each step on lightcore and fails unless it does what it did on
 * Debian's library (debian[i]); frees debian[]. */
static void same_on_lightcore(const struct step *steps, xl_run *debian, int n)
{
    for (int i = 0; i < n; i++) {
        char cmd[512];
        xl_run ours = xlboth_run(true, steps[i].argv);

        join(cmd, sizeof(cmd), steps[i].argv);
        ck_assert_msg(ours.status == debian[i].status,
                      "step %d, xl %s: exit status %d on lightcore, %d on "
                      "Debian's\n--- lightcore's stderr\n%.3000s--- Debian's "
                      "stderr\n%.3000s", i, cmd, ours.status, debian[i].status,
                      ours.err, debian[i].err);
        ck_assert_msg(!strcmp(ours.out, debian[i].out),
                      "step %d, xl %s: output differs\n--- lightcore\n%.3000s"
                      "--- Debian's\n%.3000s", i, cmd, ours.out, debian[i].out);
        char *a = xlboth_mask_sources(ours.err);
        char *b = xlboth_mask_sources(debian[i].err);
        ck_assert_msg(!strcmp(a, b),
                      "step %d, xl %s: error output differs\n--- lightcore\n"
                      "%.3000s--- Debian's\n%.3000s", i, cmd, ours.err,
                      debian[i].err);
        free(a);
        free(b);
        xl_run_free(&ours);
        xl_run_free(&debian[i]);
    }
}

TEST(xl_cpupool_commands_are_the_same_on_lightcore, 300)
{
    struct step steps[MAX_STEPS];
    xl_run debian[MAX_STEPS];
    int n = scenario(steps);

    for (int i = 0; i < n; i++)
        debian[i] = xlboth_run(false, steps[i].argv);
    /* The scenario restored the host, so lightcore starts where Debian's
     * library started; and it did what it says. */
    ck_assert_ptr_nonnull(strstr(debian[0].out, "Pool-0               4   credit2"));
    ck_assert_int_eq(debian[6].status, 0);
    ck_assert_ptr_nonnull(strstr(debian[12].out, "pool-a               1    credit"));
    ck_assert_ptr_nonnull(strstr(debian[23].out, "pool-b               1   credit2       y          1"));
    ck_assert_int_eq(debian[24].status, 0);       /* xl says, exits 0 */
    ck_assert_ptr_nonnull(strstr(debian[24].err, "Some cpus may have not"));
    ck_assert_ptr_nonnull(strstr(debian[39].out, "by-node.cfg          2   credit2"));
    ck_assert_str_eq(debian[n - 1].out, "Name               CPU list\nPool-0             0,1,2,3\n");
    /* nodes = [...] in a pool's configuration (libxl_get_cpu_topology) */
    bool by_nodes = false, none_free = false;
    for (int i = 0; i < n; i++) {
        by_nodes |= strstr(debian[i].out, "\npool-n1            2,3\n") != NULL;
        none_free |= strstr(debian[i].err, "no free cpu found") != NULL;
    }
    ck_assert(by_nodes);
    ck_assert(none_free);

    same_on_lightcore(steps, debian, n);
}

TEST(xl_cpupool_numa_split_is_the_same_on_lightcore, 120)
{
    struct step steps[] = {
        {{"cpupool-numa-split", NULL}},
        {{"cpupool-numa-split", NULL}},          /* pools in use now */
        {{"cpupool-list", "-c", NULL}},
        {{"cpupool-list", NULL}},
        {{"cpupool-destroy", "Pool-node1", NULL}},
        {{"cpupool-rename", "Pool-node0", "Pool-0", NULL}},
        {{"cpupool-cpu-add", "Pool-0", "node:1", NULL}},
        {{"cpupool-list", "-c", NULL}},
    };
    int n = (int)(sizeof(steps) / sizeof(steps[0]));
    xl_run debian[sizeof(steps) / sizeof(steps[0])];
    struct xensim_dominfo dom0;

    /* dom0 has a vcpu per cpu of the machine running the test; the split
     * takes those past node 0's two cpus down and waits for dom0's kernel
     * to do it. Do it first, as dom0's kernel would, so the split need
     * not: the same run on any machine. */
    ck_assert_int_eq(xensim_domain_info(0, &dom0), 0);
    for (uint32_t v = 2; v < dom0.vcpus; v++)
        ck_assert_int_eq(xensim_vcpu_set_online(0, v, false), 0);

    for (int i = 0; i < n; i++)
        debian[i] = xlboth_run(false, steps[i].argv);
    ck_assert_int_eq(debian[0].status, 0);
    ck_assert_ptr_nonnull(strstr(debian[1].err, "splitting not possible"));
    ck_assert_str_eq(debian[2].out, "Name               CPU list\n"
                                    "Pool-node0         0,1\n"
                                    "Pool-node1         2,3\n");
    ck_assert_str_eq(debian[n - 1].out, "Name               CPU list\n"
                                        "Pool-0             0,1,2,3\n");
    same_on_lightcore(steps, debian, n);
}

TEST(xl_psr_and_flask_are_the_same_on_lightcore, 120)
{
    static const char *const cmds[][4] = {
        {"psr-hwinfo"}, {"psr-hwinfo", "--cmt"}, {"psr-hwinfo", "--cat"},
        {"psr-hwinfo", "--mba"}, {"psr-cmt-attach", "vm1"},
        {"psr-cmt-detach", "vm1"}, {"psr-cmt-show", "cache-occupancy"},
        {"psr-cat-show"}, {"psr-cat-show", "-l", "2"}, {"psr-mba-show"},
        {"psr-cat-set", "vm1", "0xff"}, {"psr-mba-set", "vm1", "10"},
        {"getenforce"}, {"setenforce", "1"}, {"setenforce", "permissive"},
        {"setenforce", "bogus"},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        xl_run r = same_on_both(cmds[i][0], cmds[i][1], cmds[i][2]);
        xl_run_free(&r);
    }
    /* What Debian's library made xl say. */
    xl_run r = xlboth_run(false, (const char *const[]){"getenforce", NULL});
    ck_assert_str_eq(r.out, "Flask XSM Disabled\n");
    xl_run_free(&r);
    r = xlboth_run(false, (const char *const[]){"psr-hwinfo", "--cmt", NULL});
    ck_assert_str_eq(r.out, "Cache Monitoring Technology (CMT):\n"
                            "Enabled         : 0\n");
    xl_run_free(&r);
    r = xlboth_run(false, (const char *const[]){"psr-cmt-attach", "vm1", NULL});
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "CMT is not supported in this system: "
                                        "No such device"));
    xl_run_free(&r);
}
