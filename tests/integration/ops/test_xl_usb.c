/*
 * test_xl_usb.c: Debian's own xl, unchanged, on lightcore for PVUSB:
 * usbctrl-attach / -detach, usbdev-attach / -detach and usb-list, on a
 * simulated guest in the fake-sysfs namespace of usbhost.h (needs root;
 * without it the test says so and does nothing).
 *
 * The commands change the guest, so they run as one scenario that leaves
 * it as it found it: every step on Debian's libxenlight first, then every
 * step on lightcore (the fake sysfs and the guest's stored configuration
 * made fresh in between), and each step's exit status, output and error
 * output must be the same on both. After each step the devices are let
 * settle (usbhost_settle), so usb-list's states do not depend on timing.
 *
 * Normalisation: libxl's log lines name the library's own source
 * ("libxl: error: libxl_usb.c:1234:libxl__device_usbdev_add: "), so
 * FILE:LINE:FUNC becomes "SRC" in both. Nothing else differs.
 *
 * Not run: `usbdev-detach` of a controller that does not exist, which
 * makes Debian's library crash (libxl_ctrlport_to_device_usbdev reads the
 * missing controller's type); tests/abi/dropin_usb.c checks lightcore's
 * answer to that call.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"
#include "usbhost.h"
#include "xlboth.h"

static bool skipped;

static void setup(void)
{
    skipped = !usbhost_setup();
    if (!skipped)
        xlboth_init(simhost_preload_env(), NULL);
}

static void teardown(void)
{
    if (!skipped) usbhost_teardown();
}

TEST_FIXTURE(setup, teardown);

/* "libxl: LEVEL: FILE:LINE:FUNC: " becomes "libxl: LEVEL: SRC: ". */
static char *mask_sources(const char *text)
{
    size_t len = strlen(text);
    char *out = malloc(len + 1), *o = out;
    const char *p = text;

    ck_assert_ptr_nonnull(out);
    while (*p) {
        const char *line_end = strchr(p, '\n');
        size_t l = line_end ? (size_t)(line_end - p + 1) : strlen(p);
        const char *lvl = !strncmp(p, "libxl: ", 7) ? strchr(p + 7, ':')
                                                    : NULL;
        const char *src = lvl && lvl < p + l ? lvl + 2 : NULL;
        const char *c1 = src ? memchr(src, ':', (size_t)(p + l - src)) : NULL;
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(p + l - c1 - 1))
                            : NULL;
        const char *c3 = c2 ? memchr(c2 + 1, ':', (size_t)(p + l - c2 - 1))
                            : NULL;

        if (c3) {
            memcpy(o, p, (size_t)(src - p));
            o += src - p;
            memcpy(o, "SRC", 3);
            o += 3;
            memcpy(o, c3, (size_t)(p + l - c3));
            o += p + l - c3;
        } else {
            memcpy(o, p, l);
            o += l;
        }
        p += l;
    }
    *o = 0;
    return out;
}

#define MAX_STEPS 24

typedef const char *step_argv[8];

/* The scenario's xl command lines, for domain d (static). */
static step_argv *steps(const char *d)
{
    static step_argv argv[MAX_STEPS];
    static char dom[16];
    int n = 0;

    snprintf(dom, sizeof(dom), "%s", d);
#define STEP(...) do {                                                      \
        const char *s_[] = { __VA_ARGS__, NULL };                           \
        memcpy(argv[n++], s_, sizeof(s_));                                  \
    } while (0)
    STEP("usb-list", dom);
    STEP("usbctrl-attach", dom, "version=2", "ports=4");
    STEP("usb-list", dom);
    STEP("usbctrl-attach", dom, "type=pv", "version=3");
    STEP("usbctrl-attach", dom, "type=qusb");
    STEP("usbdev-attach", dom, "hostbus=1", "hostaddr=2");
    STEP("usb-list", dom);
    STEP("usbdev-attach", dom, "hostbus=1", "hostaddr=2");
    STEP("usbdev-attach", dom, "hostbus=1", "hostaddr=1");
    STEP("usbdev-attach", dom, "controller=0", "port=1", "hostbus=2",
         "hostaddr=5");
    STEP("usbdev-detach", dom, "0", "1");
    STEP("usbdev-detach", dom, "0", "1");
    STEP("usb-list", dom);
    STEP("usbdev-attach", dom, "hostbus=2", "hostaddr=5");
    STEP("usb-list", dom);
    STEP("usbctrl-detach", dom, "0");
    STEP("usbctrl-detach", dom, "5");
    STEP("usb-list", dom);
#undef STEP
    argv[n][0] = NULL;
    return argv;
}

/* Every step on one library: each run's masked outputs into runs. */
static int run_all(bool on_lightcore, const char *domid, xl_run runs[])
{
    step_argv *argv = steps(domid);
    const char *store[] = { "store", domid, NULL };
    int n = 0;

    usbhost_reset();
    free(dropin_run("tests/dropin-usb-ours", store, simhost_preload_env(),
                    true));
    for (; argv[n][0]; n++) {
        runs[n] = xlboth_run(on_lightcore, (const char *const *)argv[n]);
        usbhost_settle(domid);
        char *o = mask_sources(runs[n].out), *e = mask_sources(runs[n].err);
        free(runs[n].out);
        free(runs[n].err);
        runs[n].out = o;
        runs[n].err = e;
    }
    return n;
}

TEST(xl_usb_same_on_debian_and_lightcore, 120)
{
    xl_run deb[MAX_STEPS], ours[MAX_STEPS];

    if (skipped) return;
    const char *domid = usbhost_guest(false);
    step_argv *argv = steps(domid);
    int n = run_all(false, domid, deb);
    ck_assert_int_eq(run_all(true, domid, ours), n);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(deb[i].status == ours[i].status &&
                      !strcmp(deb[i].out, ours[i].out) &&
                      !strcmp(deb[i].err, ours[i].err),
                      "xl %s %s %s: Debian's %d\n%s%s--- lightcore's %d\n%s%s",
                      argv[i][0], argv[i][1], argv[i][2] ? argv[i][2] : "",
                      deb[i].status, deb[i].out, deb[i].err, ours[i].status,
                      ours[i].out, ours[i].err);
    }
    /* what xl saw (never a vacuous comparison) */
    ck_assert_int_eq(deb[1].status, 0);
    ck_assert_ptr_nonnull(strstr(deb[2].out, "Devid  Type         BE  state"));
    ck_assert_ptr_nonnull(strstr(deb[6].out, "  Port 1: Bus 001 Device 002\n"));
    ck_assert_int_ne(deb[7].status, 0);
    ck_assert_ptr_nonnull(strstr(deb[11].err,
                                 "Unknown device at controller 0 port 1."));
    ck_assert_int_eq(deb[15].status, 0);
    ck_assert_ptr_nonnull(strstr(deb[16].err, "Unknown device 5."));
    for (int i = 0; i < n; i++) {
        xl_run_free(&deb[i]);
        xl_run_free(&ours[i]);
    }
}
