/*
 * test_xl_vcpu.c: Debian's own xl, unchanged, on lightcore, for vcpus and
 * scheduling: `xl vcpu-pin` (one vcpu, all, --force, dry run, bad vcpus
 * and cpus), `xl vcpu-set` (fewer, more than the host, more than the
 * domain, none, a missing domain), `xl sched-credit2` (get, set -d -w -c,
 * bad weight and cap, -s -r) and `xl sched-credit` on the credit2 pool 0
 * (its error path) and on a credit pool 0 (-d get and set, -s -t -r -m),
 * and -s -p on two more pools (credit and credit2, parameters of their
 * own).
 * A setter runs from the same starting state on each library, and the
 * hypervisor's (or xenstore's) state after it is compared too, read on
 * Debian's library by tests/abi/dropin_vcpu.c.
 *
 * Normalisation (norm() below), applied to both runs:
 *  - xlboth_mask_times: times in seconds;
 *  - a log line's "FILE:LINE:FUNCTION: " (each library's own source);
 *  - after "Requested N VCPUs..." (libxl_set_vcpuonline's LOGED without a
 *    failed call), the errno text: libxl's is what its libxl_domain_info
 *    left (the flask query for the domain's label), which lightcore does
 *    not make.
 * Also `xl vcpu-list` and `xl list -n` (which need libxl_get_physinfo) and
 * `xl sched-credit2 [-s]` without -d (libxl_list_cpupool and
 * libxl_cpupoolid_to_name), compared whole.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"
#include "xlboth.h"
#include "xensim.h"

static simhost *host;
static int dom;
static char d[16];

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    xlboth_init(simhost_preload_env(), NULL);
    dom = simhost_create_domain("vm", 64, 3, NULL);
    ck_assert_int_ge(dom, 1);
    snprintf(d, sizeof(d), "%d", dom);
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* ------------------------------------------------------------ helpers */

/* text with "libxl: LEVEL: FILE:LINE:FUNC: " cut to "libxl: LEVEL: " */
static char *cut_log_origin(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(n + 1), *o = out;
    const char *p = text;

    ck_assert_ptr_nonnull(out);
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);
        const char *lv = NULL;
        if (!strncmp(p, "libxl: ", 7)) {
            lv = strchr(p + 7, ':');      /* after the level */
            if (lv && lv < p + len && lv[1] == ' ') {
                const char *q = lv + 2;
                int colons = 0;
                while (q < p + len && colons < 3)
                    if (*q++ == ':')
                        colons++;
                if (colons == 3 && q < p + len && *q == ' ') {
                    size_t head = (size_t)(lv + 2 - p);
                    memcpy(o, p, head);
                    o += head;
                    memcpy(o, q + 1, len - (size_t)(q + 1 - p));
                    o += len - (size_t)(q + 1 - p);
                    p += len;
                    continue;
                }
            }
        }
        memcpy(o, p, len);
        o += len;
        p += len;
    }
    *o = 0;
    return out;
}

/* "VCPUs...!: <errno text>" -> "VCPUs...!: E" */
static char *mask_vcpu_errno(char *text)
{
    char *p = text;

    while ((p = strstr(p, "Requested "))) {
        char *bang = strstr(p, "!: ");
        char *eol = strchr(p, '\n');
        if (bang && (!eol || bang < eol)) {
            bang[3] = 'E';
            memmove(bang + 4, eol ? eol : bang + strlen(bang),
                    strlen(eol ? eol : "") + 1);
        }
        p = eol ? eol : p + strlen(p);
    }
    return text;
}

static char *norm(const char *text)
{
    char *t = xlboth_mask_times(text);
    char *u = cut_log_origin(t);

    free(t);
    return mask_vcpu_errno(u);
}

/* The probe's view of dom (a part: list, getsched, getpool, avail) on
 * Debian's library. */
static char *state(const char *part)
{
    const char *args[] = { part, d, NULL };
    return dropin_run("tests/dropin-vcpu-debian", args, simhost_preload_env(),
                      false);
}

