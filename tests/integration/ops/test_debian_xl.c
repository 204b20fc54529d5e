/*
 * test_debian_xl.c: Debian's own xl, unchanged, on lightcore. On one
 * simulated host, `xl list` (all domains, verbose, one by name, one by id,
 * one that does not exist) runs once on Debian's libxenlight and once with
 * LD_LIBRARY_PATH pointing at lightcore's build: the output, the error
 * output and the exit status must be the same.
 *
 * xl is linked with BIND_NOW: it starts on lightcore only once lightcore
 * exports every libxl_ function xl binds (tests/clients/run counts them),
 * placeholders included. `xl list -l` and `xl info` are left out: they
 * call functions that are still placeholders here.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

#define DEBIAN_XL "/usr/lib/xen-4.17/bin/xl"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char libpath_env[PATH_MAX + 32];
static int web, db, idle, crashed;

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    /* Debian's xl is not linked with the simulator: it gets it preloaded. */
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());

    char build[PATH_MAX];
    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    snprintf(libpath_env, sizeof(libpath_env), "LD_LIBRARY_PATH=%s", build);

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

/* One run of Debian's xl: what it printed and how it ended. */
typedef struct {
    int status;
    char *out, *err;
} xl_run;

static xl_run run_xl(bool on_lightcore, const char *a1, const char *a2)
{
    const char *argv[] = {DEBIAN_XL, a1, a2, NULL};
    const char *env_debian[] = {preload_env, NULL};
    const char *env_ours[] = {preload_env, libpath_env,
                              "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL};
    xl_run r = {0};
    r.status = subproc_run(&r.out, &r.err, argv, on_lightcore ? env_ours : env_debian,
                           30000);
    ck_assert_ptr_nonnull(r.out);
    ck_assert_ptr_nonnull(r.err);
    return r;
}

static void xl_run_free(xl_run *r)
{
    free(r->out);
    free(r->err);
}

/* The length of the number "D+.D+" at p, ending a word; 0 if none. */
static size_t time_at(const char *p)
{
    size_t n = 0, digits_before = 0, digits_after = 0;
    while (p[n] >= '0' && p[n] <= '9') n++, digits_before++;
    if (!digits_before || p[n] != '.') return 0;
    n++;
    while (p[n] >= '0' && p[n] <= '9') n++, digits_after++;
    if (!digits_after || (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n'))
        return 0;
    return n;
}

/* The text with every word that is a time in seconds ("12.3", the
 * Time(s) column) replaced by "T": cpu time goes on between two runs. */
static char *mask_times(const char *text)
{
    char *copy = strdup(text), *w = copy;
    ck_assert_ptr_nonnull(copy);
    for (const char *p = text; *p;) {
        bool word_start = p == text || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n';
        size_t n = word_start ? time_at(p) : 0;
        if (n) {
            *w++ = 'T';
            p += n;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return copy;
}

/* Run `xl A1 [A2]` on both libraries and compare; returns Debian's run
 * (for the caller's own checks on what xl saw). */
static xl_run same_on_both(const char *a1, const char *a2)
{
    xl_run theirs = run_xl(false, a1, a2);
    xl_run ours = run_xl(true, a1, a2);
    const char *cmd2 = a2 ? a2 : "";
    /* A symbol lookup error says which function lightcore lacks. */
    ck_assert_msg(ours.status == theirs.status,
                  "xl %s %s: exit status %d on lightcore, %d on Debian's libxenlight\n"
                  "--- lightcore's stderr\n%.3000s--- Debian's stderr\n%.3000s",
                  a1, cmd2, ours.status, theirs.status, ours.err, theirs.err);
    char *a = mask_times(ours.out), *b = mask_times(theirs.out);
    ck_assert_msg(!strcmp(a, b), "xl %s %s: output differs\n--- lightcore\n%.3000s"
                  "--- Debian's libxenlight\n%.3000s", a1, cmd2, ours.out, theirs.out);
    ck_assert_msg(!strcmp(ours.err, theirs.err),
                  "xl %s %s: error output differs\n--- lightcore\n%.3000s"
                  "--- Debian's libxenlight\n%.3000s", a1, cmd2, ours.err, theirs.err);
    free(a);
    free(b);
    xl_run_free(&ours);
    return theirs;
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
    const char *argv[] = {DEBIAN_XL, "list", NULL};
    const char *env[] = {preload_env, libpath_env, "LD_DEBUG=libs",
                         "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL};
    char *out = NULL, *err = NULL;
    subproc_run(&out, &err, argv, env, 30000);
    ck_assert_ptr_nonnull(err);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof(want), "file=%s/libxenlight.so.4.17",
             strchr(libpath_env, '=') + 1);
    /* The loader's trace is long: the message shows its first lines. */
    ck_assert_msg(strstr(err, want) != NULL, "xl did not load %s:\n%.2000s",
                  strchr(want, '/'), err);
    free(out);
    free(err);
}
