/*
 * test_xl_host.c: Debian's own xl, unchanged, on lightcore, for the host
 * subcommands: `xl info`, `xl info -n`, `xl dmesg`, `xl dmesg -c`,
 * `xl debug-keys h` and `xl set-parameters`. Each runs once on Debian's
 * libxenlight and once on lightcore's, on one simulated host
 * (tests/common/xlboth.[ch]); exit status, output and error output must be
 * the same after normalising, and so must the hypervisor's state after
 * each run (console ring, runtime parameters).
 *
 * Normalisation rules (what legitimately differs between the two runs):
 *  - a libxl log line's "FILE:LINE:" (each library names its own source
 *    file and line; the function and the message are compared).
 * Nothing else: free memory does not change between the runs (no domain
 * is created or destroyed in between), nor does anything in the console
 * ring, which each run of a command that changes it starts from the same
 * boot lines.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simhost.h"
#include "testmain.h"
#include "xensim.h"
#include "xlboth.h"

static simhost *host;

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    xlboth_init(simhost_preload_env(), NULL);
    ck_assert_int_ge(simhost_create_domain("web", 512, 2, NULL), 1);
    ck_assert_int_ge(simhost_create_domain("db", 2048, 1, NULL), 1);
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* Does the line starting at p match "libxl: LEVEL: " and then a
 * "FILE:LINE:" prefix? Returns the length of that prefix, or 0. */
static size_t source_position(const char *p, size_t *keep)
{
    static const char *const levels[] = { "libxl: error: ", "libxl: warning: ",
                                          "libxl: debug: ", "libxl: info: ",
                                          "libxl: verbose: ", "libxl: detail: " };
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        size_t l = strlen(levels[i]);
        if (strncmp(p, levels[i], l))
            continue;
        const char *f = p + l, *colon = strchr(f, ':');
        const char *nl = strchr(f, '\n');
        if (!colon || (nl && colon > nl) || colon == f)
            return 0;
        const char *d = colon + 1;
        while (*d >= '0' && *d <= '9')
            d++;
        if (d == colon + 1 || *d != ':')
            return 0;
        *keep = l;
        return (size_t)(d + 1 - p);
    }
    return 0;
}

static char *normalise(const char *text)
{
    char *copy = malloc(strlen(text) + 1), *w = copy;
    ck_assert_ptr_nonnull(copy);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p), keep = 0;
        size_t skip = source_position(p, &keep);

        if (skip) {
            memcpy(w, p, keep);
            w += keep;
            memcpy(w, p + skip, len - skip);
            w += len - skip;
        } else {
            memcpy(w, p, len);
            w += len;
        }
        p += len;
    }
    *w = '\0';
    return copy;
}

static xl_run same(const char *a1, const char *a2)
{
    const char *args[] = { a1, a2, NULL };
    return xlboth_same(args, normalise);
}

static char *ring(void)
{
    char *buf = malloc(32768);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_ge(xensim_console_read(buf, 32768, NULL), 0);
    return buf;
}

/*
 * xl ARGS on each library, the console ring reset to its boot lines
 * before each run: same status and (normalised) output, and the same ring
 * after. Returns Debian's run; *ring_after (if not NULL) is the ring after
 * it.
 */
static xl_run same_from_boot(const char *const args[], char **ring_after)
{
    ck_assert_int_eq(xensim_console_reset(), 0);
    xl_run theirs = xlboth_run(false, args);
    char *theirs_ring = ring();
    ck_assert_int_eq(xensim_console_reset(), 0);
    xl_run ours = xlboth_run(true, args);
    char *ours_ring = ring();

    ck_assert_int_eq(ours.status, theirs.status);
    char *a = normalise(ours.out), *b = normalise(theirs.out);
    ck_assert_msg(!strcmp(a, b), "output differs\n--- lightcore\n%.3000s"
                  "--- Debian's\n%.3000s", ours.out, theirs.out);
    free(a);
    free(b);
    a = normalise(ours.err);
    b = normalise(theirs.err);
    ck_assert_msg(!strcmp(a, b), "error output differs\n--- lightcore\n%.3000s"
                  "--- Debian's\n%.3000s", ours.err, theirs.err);
    free(a);
    free(b);
    ck_assert_msg(!strcmp(ours_ring, theirs_ring), "console ring differs\n"
                  "--- after lightcore\n%.3000s--- after Debian's\n%.3000s",
                  ours_ring, theirs_ring);
    free(ours_ring);
    xl_run_free(&ours);
    if (ring_after)
        *ring_after = theirs_ring;
    else
        free(theirs_ring);
    return theirs;
}

TEST(xl_info_is_the_same_on_lightcore, 120)
{
    xl_run r = same("info", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\nxen_scheduler          : credit2\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "\nvirt_caps              : pv hvm hap "
                                 "gnttab-v1 gnttab-v2\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "\ntotal_memory           : 65536\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "\nfree_cpus              : 0\n"));
    /* 64 GiB less the hypervisor's 64 MiB, dom0's 1 GiB, web and db */
    ck_assert_ptr_nonnull(strstr(r.out, "\nfree_memory            : 61888\n"));
    xl_run_free(&r);
}