/* Runs `xl ARGS` on Debian's library only (to set a starting state). */
static void xl_debian(const char *const args[])
{
    xl_run r = xlboth_run(false, args);
    ck_assert_msg(r.status == 0, "xl %s %s: %s", args[0], args[1], r.err);
    xl_run_free(&r);
}

/*
 * `xl ARGS` on each library from the state `reset` makes (run on Debian's
 * library), compared after norm; the state `part` shows afterwards must
 * be the same too. Returns Debian's run; *state_out (if not NULL) gets
 * the state after it.
 */
static xl_run setter_same(const char *const args[], const char *const reset[],
                          const char *part, char **state_out)
{
    xl_run r[2];
    char *st[2];

    for (int lc = 0; lc < 2; lc++) {
        xl_debian(reset);
        r[lc] = xlboth_run(lc, args);
        st[lc] = state(part);
    }
    char *o0 = norm(r[0].out), *o1 = norm(r[1].out);
    char *e0 = norm(r[0].err), *e1 = norm(r[1].err);
    ck_assert_msg(r[0].status == r[1].status, "xl %s: status %d, lightcore %d",
                  args[0], r[0].status, r[1].status);
    ck_assert_msg(!strcmp(o0, o1), "xl %s: output\n%s\n--- lightcore\n%s",
                  args[0], o0, o1);
    ck_assert_msg(!strcmp(e0, e1), "xl %s: errors\n%s\n--- lightcore\n%s",
                  args[0], e0, e1);
    ck_assert_msg(!strcmp(st[0], st[1]), "xl %s: state\n%s\n--- lightcore\n%s",
                  args[0], st[0], st[1]);
    free(o0); free(o1); free(e0); free(e1);
    xl_run_free(&r[1]);
    free(st[1]);
    if (state_out)
        *state_out = st[0];
    else
        free(st[0]);
    return r[0];
}

/* setter_same on a NULL-ended row of at most 6 words, "@D" standing for
 * the domain's id; returns Debian's exit status. */
static int run_with_dom(const char *const row[7], const char *const reset[],
                        const char *part)
{
    const char *args[7] = { 0 };

    for (int k = 0; k < 6 && row[k]; k++)
        args[k] = strcmp(row[k], "@D") ? row[k] : d;
    xl_run r = setter_same(args, reset, part, NULL);
    int status = r.status;
    xl_run_free(&r);
    return status;
}

/* ------------------------------------------------------------ vcpu-pin */

TEST(xl_vcpu_pin_is_the_same_on_lightcore, 240)
{
    const char *reset[] = { "vcpu-pin", d, "all", "all", "all", NULL };
    char *st;

    const char *pin0[] = { "vcpu-pin", d, "0", "0", NULL };
    xl_run r = setter_same(pin0, reset, "list", &st);
    ck_assert_int_eq(r.status, 0);
    /* vcpu 0 hard-pinned to cpu 0 only */
    ck_assert_ptr_nonnull(strstr(st, "\"cpumap\": [\n        0\n    ],"));
    xl_run_free(&r);
    free(st);

    const char *all_soft[] = { "vcpu-pin", d, "all", "-", "0", NULL };
    r = setter_same(all_soft, reset, "list", &st);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(st, "\"cpumap_soft\": [\n        0\n    ]"));
    xl_run_free(&r);
    free(st);

    static const char *const bad[][7] = {
        { "vcpu-pin", "@D", "5", "0" },             /* vcpu past the domain's */
        { "vcpu-pin", "@D", "0", "7" },             /* cpu past the host's */
        { "vcpu-pin", "@D", "x", "0" },             /* not a vcpu */
        { "vcpu-pin", "@D", "0", "0-" },            /* not a cpu range */
        { "vcpu-pin", "-f", "@D", "all", "0" },     /* --force with all */
        { "vcpu-pin", "-f", "@D", "1", "all", "-" },
        { "vcpu-pin", "@D", "all", "1", "0" },      /* soft outside hard */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        run_with_dom(bad[i], reset, "list");

    /* a dry run prints the maps it would set and sets nothing */
    const char *dry[] = { "-N", "vcpu-pin", d, "0", "0-1", "1", NULL };
    r = setter_same(dry, reset, "list", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "cpumap: "));
    ck_assert_ptr_nonnull(strstr(r.out, " 1\n"));
    xl_run_free(&r);

    const char *nodom[] = { "vcpu-pin", "no-such-vm", "0", "0", NULL };
    r = setter_same(nodom, reset, "list", NULL);
    ck_assert_int_ne(r.status, 0);
    xl_run_free(&r);
}

