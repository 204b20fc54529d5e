/*
 * test_dropin.c: lightcore as a drop-in for Debian's libxenlight 4.17.
 * tests/abi/dropin.c is built against Debian's headers and library
 * (dropin-debian) and against ours (dropin-ours). On one simulated host,
 *   - ABI: dropin-debian on Debian's library and dropin-debian with
 *     LD_LIBRARY_PATH pointing at our build print the same;
 *   - API: dropin-ours (the same source compiled against our headers)
 *     prints the same too.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropin.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char libpath_env[PATH_MAX + 32];
static char domid_args[4][16];

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);

    /* Programs not linked with the simulator get it preloaded. */
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());

    char build[PATH_MAX];
    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    snprintf(libpath_env, sizeof(libpath_env), "LD_LIBRARY_PATH=%s", build);

    /* Domains in every state the probe reports. */
    int running = simhost_create_domain("alpha", 256, 2, NULL);
    int off = simhost_create_domain("bravo", 128, 1, NULL);
    int crashed = simhost_create_domain("charlie", 64, 1, NULL);
    int paused = simhost_create_domain("delta", 512, 4, NULL);
    ck_assert_int_ge(running, 1);
    ck_assert_int_eq(simhost_shutdown_domain(off, "poweroff"), 0);
    ck_assert_int_eq(simhost_crash_domain(crashed), 0);
    snprintf(domid_args[0], sizeof(domid_args[0]), "%d", running);
    snprintf(domid_args[1], sizeof(domid_args[1]), "%d", off);
    snprintf(domid_args[2], sizeof(domid_args[2]), "%d", crashed);
    snprintf(domid_args[3], sizeof(domid_args[3]), "%d", paused);
    ck_assert_int_eq(simhost_cli(NULL, "pause", domid_args[3], NULL), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

TEST(same_results_on_debian_and_lightcore, 120)
{
    const char *const args[] = { domid_args[0], domid_args[1],
                                 domid_args[2], domid_args[3], NULL };
    char *debian = dropin_run("tests/dropin-debian", args, preload_env, false);
    char *abi = dropin_run("tests/dropin-debian", args, preload_env, true);
    char *api = dropin_run("tests/dropin-ours", args, preload_env, true);

    /* The probe saw what it should, so the comparison means something. */
    ck_assert_ptr_nonnull(strstr(debian, "ctx_alloc = 0\n"));
    ck_assert_ptr_nonnull(strstr(debian, "list_domain: 5 domains\n"));
    ck_assert_ptr_nonnull(strstr(debian, "name=charlie"));

    dropin_assert_same(debian, abi, api);
    free(debian);
    free(abi);
    free(api);
}

TEST(lightcore_is_what_gets_loaded, 120)
{
    /* Guard against a vacuous comparison: with LD_LIBRARY_PATH set, the
     * dynamic loader must really pick lightcore's library. */
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s", subproc_build_path("tests/dropin-debian"));
    const char *argv[] = {path, NULL};
    const char *env[] = {preload_env, libpath_env, "LD_DEBUG=libs",
                         "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(subproc_run(&out, &err, argv, env, 30000), 0);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof(want), "%s/libxenlight.so.4.17",
             strchr(libpath_env, '=') + 1);
    ck_assert_msg(strstr(err, want) != NULL, "loader did not use %s:\n%s",
                  want, err);
    free(out);
    free(err);
}
