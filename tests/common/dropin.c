/*
 * dropin.c: running a probe on Debian's library and on lightcore's, and
 * comparing what it printed (see dropin.h).
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropin.h"
#include "subproc.h"

#define DROPIN_MAX_ARGS 8
#define DROPIN_MAX_WRAPPER 8

char *dropin_run_wrapped(const char *prog, const char *const args[],
                         const char *preload_env, bool on_lightcore,
                         const char *dir, const char *const wrapper[])
{
    char path[PATH_MAX], build[PATH_MAX], libpath_env[PATH_MAX + 32];
    const char *argv[DROPIN_MAX_ARGS + DROPIN_MAX_WRAPPER + 10];
    /* Debian's library leaks (libxenstore's, its own): under the
     * sanitizer builds the probe's leak check is not ours to pass */
    const char *env_debian[] = {
        preload_env, "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0",
        NULL,
    };
    const char *env_ours[] = {
        preload_env, libpath_env,
        "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL,
    };
    const char *const *env = on_lightcore ? env_ours : env_debian;
    const char *const no_env[] = { NULL };
    char *out = NULL, *err = NULL;
    int status, n = 0;

    snprintf(path, sizeof(path), "%s", subproc_build_path(prog));
    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    snprintf(libpath_env, sizeof(libpath_env), "LD_LIBRARY_PATH=%s", build);
    if (dir) {
        n = subproc_private_xen_dirs(argv, dir, env);
        env = no_env;
    }
    for (int i = 0; wrapper && wrapper[i]; i++) {
        ck_assert_int_lt(i, DROPIN_MAX_WRAPPER);
        argv[n++] = wrapper[i];
    }
    argv[n++] = path;
    for (int i = 0; args && args[i]; i++) {
        ck_assert_int_lt(i, DROPIN_MAX_ARGS);
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    status = subproc_run(&out, &err, argv, env, 30000);
    ck_assert_msg(status == 0, "%s%s exited %d\nstdout:\n%s\nstderr:\n%s",
                  prog, on_lightcore ? " (on lightcore)" : "", status, out,
                  err);
    free(err);
    return out;
}

char *dropin_run_private(const char *prog, const char *const args[],
                         const char *preload_env, bool on_lightcore,
                         const char *dir)
{
    return dropin_run_wrapped(prog, args, preload_env, on_lightcore, dir,
                              NULL);
}

char *dropin_run(const char *prog, const char *const args[],
                 const char *preload_env, bool on_lightcore)
{
    return dropin_run_private(prog, args, preload_env, on_lightcore, NULL);
}

void dropin_assert_same(const char *debian, const char *abi,
                        const char *api)
{
    ck_assert_msg(!strcmp(debian, abi),
                  "ABI: Debian's binary on lightcore differs.\n--- debian\n%s\n"
                  "--- lightcore\n%s", debian, abi);
    ck_assert_msg(!strcmp(debian, api),
                  "API: the probe built on lightcore's headers differs.\n"
                  "--- debian\n%s\n--- lightcore\n%s", debian, api);
}