/* ------------------------------------------------------------ vcpu-set */

TEST(xl_vcpu_set_is_the_same_on_lightcore, 240)
{
    const char *reset[] = { "vcpu-set", d, "3", NULL };
    char *st;

    const char *one[] = { "vcpu-set", d, "1", NULL };
    xl_run r = setter_same(one, reset, "avail", &st);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(st, "0=online 1=offline 2=offline 3=-"));
    xl_run_free(&r);
    free(st);

    static const char *const more[][7] = {
        { "vcpu-set", "@D", "5" },              /* more than the host has */
        { "vcpu-set", "-i", "@D", "5" },        /* more than the domain has */
        { "vcpu-set", "@D", "0" },
        { "vcpu-set", "@D", "two" },
        { "vcpu-set", "@D", "2" },
    };
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
        run_with_dom(more[i], reset, "avail");

    const char *gone[] = { "vcpu-set", "999", "2", NULL };
    r = setter_same(gone, reset, "avail", NULL);
    ck_assert_int_ne(r.status, 0);
    xl_run_free(&r);
}

/* ------------------------------------------------------------ sched-* */

TEST(xl_sched_credit2_is_the_same_on_lightcore, 240)
{
    const char *reset[] = { "sched-credit2", "-d", d, "-w", "256", "-c", "0",
                            NULL };
    char *st;

    const char *get[] = { "sched-credit2", "-d", d, NULL };
    xl_run r = setter_same(get, reset, "getsched", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\nvm "));
    xl_run_free(&r);

    const char *set[] = { "sched-credit2", "-d", d, "-w", "512", "-c", "100",
                          NULL };
    r = setter_same(set, reset, "getsched", &st);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(st, "\"weight\": 512,\n    \"cap\": 100"));
    xl_run_free(&r);
    free(st);

    static const char *const bad[][7] = {
        { "sched-credit2", "-d", "@D", "-w", "0" },
        { "sched-credit2", "-d", "@D", "-w", "65536" },
        { "sched-credit2", "-d", "@D", "-c", "400" },
        { "sched-credit2", "-d", "@D", "-c", "-1" },
        { "sched-credit2", "-d", "@D", "-w", "x" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        run_with_dom(bad[i], reset, "getsched");

    const char *nodom[] = { "sched-credit2", "-d", "no-such-vm", NULL };
    r = setter_same(nodom, reset, "getsched", NULL);
    ck_assert_int_ne(r.status, 0);
    xl_run_free(&r);

    /* pool 0's rate limit */
    const char *preset[] = { "sched-credit2", "-s", "-r", "1000", NULL };
    const char *rate[] = { "sched-credit2", "-s", "-r", "2000", NULL };
    r = setter_same(rate, preset, "getpool", &st);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(st, "\"ratelimit_us\": 2000"));
    xl_run_free(&r);
    free(st);
    const char *badrate[] = { "sched-credit2", "-s", "-r", "20", NULL };
    r = setter_same(badrate, preset, "getpool", NULL);
    ck_assert_int_ne(r.status, 0);
    xl_run_free(&r);
}

/* Pool 0 runs credit2: xl's credit commands fail, the same way. */
TEST(xl_sched_credit_fails_the_same_on_lightcore, 240)
{
    const char *reset[] = { "sched-credit2", "-d", d, "-w", "256", NULL };
    static const char *const cmds[][7] = {
        { "sched-credit", "-d", "@D" },
        { "sched-credit", "-d", "@D", "-w", "300" },
        { "sched-credit", "-s", "-t", "10" },
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        ck_assert_int_ne(run_with_dom(cmds[i], reset, "getsched"), 0);
}

/* ------------------------------------------------------------ listings */

/* xl A... on both libraries, after norm (xlboth_same). */
static xl_run listing_same(const char *const args[])
{
    return xlboth_same(args, norm);
}

/* Needs libxl_get_physinfo (host information). */
TEST(xl_vcpu_list_is_the_same_on_lightcore, 120)
{
    const char *pin[] = { "vcpu-pin", d, "1", "0", "1", NULL };
    xl_debian(pin);
    const char *all[] = { "vcpu-list", NULL };
    xl_run r = listing_same(all);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Domain-0 "));
    ck_assert_ptr_nonnull(strstr(r.out, "0 / 1\n"));     /* vcpu 1's maps */
    xl_run_free(&r);
    const char *one[] = { "vcpu-list", d, NULL };
    r = listing_same(one);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "Domain-0 "));
    xl_run_free(&r);
    const char *none[] = { "vcpu-list", "no-such-vm", NULL };
    r = listing_same(none);
    ck_assert_int_ne(r.status, 0);
    xl_run_free(&r);
}

