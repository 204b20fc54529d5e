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

#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char libpath_env[PATH_MAX + 32];

static void setup(void)
{
    char build[PATH_MAX];

    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    snprintf(libpath_env, sizeof(libpath_env), "LD_LIBRARY_PATH=%s", build);
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* Runs a probe; its standard output (the caller frees). */
static char *run_probe(const char *prog, bool on_lightcore)
{
    char path[PATH_MAX];
    const char *argv[] = { path, NULL };
    const char *env_debian[] = { preload_env, NULL };
    const char *env_ours[] = {
        preload_env, libpath_env,
        "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL,
    };
    char *out = NULL, *err = NULL;
    int status;

    snprintf(path, sizeof(path), "%s", subproc_build_path(prog));
    status = subproc_run(&out, &err, argv,
                         on_lightcore ? env_ours : env_debian, 30000);
    ck_assert_msg(status == 0, "%s%s exited %d\nstdout:\n%s\nstderr:\n%s",
                  prog, on_lightcore ? " (on lightcore)" : "", status, out,
                  err);
    free(err);
    return out;
}

TEST(utils_same_on_debian_and_lightcore, 120)
{
    char *debian = run_probe("tests/dropin-utils-debian", false);
    char *abi = run_probe("tests/dropin-utils-debian", true);
    char *api = run_probe("tests/dropin-utils-ours", true);

    /* The probe got through, so the comparison means something. */
    ck_assert_ptr_nonnull(strstr(debian, "ctx_alloc = 0\n"));
    ck_assert_ptr_nonnull(strstr(debian, "cpu_bitmap_alloc(0): rc 0"));
    ck_assert_ptr_nonnull(strstr(debian, "ctx_free = 0\n"));
    ck_assert_msg(!strcmp(debian, abi),
                  "ABI: Debian's binary on lightcore differs.\n--- debian\n%s\n"
                  "--- lightcore\n%s", debian, abi);
    ck_assert_msg(!strcmp(debian, api),
                  "API: the probe built on lightcore's headers differs.\n"
                  "--- debian\n%s\n--- lightcore\n%s", debian, api);
    free(debian);
    free(abi);
    free(api);
}
