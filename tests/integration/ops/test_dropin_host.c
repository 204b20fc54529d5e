/*
 * test_dropin_host.c: the host information and control calls as drop-ins
 * for Debian's libxenlight 4.17. tests/abi/dropin_host.c, built against
 * Debian's headers and library and against ours, runs on one simulated
 * host as Debian's, as Debian's binary on lightcore (ABI) and as ours
 * (API): the three must print the same results, return codes and log
 * lines (physinfo, topologies, free memory, scheduler; console readers and
 * debug keys; runtime parameters) and leave the same hypervisor state
 * (console ring, /params). No getter of lightcore's makes more hypercalls
 * than Debian's (the simulator's counters). Then what only lightcore is
 * asked, where libxl 4.17 crashes, and the free memory against the
 * domains' on the simulated host.
 */
#include <check.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl.h"
#include "libxl_utils.h"

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
    ck_assert_int_ge(simhost_create_domain("web", 512, 2, NULL), 1);
    ck_assert_int_ge(simhost_create_domain("db", 1024, 1, NULL), 1);
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* The probe in one mode on one library; the console ring starts from its
 * boot lines each time. */
static char *probe(const char *mode, const char *prog, bool on_lightcore)
{
    const char *args[] = { mode, NULL };

    ck_assert_int_eq(xensim_console_reset(), 0);
    return dropin_run(prog, args, preload_env, on_lightcore);
}

static char *ring(void)
{
    char *buf = malloc(32768);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_ge(xensim_console_read(buf, 32768, NULL), 0);
    return buf;
}

static char *params_now(void)
{
    static const char *const names[] = { "loglvl", "guest_loglvl",
                                         "conswitch", "global-pages" };
    char *all = calloc(1, 512);
    ck_assert_ptr_nonnull(all);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char v[64];
        ck_assert_int_eq(xensim_param_get(names[i], v, sizeof(v)), 0);
        snprintf(all + strlen(all), 512 - strlen(all), "%s=%s ", names[i], v);
    }
    return all;
}

/* Runs mode on the three ways; state() (may be NULL) is the hypervisor's
 * state after each run, which must be the same too. Returns Debian's
 * output. */
static char *same_three_ways(const char *mode, char *(*state)(void))
{
    char *s_debian = NULL, *s_abi = NULL, *s_api = NULL;
    char *debian = probe(mode, "tests/dropin-host-debian", false);
    if (state) s_debian = state();
    char *abi = probe(mode, "tests/dropin-host-debian", true);
    if (state) s_abi = state();
    char *api = probe(mode, "tests/dropin-host-ours", true);
    if (state) s_api = state();

    ck_assert_ptr_nonnull(strstr(debian, "ctx_alloc = 0\n"));
    ck_assert_ptr_nonnull(strstr(debian, "ctx_free = 0\n"));
    dropin_assert_same(debian, abi, api);
    if (state) {
        ck_assert_msg(!strcmp(s_debian, s_abi), "state after the ABI run:\n%s\n"
                      "after Debian's:\n%s", s_abi, s_debian);
        ck_assert_msg(!strcmp(s_debian, s_api), "state after the API run:\n%s\n"
                      "after Debian's:\n%s", s_api, s_debian);
    }
    free(s_debian);
    free(s_abi);
    free(s_api);
    free(abi);
    free(api);
    return debian;
}

TEST(host_info_same_on_debian_and_lightcore, 120)
{
    uint16_t seg;
    uint8_t bus, devfn;
    int32_t node;

    /* One device with a NUMA node, if the machine has one at all. */
    if (xensim_pci_get(0, &seg, &bus, &devfn, &node) == 0)
        ck_assert_int_eq(xensim_pci_set(seg, bus, devfn, 0), 0);
    char *debian = same_three_ways("info", NULL);

    ck_assert_ptr_nonnull(strstr(debian, "get_physinfo: rc 0\n"));
    ck_assert_ptr_nonnull(strstr(debian, "get_scheduler: 6 credit2\n"));
    ck_assert_ptr_nonnull(strstr(debian, "get_cpu_topology: list, "));
    ck_assert_ptr_nonnull(strstr(debian, "get_numainfo: list, 1\n"));
    ck_assert_ptr_nonnull(strstr(debian, "node_to_cpumap(0): rc 0"));
    ck_assert_ptr_nonnull(strstr(debian, "get_free_memory: rc 0 kb "));
    free(debian);
}