/* Needs libxl_get_physinfo (host information). */
TEST(xl_list_numa_is_the_same_on_lightcore, 120)
{
    const char *args[] = { "list", "-n", NULL };
    xl_run r = listing_same(args);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "NODE Affinity"));
    xl_run_free(&r);
}

/* Needs libxl_list_cpupool and libxl_cpupoolid_to_name (cpupools). */
TEST(xl_sched_credit2_listing_is_the_same_on_lightcore, 120)
{
    const char *all[] = { "sched-credit2", NULL };
    xl_run r = listing_same(all);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Cpupool Pool-0: ratelimit="));
    ck_assert_ptr_nonnull(strstr(r.out, "\nvm "));
    xl_run_free(&r);
    const char *s[] = { "sched-credit2", "-s", NULL };
    r = listing_same(s);
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);
}

/* Pool 0 switched to credit: xl's credit commands work, the same way. */
TEST(xl_sched_credit_on_a_credit_pool_is_the_same_on_lightcore, 240)
{
    ck_assert_int_eq(xensim_set_pool0_sched(5 /* XEN_SCHEDULER_CREDIT */), 0);
    const char *reset[] = { "sched-credit", "-d", d, "-w", "256", "-c", "0",
                            NULL };
    char *st;

    const char *set[] = { "sched-credit", "-d", d, "-w", "300", "-c", "50",
                          NULL };
    xl_run r = setter_same(set, reset, "getsched", &st);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(st, "\"sched\": \"credit\",\n"
                                     "    \"weight\": 300,\n    \"cap\": 50"));
    xl_run_free(&r);
    free(st);

    static const char *const dom_rows[][7] = {
        { "sched-credit", "-d", "@D" },
        { "sched-credit", "-d", "@D", "-w", "70000" },
        { "sched-credit", "-d", "@D", "-c", "301" },
        { "sched-credit2", "-d", "@D" },            /* the other scheduler */
    };
    for (size_t i = 0; i < sizeof(dom_rows) / sizeof(dom_rows[0]); i++)
        run_with_dom(dom_rows[i], reset, "getsched");

    const char *preset[] = { "sched-credit", "-s", "-t", "30", "-r", "1000",
                             "-m", "0", NULL };
    const char *pool[] = { "sched-credit", "-s", "-t", "10", "-r", "500",
                           "-m", "200", NULL };
    r = setter_same(pool, preset, "getpool", &st);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(st, "\"tslice_ms\": 10,\n"
                                     "    \"ratelimit_us\": 500,\n"
                                     "    \"vcpu_migr_delay_us\": 200"));
    xl_run_free(&r);
    free(st);
    static const char *const pool_rows[][7] = {
        { "sched-credit", "-s", "-t", "0" },
        { "sched-credit", "-s", "-t", "10", "-r", "50000" },
        { "sched-credit", "-s", "-m", "200000" },
        { "sched-credit2", "-s", "-r", "2000" },    /* the other scheduler */
    };
    for (size_t i = 0; i < sizeof(pool_rows) / sizeof(pool_rows[0]); i++)
        ck_assert_int_ne(run_with_dom(pool_rows[i], preset, "getpool"), 0);
}

