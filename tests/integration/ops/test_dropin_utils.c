/*
 * test_dropin_utils.c: the helpers of libxl_utils.h and of the builtin
 * types as drop-ins for Debian's libxenlight 4.17. tests/abi/dropin_utils.c
 * is built against Debian's headers and library (dropin-utils-debian) and
 * against ours (dropin-utils-ours); on one simulated host it must print
 * the same run as Debian's, as Debian's binary on lightcore (ABI), and as
 * ours (API): host-sized bitmaps (the simulated host's physinfo), CPU <->
 * node maps (its cputopoinfo), bitmap,
 * list and value helpers, CPUID settings, fds, files, log rotation, and
 * the log lines of child exit statuses.
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

TEST(utils_same_on_debian_and_lightcore, 120)
{
    char *debian = dropin_run("tests/dropin-utils-debian", NULL, preload_env,
                              false);
    char *abi = dropin_run("tests/dropin-utils-debian", NULL, preload_env,
                           true);
    char *api = dropin_run("tests/dropin-utils-ours", NULL, preload_env, true);

    /* The probe got through, so the comparison means something. */
    ck_assert_ptr_nonnull(strstr(debian, "ctx_alloc = 0\n"));
    ck_assert_ptr_nonnull(strstr(debian, "cpu_bitmap_alloc(0): rc 0"));
    ck_assert_ptr_nonnull(strstr(debian, "ctx_free = 0\n"));
    dropin_assert_same(debian, abi, api);
    free(debian);
    free(abi);
    free(api);
}
