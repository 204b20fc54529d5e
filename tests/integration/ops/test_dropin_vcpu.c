/*
 * test_dropin_vcpu.c: vcpus and scheduling as drop-ins for Debian's
 * libxenlight 4.17. tests/abi/dropin_vcpu.c is built against Debian's
 * headers and library and against ours; on one simulated host, each run
 * on a fresh domain of 3 vcpus, it must print the same as Debian's, as
 * Debian's binary on lightcore (ABI) and as ours (API): the vcpu list,
 * vcpu and node affinity (good and bad input) and the hypervisor's state
 * after each change. Getters make no more hypercalls than Debian's.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"

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

/* Runs the whole probe on a fresh domain; GONE names a destroyed one. */
static char *run_all(const char *prog, bool on_lightcore, int gone)
{
    char d[16], g[16];
    int domid = simhost_create_domain("vcpus", 64, 3, NULL);

    ck_assert_int_gt(domid, 0);
    snprintf(d, sizeof(d), "%d", domid);
    snprintf(g, sizeof(g), "%d", gone);
    const char *args[] = { "all", d, g, NULL };
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

    char *debian = run_all("tests/dropin-vcpu-debian", false, gone);
    char *abi = run_all("tests/dropin-vcpu-debian", true, gone);
    char *api = run_all("tests/dropin-vcpu-ours", true, gone);

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

/* Hypercalls one getter makes on each library, by kind. */
static void count_calls(const char *prog, bool on_lightcore, const char *what,
                        int domid, uint64_t out[4])
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
}

TEST(vcpu_getters_no_more_hypercalls_than_debian, 120)
{
    int domid = simhost_create_domain("vcpus", 64, 4, NULL);
    static const char *const getters[] = { "list", "getnodes" };

    ck_assert_int_gt(domid, 0);
    for (size_t i = 0; i < sizeof(getters) / sizeof(getters[0]); i++) {
        uint64_t debian[4], ours[4];

        count_calls("tests/dropin-vcpu-debian", false, getters[i], domid,
                    debian);
        count_calls("tests/dropin-vcpu-debian", true, getters[i], domid, ours);
        for (int k = 0; k < 4; k++)
            ck_assert_msg(ours[k] <= debian[k], "%s: counter %d: %llu > %llu",
                          getters[i], k, (unsigned long long)ours[k],
                          (unsigned long long)debian[k]);
    }
    /* the list asked for every vcpu */
    uint64_t c[4];
    count_calls("tests/dropin-vcpu-debian", true, "list", domid, c);
    ck_assert_uint_eq(c[2], 4);
    ck_assert_uint_eq(c[3], 4);
}