/* 8 TiB free: too much for the 32-bit free memory of API 0x040700, which
 * fails (with the truncated value stored, as libxl does). */
TEST(free_memory_past_32_bits_fails_the_same, 120)
{
    ck_assert_int_eq(xensim_host_set_memory_kb(8ull << 30), 0);
    char *debian = same_three_ways("info", NULL);

    ck_assert_ptr_nonnull(strstr(debian, "get_free_memory: rc 0 kb 8587247616\n"));
    ck_assert_ptr_nonnull(strstr(debian, "memory size 8587247616 too large for 32 "
                                 "bit value\n"));
    ck_assert_ptr_nonnull(strstr(debian, "get_free_memory_0x040700: rc -3 kb "
                                 "4292280320\n"));
    free(debian);
}

TEST(console_and_debug_keys_same_on_debian_and_lightcore, 120)
{
    char *debian = same_three_ways("console", ring);

    /* The boot lines, then what 'h' printed, then a cleared ring. */
    ck_assert_ptr_nonnull(strstr(debian, "  | (XEN) Using scheduler: SMP Credit "
                                 "Scheduler rev2 (credit2)\n"));
    ck_assert_ptr_nonnull(strstr(debian, "  | (XEN) 'h' pressed -> showing "
                                 "installed handlers\n"));
    ck_assert_ptr_nonnull(strstr(debian, "a after keys read 0: rc 0 line NULL"));
    ck_assert_ptr_nonnull(strstr(debian, "c2 read 0: rc 0 line NULL"));
    ck_assert_ptr_nonnull(strstr(debian, "  | (XEN) 't' pressed -> display "
                                 "multi-cpu clock info\n"));
    free(debian);
}

TEST(parameters_same_on_debian_and_lightcore, 120)
{
    char *debian = same_three_ways("params", params_now);

    ck_assert_ptr_nonnull(strstr(debian, "params: loglvl=all/all guest_loglvl="
                                 "info/all conswitch=b global-pages=1\n"));
    ck_assert_ptr_nonnull(strstr(debian, "[errno 2] setting parameters\n  rc -3\n"));
    free(debian);
    char *now = params_now();
    ck_assert_str_eq(now, "loglvl=info/info guest_loglvl=info/all conswitch=b "
                     "global-pages=0 ");
    free(now);
}

/* "count NAME N" of out, or -1. */
static long count_of(const char *out, const char *name)
{
    char key[96];
    snprintf(key, sizeof(key), "count %s ", name);
    const char *p = strstr(out, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

TEST(no_getter_makes_more_hypercalls_than_libxl, 120)
{
    static const char *const calls[] = {
        "get_physinfo", "get_online_cpus", "get_scheduler", "get_free_memory",
        "get_free_memory_0x040700", "get_cpu_topology", "get_pci_topology",
        "get_numainfo", "get_online_socketmap", "node_to_cpumap",
        "send_debug_keys", "set_parameters", "xen_console_read",
    };
    const char *args[] = { "counts", NULL };
    char *debian = dropin_run("tests/dropin-host-debian", args, preload_env, false);
    char *abi = dropin_run("tests/dropin-host-debian", args, preload_env, true);
    char *api = dropin_run("tests/dropin-host-ours", args, preload_env, true);

    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        long d = count_of(debian, calls[i]);
        ck_assert_msg(d > 0, "%s: no count in\n%s", calls[i], debian);
        ck_assert_msg(count_of(abi, calls[i]) <= d && count_of(abi, calls[i]) > 0,
                      "%s: %ld hypercalls on lightcore, %ld on libxl", calls[i],
                      count_of(abi, calls[i]), d);
        ck_assert_msg(count_of(api, calls[i]) <= d && count_of(api, calls[i]) > 0,
                      "%s: %ld hypercalls (API), %ld on libxl", calls[i],
                      count_of(api, calls[i]), d);
    }
    free(debian);
    free(abi);
    free(api);
}

/* ------------------------------------------------------------ lightcore */

static libxl_ctx *new_ctx(xentoollog_logger **lg)
{
    libxl_ctx *ctx = NULL;
    *lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, *lg), 0);
    return ctx;
}