TEST(xl_info_n_is_the_same_on_lightcore, 120)
{
    uint16_t seg;
    uint8_t bus, devfn;
    int32_t node;
    bool have_pci = xensim_pci_get(0, &seg, &bus, &devfn, &node) == 0;

    /* A device with a NUMA node shows in the device topology. */
    if (have_pci)
        ck_assert_int_eq(xensim_pci_set(seg, bus, devfn, 0), 0);
    xl_run r = same("info", "-n");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\ncpu_topology           :\n"
                                 "cpu:    core    socket     node\n"
                                 "  0:       0        0        0\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "\nnuma_info              :\n"
                                 "node:    memsize    memfree    distances\n"
                                 "   0:     65536      61888      10\n"));
    if (have_pci) {
        char want[64];
        snprintf(want, sizeof(want), "\n%04x:%02x:%02x.%01x      0\n", seg, bus,
                 devfn >> 3, devfn & 7);
        ck_assert_ptr_nonnull(strstr(r.out, want));
    }
    xl_run_free(&r);
}

TEST(xl_dmesg_is_the_same_on_lightcore, 120)
{
    ck_assert_int_eq(xensim_console_reset(), 0);
    ck_assert_int_eq(xensim_console_write("a line written by the test\n"), 0);
    xl_run r = same("dmesg", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "(XEN) Xen version 4.17.7-sim"));
    ck_assert_ptr_nonnull(strstr(r.out, "\n(XEN) a line written by the test\n"));
    xl_run_free(&r);
    /* a plain dmesg leaves the ring as it was */
    char *after = ring();
    ck_assert_ptr_nonnull(strstr(after, "(XEN) Xen version 4.17.7-sim"));
    free(after);
}

TEST(xl_dmesg_c_is_the_same_on_lightcore, 120)
{
    const char *args[] = { "dmesg", "-c", NULL };
    char *after;
    xl_run r = same_from_boot(args, &after);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "(XEN) Xen version 4.17.7-sim"));
    ck_assert_str_eq(after, "");           /* cleared */
    xl_run_free(&r);
    free(after);

    /* and a second one, on the cleared ring, prints nothing */
    r = same("dmesg", "-c");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "");
    xl_run_free(&r);
}

TEST(xl_debug_keys_is_the_same_on_lightcore, 120)
{
    const char *args[] = { "debug-keys", "h", NULL };
    char *after;
    xl_run r = same_from_boot(args, &after);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_nonnull(strstr(after, "\n(XEN) 'h' pressed -> showing installed "
                                 "handlers\n(XEN)  key '%' (ascii '25') => trap "
                                 "to xendbg\n"));
    xl_run_free(&r);
    free(after);

    /* what it printed, xl dmesg shows the same on both */
    r = same("dmesg", NULL);
    ck_assert_ptr_nonnull(strstr(r.out, "(XEN)  key 'h' (ascii '68') => show this "
                                 "message\n"));
    xl_run_free(&r);
}

static void param(const char *name, const char *want)
{
    char v[64];
    ck_assert_int_eq(xensim_param_get(name, v, sizeof(v)), 0);
    ck_assert_str_eq(v, want);
}

/* xl set-parameters P on both libraries, each from the same values; the
 * values after each run must be the same. */
static xl_run set_parameters(const char *p)
{
    const char *args[] = { "set-parameters", p, NULL };
    const char *names[] = { "loglvl", "guest_loglvl", "conswitch",
                            "global-pages" };
    char base[] = "loglvl=warning guest_loglvl=none/warning conswitch=a "
                  "global-pages=1";
    const char *base_args[] = { "set-parameters", base, NULL };
    char after[2][4][64];

    for (int lib = 0; lib < 2; lib++) {
        xl_run b = xlboth_run(false, base_args);
        ck_assert_int_eq(b.status, 0);
        xl_run_free(&b);
        xl_run r = xlboth_run(lib == 1, args);
        xl_run_free(&r);
        for (int i = 0; i < 4; i++)
            ck_assert_int_eq(xensim_param_get(names[i], after[lib][i], 64), 0);
    }
    for (int i = 0; i < 4; i++)
        ck_assert_msg(!strcmp(after[0][i], after[1][i]), "%s: %s after lightcore, "
                      "%s after Debian's", names[i], after[1][i], after[0][i]);
    /* and the output, from the same values again */
    xl_run b = xlboth_run(false, base_args);
    xl_run_free(&b);
    const char *a2[] = { "set-parameters", p, NULL };
    return xlboth_same(a2, normalise);
}

TEST(xl_set_parameters_is_the_same_on_lightcore, 120)
{
    xl_run r = set_parameters("loglvl=all guest_loglvl=info/all noglobal-pages");
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);
    param("loglvl", "all/all");
    param("guest_loglvl", "info/all");
    param("global-pages", "0");

    /* an unknown parameter: xl and libxl say so, nothing after it is set */
    r = set_parameters("conswitch=x nosuch=1 loglvl=error");
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "setting parameters: No such file or "
                                 "directory\n"));
    ck_assert_ptr_nonnull(strstr(r.err, "cannot set parameters: conswitch=x "
                                 "nosuch=1 loglvl=error\n"));
    xl_run_free(&r);
    param("conswitch", "x");
    param("loglvl", "warning/warning");

    /* a value the hypervisor refuses */
    r = set_parameters("conswitch=toolong");
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "No space left on device"));
    xl_run_free(&r);
}
