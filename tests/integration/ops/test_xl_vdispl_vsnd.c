/*
 * test_xl_vdispl_vsnd.c: Debian's own xl, unchanged, on lightcore for
 * virtual displays and sound cards (vdispl-attach, -list, -detach and
 * vsnd-attach, -list, -detach) with a guest whose frontends answer (the
 * simulated generic backend serves both kinds: Debian packages none).
 *
 * The commands change the host, so they run as one scenario that leaves
 * the guest as it found it: every step on Debian's libxenlight, then every
 * step on lightcore, and each step's exit status, output and error output
 * must be the same on both. The two libraries share one private
 * /var/lib/xen (xlboth_shared), where the guest's configuration is stored
 * first (device adds need it). A connector spec xl cannot split
 * ("connectors=bad") makes Debian's xl itself crash, whatever the
 * library: not run. The devices are attached while the guest's
 * frontends are off, then connected (see test_dropin_vdispl_vsnd.c: a
 * guest that answers at once can take the backend past InitWait before
 * libxl looks).
 *
 * Normalisation: libxl's log lines on xl's stderr name the library's own
 * source ("libxl: error: libxl_device.c:1181:...: "): that part becomes
 * "SRC: " in both.
 */
#include <check.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"
#include "xlboth.h"

static simhost *host;
static int guest;
static char id[16];
static char dir[] = "/tmp/xl-vdispl-vsnd.XXXXXX";
static char shared[PATH_MAX];

static void setup(void)
{
    char *out;
    const char *args[] = { "store", id, NULL };

    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    xlboth_init(simhost_preload_env(), dir);
    xlboth_shared = true;
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    guest = simhost_create_domain("vm", 64, 1, "obey");
    ck_assert_int_gt(guest, 0);
    snprintf(id, sizeof(id), "%d", guest);
    snprintf(shared, sizeof(shared), "%s/shared", dir);
    out = dropin_run_private("tests/dropin-vdispl-vsnd-debian", args,
                             simhost_preload_env(), false, shared);
    ck_assert_str_eq(out, "store = 0\n");
    free(out);
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* "libxl: LEVEL: FILE:LINE:FUNC: " becomes "libxl: LEVEL: SRC: ". */
static char *mask_sources(const char *text)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1), *w = copy;
    const char *p = text;

    ck_assert_ptr_nonnull(copy);
    while (*p) {
        const char *eol = strchrnul(p, '\n');
        const char *level = !strncmp(p, "libxl: ", 7)
            ? memchr(p + 7, ':', (size_t)(eol - p - 7)) : NULL;
        const char *src = level ? level + 2 : NULL, *q = src;
        int colons = 0;

        while (q && q < eol && colons < 3)
            if (*q++ == ':') colons++;
        if (colons == 3) {
            w = mempcpy(w, p, (size_t)(src - p));
            w = mempcpy(w, "SRC:", 4);
            p = q;
        }
        w = mempcpy(w, p, (size_t)(eol - p));
        p = eol;
        if (*p) *w++ = *p++;
    }
    *w = '\0';
    return copy;
}

/* The guest's frontend drivers on or off. */
static void frontends(const char *on_off)
{
    ck_assert_int_eq(simhost_guest_frontends(guest, !strcmp(on_off, "on")),
                     0);
}

/* Waits (a watch, 10 s at most) until both frontends are connected. */
static void await_connected(void)
{
    static const char *const kinds[] = { "vdispl", "vsnd" };
    struct xs_handle *xs = xs_open(0);

    ck_assert_ptr_nonnull(xs);
    for (int k = 0; k < 2; k++) {
        char path[128];
        uint64_t deadline = test_now_ms() + 10000;
        bool ok = false;

        snprintf(path, sizeof(path), "/local/domain/%d/device/%s/0/state",
                 guest, kinds[k]);
        ck_assert(xs_watch(xs, path, "c"));
        for (;;) {
            unsigned len;
            char *v = xs_read(xs, XBT_NULL, path, &len);
            ok = v && !strcmp(v, "4");
            free(v);
            if (ok || test_now_ms() >= deadline) break;
            struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
            if (poll(&p, 1, (int)(deadline - test_now_ms())) == 1) {
                unsigned n;
                free(xs_read_watch(xs, &n));
            }
        }
        xs_unwatch(xs, path, "c");
        ck_assert_msg(ok, "%s never connected", path);
    }
    xs_close(xs);
}