/* Where libxl 4.17 crashes, lightcore fails cleanly (or does the obvious). */
TEST(lightcore_refuses_what_libxl_crashes_on, 60)
{
    xentoollog_logger *lg;
    libxl_ctx *ctx = new_ctx(&lg);
    char *line = (char *)"untouched";
    char foo[] = "foo", two[] = "loglvl=error foo", v[64];

    ck_assert_int_eq(libxl_xen_console_read_line(ctx, NULL, &line), ERROR_INVAL);
    ck_assert_str_eq(line, "untouched");
    libxl_xen_console_read_finish(ctx, NULL);
    ck_assert_int_eq(libxl_send_debug_keys(ctx, NULL), ERROR_INVAL);
    ck_assert_int_eq(libxl_set_parameters(ctx, NULL), ERROR_INVAL);
    /* an item with neither "=" nor "no": refused, the ones before it set */
    ck_assert_int_eq(libxl_set_parameters(ctx, foo), ERROR_INVAL);
    ck_assert(testlog_contains(lg, XTL_ERROR, "parameter \"foo\" has no value"));
    ck_assert_int_eq(libxl_set_parameters(ctx, two), ERROR_INVAL);
    ck_assert_int_eq(xensim_param_get("loglvl", v, sizeof(v)), 0);
    ck_assert_str_eq(v, "error/error");
    /* no count asked for: the list all the same */
    libxl_cputopology *ct = libxl_get_cpu_topology(ctx, NULL);
    ck_assert_ptr_nonnull(ct);
    libxl_cputopology_list_free(ct, libxl_get_online_cpus(ctx));
    libxl_numainfo *ni = libxl_get_numainfo(ctx, NULL);
    ck_assert_ptr_nonnull(ni);
    libxl_numainfo_list_free(ni, 1);
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
}

/* Free memory is what neither the hypervisor nor a domain holds: it goes
 * down by a new domain's memory and back up once the domain is gone. */
TEST(free_memory_follows_the_domains, 60)
{
    xentoollog_logger *lg;
    libxl_ctx *ctx = new_ctx(&lg);
    libxl_physinfo pi;
    uint64_t before, during, after;

    libxl_physinfo_init(&pi);
    ck_assert_int_eq(libxl_get_physinfo(ctx, &pi), 0);
    ck_assert_int_eq(libxl_get_free_memory(ctx, &before), 0);
    ck_assert_uint_eq(before, (pi.free_pages + pi.scrub_pages) * 4);
    /* dom0's 1 GiB, web's 512 MiB, db's 1 GiB and the hypervisor's own */
    ck_assert_uint_lt(pi.free_pages, pi.total_pages - (2560ull << 8));
    libxl_physinfo_dispose(&pi);

    int d = simhost_create_domain("big", 4096, 1, NULL);
    ck_assert_int_ge(d, 1);
    ck_assert_int_eq(libxl_get_free_memory(ctx, &during), 0);
    ck_assert_uint_eq(before - during, 4096ull * 1024);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    ck_assert_int_eq(simhost_wait_gone(d, 10000), 0);
    ck_assert_int_eq(libxl_get_free_memory(ctx, &after), 0);
    ck_assert_uint_eq(after, before);

    /* the NUMA node holds all of it */
    int nr = 0;
    libxl_numainfo *ni = libxl_get_numainfo(ctx, &nr);
    ck_assert_ptr_nonnull(ni);
    ck_assert_int_eq(nr, 1);
    ck_assert_uint_eq(ni[0].free, after * 1024);
    libxl_numainfo_list_free(ni, nr);
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
}