/* Debian's xl's output of cmd, on Debian's library: a pool's state. */
static char *xl_state(const char *const cmd[])
{
    xl_run r = xlboth_run(false, cmd);
    char *out = r.out;

    r.out = NULL;
    xl_run_free(&r);
    return out;
}

/* Pools other than 0, each scheduler with parameters of its own: xl's
 * -p POOL on both libraries, a setter from the same state on each, the
 * pool's parameters after compared. Takes cpu 1 from Pool-0. */
TEST(xl_sched_on_other_pools_is_the_same_on_lightcore, 240)
{
    const char *rm[] = { "cpupool-cpu-remove", "Pool-0", "1", NULL };
    const char *p1[] = { "cpupool-create", "name=\"p1\"", "sched=\"credit\"",
                         "cpus=[\"1\"]", NULL };
    const char *p2[] = { "cpupool-create", "name=\"p2\"",
                         "sched=\"credit2\"", NULL };
    xl_debian(rm);
    xl_debian(p1);
    xl_debian(p2);

    static const char *const gets[][6] = {
        { "sched-credit", "-s", "-p", "p1" },
        { "sched-credit2", "-s", "-p", "p2" },
        { "sched-credit2", "-s", "-p", "p1" },      /* the other scheduler */
        { "sched-credit", "-s", "-p", "p2" },
        { "sched-credit", "-s", "-p", "no-such-pool" },
    };
    for (size_t i = 0; i < sizeof(gets) / sizeof(gets[0]); i++)
        xl_run_free((xl_run[]){ xlboth_same(gets[i], norm) });

    static const struct {
        const char *set[9], *reset[9], *state[5];
    } sets[] = {
        { { "sched-credit", "-s", "-p", "p1", "-t", "10", "-r", "500" },
          { "sched-credit", "-s", "-p", "p1", "-t", "30", "-r", "1000" },
          { "sched-credit", "-s", "-p", "p1" } },
        { { "sched-credit2", "-s", "-p", "p2", "-r", "3000" },
          { "sched-credit2", "-s", "-p", "p2", "-r", "1000" },
          { "sched-credit2", "-s", "-p", "p2" } },
    };
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        xl_run r[2];
        char *st[2];
        for (int lc = 0; lc < 2; lc++) {
            xl_debian(sets[i].reset);
            r[lc] = xlboth_run(lc, sets[i].set);
            st[lc] = xl_state(sets[i].state);
        }
        ck_assert_int_eq(r[0].status, 0);
        ck_assert_int_eq(r[1].status, 0);
        ck_assert_str_eq(st[0], st[1]);
        ck_assert_ptr_null(strstr(st[0], "unavailable"));
        xl_run_free(&r[0]);
        xl_run_free(&r[1]);
        free(st[0]);
        free(st[1]);
    }
    /* Pool-0 untouched by the others' settings */
    const char *pool0[] = { "sched-credit2", "-s", "-p", "Pool-0", NULL };
    char *st = xl_state(pool0);
    ck_assert_ptr_nonnull(strstr(st, "ratelimit=1000us"));
    free(st);
}

/* The normalisation cuts what the header says and nothing else. */
TEST(xl_vcpu_normalisation_is_narrow, 30)
{
    char *n = norm("libxl: error: libxl_sched.c:62:libxl__set_vcpuaffinity: "
                   "Domain 1:Setting vcpu affinity: Invalid argument\n"
                   "libxl: error: vcpu_online.c:137:libxl_set_vcpuonline: "
                   "Domain 1:Requested 5 VCPUs, however maxcpus is 3!: Success\n"
                   "vm    1     0    0   -b-       0.2  all / all\n"
                   "Could not set affinity for vcpu `5'.\n");
    ck_assert_str_eq(n, "libxl: error: Domain 1:Setting vcpu affinity: "
                        "Invalid argument\n"
                        "libxl: error: Domain 1:Requested 5 VCPUs, however "
                        "maxcpus is 3!: E\n"
                        "vm    1     0    0   -b-       T  all / all\n"
                        "Could not set affinity for vcpu `5'.\n");
    free(n);
}