/* A step: xl's argv, or (argv[0] NULL) the guest's frontends switched
 * off (0) or on and awaited (1). */
#define MAX_STEPS 20
struct step {
    const char *argv[8];
    int frontends;
};

static int scenario(struct step *s)
{
    int n = 0;
#define XL(...) (s[n++] = (struct step){ { __VA_ARGS__, NULL }, -1 })
#define FRONTENDS(on) (s[n++] = (struct step){ { NULL }, (on) })
    FRONTENDS(0);
    XL("vdispl-attach", id, "be-alloc=1",
       "connectors=DP-1:1920x1080;HDMI-A-1:800x600");
    XL("vsnd-attach", id,
       "card, short-name=card, long-name=Virtual card, "
       "sample-rates=44100;48000, sample-formats=s16_le;s24_le, "
       "channels-min=1, channels-max=2",
       "pcm, name=main, buffer-size=4096",
       "stream, unique-id=0, type=p",
       "stream, unique-id=1, type=c, sample-rates=8000");
    FRONTENDS(1);
    XL("vdispl-list", id);
    XL("vsnd-list", id);
    XL("vdispl-attach", id, "backend=no-such-domain", "connectors=X:1x1");
    XL("vdispl-attach", id, "backend=no-such-domain");
    XL("vsnd-attach", id, "card, sample-formats=bogus");
    XL("vdispl-detach", id, "0");
    XL("vsnd-detach", id, "0");
    XL("vdispl-detach", id, "0");
    XL("vsnd-detach", id, "5");
    XL("vdispl-list", id);
    XL("vsnd-list", id);
    XL("vdispl-list", "no-such-domain");
#undef XL
#undef FRONTENDS
    ck_assert_int_le(n, MAX_STEPS);
    return n;
}

static void run_scenario(bool on_lightcore, const struct step *s, int n,
                         xl_run *runs)
{
    for (int i = 0; i < n; i++) {
        if (!s[i].argv[0]) {
            frontends(s[i].frontends ? "on" : "off");
            if (s[i].frontends) await_connected();
            continue;
        }
        runs[i] = xlboth_run(on_lightcore, s[i].argv);
    }
}

static char *masked(const char *text)
{
    return mask_sources(text);
}

TEST(xl_vdispl_vsnd_the_same_on_lightcore, 120)
{
    struct step s[MAX_STEPS];
    xl_run deb[MAX_STEPS] = { { 0, NULL, NULL } };
    xl_run ours[MAX_STEPS] = { { 0, NULL, NULL } };
    int n = scenario(s);

    run_scenario(false, s, n, deb);
    run_scenario(true, s, n, ours);
    for (int i = 0; i < n; i++) {
        if (!s[i].argv[0]) continue;
        char *d_out = masked(deb[i].out), *o_out = masked(ours[i].out);
        char *d_err = masked(deb[i].err), *o_err = masked(ours[i].err);

        ck_assert_msg(deb[i].status == ours[i].status &&
                      !strcmp(d_out, o_out) && !strcmp(d_err, o_err),
                      "xl %s %s: Debian: status %d\n%s%s\nlightcore: status"
                      " %d\n%s%s", s[i].argv[0], s[i].argv[2] ? s[i].argv[2]
                      : "", deb[i].status, d_out, d_err, ours[i].status,
                      o_out, o_err);
        free(d_out);
        free(o_out);
        free(d_err);
        free(o_err);
    }
    /* not vacuous: what xl saw on Debian's library */
    ck_assert_int_eq(deb[1].status, 0);                 /* attached */
    ck_assert_int_eq(deb[2].status, 0);
    ck_assert_ptr_nonnull(strstr(deb[4].out, "DP-1"));  /* vdispl-list */
    ck_assert_ptr_nonnull(strstr(deb[5].out, "short-name: \"card\""));
    ck_assert_ptr_nonnull(strstr(deb[6].err, "libxl_device_vdispl_add"));
    ck_assert_int_eq(deb[9].status, 0);                 /* detached */
    ck_assert_int_eq(deb[10].status, 0);
    ck_assert_int_ne(deb[11].status, 0);                /* gone */
    ck_assert_ptr_nonnull(strstr(deb[12].err, "not connected"));
    for (int i = 0; i < n; i++) {
        if (!s[i].argv[0]) continue;
        xl_run_free(&deb[i]);
        xl_run_free(&ours[i]);
    }
}
