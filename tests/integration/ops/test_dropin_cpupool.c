/*
 * test_dropin_cpupool.c: cpupools and the features a host may lack
 * (FLASK/XSM, PSR, tmem) as drop-ins for Debian's libxenlight 4.17.
 * tests/abi/dropin_cpupool.c is built against Debian's headers and library
 * (dropin-cpupool-debian) and against ours (dropin-cpupool-ours); on one
 * simulated host of 4 cpus in 2 NUMA nodes with two guests it must print
 * the same run as Debian's, as Debian's binary on lightcore (ABI), and as
 * ours (API): every call's rc, results and log lines, and the
 * hypervisor's pools, free cpus, domains' pools and /local/pool after
 * each call, bad input included.
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char dom1[16], dom2[16];

static void setup(void)
{
    /* cpus 0-1 on node 0, 2-3 on node 1 (tests/sim/hc_cpupool.c) */
    setenv("XENSIM_CPUS", "4", 1);
    setenv("XENSIM_NODES", "2", 1);
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
    int d1 = simhost_create_domain("vm1", 64, 1, NULL);
    int d2 = simhost_create_domain("vm2", 64, 1, NULL);
    ck_assert_int_ge(d1, 1);
    ck_assert_int_ge(d2, 1);
    snprintf(dom1, sizeof(dom1), "%d", d1);
    snprintf(dom2, sizeof(dom2), "%d", d2);
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* The hypercalls a run makes, by kind (xsm_op is hypercall 27). */
static const char *const kinds[] = {
    "hypercall.sysctl", "sysctl.cpupool_op", "sysctl.physinfo",
    "sysctl.cputopoinfo", "hypercall.domctl", "hypercall.memory_op",
    "hypercall.27",
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static char *counted_run(const char *prog, const char *const args[],
                         bool on_lightcore, uint64_t counts[NKINDS])
{
    simhost_counters_reset();
    char *out = dropin_run(prog, args, preload_env, on_lightcore);
    for (size_t i = 0; i < NKINDS; i++)
        counts[i] = simhost_counter(kinds[i]);
    return out;
}

TEST(cpupool_and_absent_features_same_on_debian_and_lightcore, 120)
{
    const char *args[] = {dom1, dom2, NULL};
    uint64_t n_debian[NKINDS], n_abi[NKINDS], n_api[NKINDS];
    char *debian = counted_run("tests/dropin-cpupool-debian", args, false,
                               n_debian);
    char *abi = counted_run("tests/dropin-cpupool-debian", args, true, n_abi);
    char *api = counted_run("tests/dropin-cpupool-ours", args, true, n_api);

    /* The same calls make no more hypercalls of any kind on lightcore. */
    ck_assert_uint_gt(n_debian[1], 0);
    for (size_t i = 0; i < NKINDS; i++) {
        ck_assert_msg(n_abi[i] <= n_debian[i] && n_api[i] <= n_debian[i],
                      "%s: %llu on Debian's library, %llu (ABI) and %llu "
                      "(API) on lightcore", kinds[i],
                      (unsigned long long)n_debian[i],
                      (unsigned long long)n_abi[i],
                      (unsigned long long)n_api[i]);
    }

    /* What Debian's run saw, so the comparison means something: the
     * host's pools as Xen keeps them, libxl's results and log lines. */
    ck_assert_ptr_nonnull(strstr(debian, "ctx_alloc = 0\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "  pool 0 sched 6 n_dom 3 cpus 0 1 2 3\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "  xenstore /local/pool/0: name=\"Pool-0\" perm(0,0)\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "cpupool_create(pool-a, credit, want 4294967295): rc 0 id 1\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "  xenstore /local/pool/1: uuid=\"01234567-89ab-cdef-0123-456789abcdef\""
        " perm(0,0) name=\"pool-a\" perm(0,0)\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "[errno 16] Error removing cpu 3 from cpupool\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "libxl_cpupool_destroy(ctx, 50): rc -5\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "libxl_cpupool_cpuadd_node(ctx, 0, 1, &n): rc 0\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "libxl_flask_getenforce(ctx): rc -1 errno 38\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "CMT is not supported in this system\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "L3 CAT: is not supported in this system\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "[errno 9] Can not get tmem freeable memory\n"));
    ck_assert_ptr_nonnull(strstr(debian,
        "== state at the end is the first: yes\n"));
    ck_assert_ptr_nonnull(strstr(debian, "ctx_free = 0\n"));
    dropin_assert_same(debian, abi, api);
    free(debian);
    free(abi);
    free(api);
}
