/*
 * test_debian_xl.c: Debian's own xl, unchanged, on lightcore. On one
 * simulated host, `xl list` (all domains, verbose, one by name, one by id,
 * one that does not exist) runs once on Debian's libxenlight and once with
 * LD_LIBRARY_PATH pointing at lightcore's build: the output, the error
 * output and the exit status must be the same.
 * The runs and the comparison are tests/common/xlboth.[ch]'s.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simhost.h"
#include "subproc.h"
#include "testmain.h"
#include "xlboth.h"

static simhost *host;
static int web, db, idle, crashed;

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    /* Debian's xl is not linked with the simulator: it gets it preloaded. */
    xlboth_init(simhost_preload_env(), NULL);

    /* Domains in every state the State column shows. */
    web = simhost_create_domain("web", 512, 2, NULL);
    db = simhost_create_domain("db-with-a-long-name-for-the-column", 1024, 1, NULL);
    idle = simhost_create_domain("idle", 128, 4, NULL);
    crashed = simhost_create_domain("crashed", 64, 1, NULL);
    ck_assert_int_ge(web, 1);
    ck_assert_int_ge(db, 1);
    ck_assert_int_ge(idle, 1);
    ck_assert_int_ge(crashed, 1);
    ck_assert_int_eq(simhost_shutdown_domain(web, "poweroff"), 0);
    ck_assert_int_eq(simhost_crash_domain(crashed), 0);
    char id[16];
    snprintf(id, sizeof(id), "%d", idle);
    ck_assert_int_eq(simhost_cli(NULL, "pause", id, NULL), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* xl A1 [A2] on both libraries (xlboth_same). */
static xl_run same_on_both(const char *a1, const char *a2)
{
    const char *args[] = {a1, a2, NULL};
    return xlboth_same(args, NULL);
}

TEST(xl_list_is_the_same_on_lightcore, 120)
{
    xl_run r = same_on_both("list", NULL);
    /* What Debian's run saw, so the comparison means something. */
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Domain-0 "));
    ck_assert_ptr_nonnull(strstr(r.out, "\ndb-with-a-long-name-for-the-column "));
    ck_assert_ptr_nonnull(strstr(r.out, "---s--")); /* web: shut down */
    ck_assert_ptr_nonnull(strstr(r.out, "---sc-")); /* crashed */
    ck_assert_ptr_nonnull(strstr(r.out, "--p---")); /* idle: paused */
    xl_run_free(&r);
}

TEST(xl_list_verbose_is_the_same_on_lightcore, 120)
{
    /* -v adds each domain's UUID, shutdown reason and security label. */
    xl_run r = same_on_both("list", "-v");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "UUID"));
    ck_assert_ptr_nonnull(strstr(r.out, "00000000-0000-0000-0000-000000000000"));
    ck_assert_ptr_nonnull(strstr(r.out, "\nidle "));
    xl_run_free(&r);
}

TEST(xl_list_one_domain_is_the_same_on_lightcore, 120)
{
    xl_run r = same_on_both("list", "web");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\nweb "));
    ck_assert_ptr_null(strstr(r.out, "Domain-0"));
    xl_run_free(&r);

    char id[16];
    snprintf(id, sizeof(id), "%d", idle);
    r = same_on_both("list", id);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\nidle "));
    xl_run_free(&r);
}

TEST(xl_list_of_no_such_domain_fails_the_same_on_lightcore, 120)
{
    xl_run r = same_on_both("list", "no-such-domain");
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "no-such-domain"));
    xl_run_free(&r);
}

TEST(lightcore_is_what_xl_loads, 120)
{
    /* Guard against a vacuous comparison: with LD_LIBRARY_PATH set, the
     * loader must really give xl lightcore's library. */
    char build[PATH_MAX], libpath_env[PATH_MAX + 32];
    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    snprintf(libpath_env, sizeof(libpath_env), "LD_LIBRARY_PATH=%s", build);
    const char *argv[] = {DEBIAN_XL, "list", NULL};
    const char *env[] = {simhost_preload_env(), libpath_env, "LD_DEBUG=libs",
                         "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL};
    char *out = NULL, *err = NULL;
    subproc_run(&out, &err, argv, env, 30000);
    ck_assert_ptr_nonnull(err);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof(want), "file=%s/libxenlight.so.4.17", build);
    /* The loader's trace is long: the message shows its first lines. */
    ck_assert_msg(strstr(err, want) != NULL, "xl did not load %s:\n%.2000s",
                  strchr(want, '/'), err);
    free(out);
    free(err);
}
