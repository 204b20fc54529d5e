/*
 * test_dropin_usb.c: PVUSB controllers and devices as a drop-in for
 * Debian's libxenlight 4.17. tests/abi/dropin_usb.c is built against
 * Debian's headers and library and against ours; on one simulated guest
 * (whose frontends answer), it must print the same as Debian's run, as
 * Debian's binary on lightcore (ABI) and as ours (API): every call's rc,
 * results and log lines, the xenstore trees (values, permissions, order),
 * the fake sysfs after each call, the lists, getinfo and the retrieved
 * configuration, and the bad input.
 *
 * These machines have no USB devices and no usbback: each test runs in a
 * private mount namespace (tmpfs /var/lib/xen, /var/log/xen, /run) where
 * tests/abi/fakeusb.c serves a fake /sys/bus/usb (a tmpfs over /sys/bus):
 * its drivers' bind and unbind files are FIFOs it reads and applies, and
 * the probe settles it ("sync") before printing the tree. The emulator
 * starts over ("reset") before each run. Needs root (unshare, mount);
 * without it each test says so and does nothing.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"
#include "usbhost.h"

#define PROBE_DEBIAN "tests/dropin-usb-debian"
#define PROBE_OURS   "tests/dropin-usb-ours"

static char preload_env[PATH_MAX * 2 + 32];
static bool skipped;

static void setup(void)
{
    skipped = !usbhost_setup();
    if (!skipped)
        snprintf(preload_env, sizeof(preload_env), "%s",
                 simhost_preload_env());
}

static void teardown(void)
{
    if (!skipped) usbhost_teardown();
}

TEST_FIXTURE(setup, teardown);

/* The probe's scenario, three ways on the same guest (the scenario leaves
 * it as it found it; the sysfs starts over each time). */
static void same_three_ways(const char *mode, const char *domid,
                            char *out[3])
{
    const char *args[] = { mode, domid, NULL };

    for (int w = 0; w < 3; w++) {
        usbhost_reset();
        out[w] = dropin_run(w == 2 ? PROBE_OURS : PROBE_DEBIAN, args,
                            preload_env, w != 0);
    }
    /* DROPIN_USB_KEEP=DIR keeps the three outputs (they are long: Check
     * cuts a failure's message) */
    if (getenv("DROPIN_USB_KEEP")) {
        for (int w = 0; w < 3; w++) {
            char path[PATH_MAX];
            FILE *f;
            snprintf(path, sizeof(path), "%s/%s-%d.out",
                     getenv("DROPIN_USB_KEEP"), mode, w);
            f = fopen(path, "w");
            if (f) {
                fputs(out[w], f);
                fclose(f);
            }
        }
        char cmd[PATH_MAX * 3];
        snprintf(cmd, sizeof(cmd), "cp %s/backend.log %s/guest-*.log %s/",
                 simhost_dir(usbhost_host), simhost_dir(usbhost_host),
                 getenv("DROPIN_USB_KEEP"));
        if (system(cmd)) fprintf(stderr, "could not keep the host's logs\n");
    }
    dropin_assert_same(out[0], out[1], out[2]);
    ck_assert_ptr_nonnull(strstr(out[0], "final state is the first: yes\n"));
}

static void has(const char *out, const char *text)
{
    ck_assert_msg(strstr(out, text) != NULL, "missing \"%s\" in:\n%s", text,
                  out);
}

TEST(usb_pv_same_on_debian_and_lightcore, 120)
{
    char *out[3];

    if (skipped) return;
    const char *domid = usbhost_guest(false);
    same_three_ways("pv", domid, out);
    /* it got through, and saw what libxl does */
    has(out[0], "ctrl_add(pv, 4 ports): rc 0 {");
    has(out[0], "/backend/vusb/");
    has(out[0], "/port/4 = \"\" (n0,r");
    has(out[0], "ctrl_add(devid 1 again): rc -17 {");
    has(out[0], "ctrl_add(version 3): rc -6 {");
    has(out[0], "ctrl_add(qusb, no device model): rc -3 {");
    has(out[0], "dev_add(1:2, anywhere): rc 0 {");
    has(out[0], "/port/1 = \"1-1\" (n0,r");
    has(out[0], "  sysfs driver usbback: 1-1:1.0 1-1:1.1\n");
    has(out[0], "  sysfs 1-1:1.0 -> ../../drivers/usbback\n");
    has(out[0], "/driver_path = \"/sys/bus/usb/drivers/usb-storage\" (n0)\n");
    has(out[0], "dev_add(1:2 again): rc -6 {");
    has(out[0], "dev_add(hub 1:1): rc -3 {");
    has(out[0], "retrieve: rc 0, 2 controllers, 0 devices\n");
    has(out[0], "dev_remove(0.1): rc 0\n");
    has(out[0], "ctrl_remove(1, with its device): rc 0\n");
    has(out[0], "ctrl_remove(7): rc -23\n");
    has(out[0], "dev_add(2:5, no controller): rc 0 {");
    has(out[0], "ctrl_add(auto, no usbback): rc -3 {");
    has(out[0], "dev_add(1:2, no usbback): rc -3 {");
    for (int w = 0; w < 3; w++) free(out[w]);
}

/* Hostile values where the libraries read (a backend's port list and
 * versions, the guest's frontend): the same answers, no crash, no path
 * out of sysfs's devices. */
TEST(usb_hostile_same_on_debian_and_lightcore, 120)
{
    char *out[3];

    if (skipped) return;
    const char *domid = usbhost_guest(false);
    same_three_ways("hostile", domid, out);
    has(out[0], "ctrlport_to_device(0, 1): rc -3 {");
    has(out[0], "ctrlport_to_device(0, 2): rc -3 {");
    has(out[0], "ctrl_remove(0): rc 0\n");
    for (int w = 0; w < 3; w++) free(out[w]);
}

/* A call that crashes Debian's library (a controller with no record,
 * asked for a port's device) fails cleanly on lightcore, and a port
 * count Debian's library would loop on is bounded. */
TEST(usb_lightcore_survives_what_crashes_debian, 60)
{
    if (skipped) return;
    const char *domid = usbhost_guest(false);
    const char *args[] = { "pv", domid, "lightcore", NULL };

    usbhost_reset();
    char *out = dropin_run(PROBE_OURS, args, preload_env, true);
    has(out, "ctrlport_to_device(7, 1): rc -3 {");
    has(out, "final state is the first: yes\n");
    free(out);
    /* a port count Debian's library would read two thousand million
     * ports for: lightcore reads no more than a controller has */
    const char *hostile[] = { "hostile", domid, "lightcore", NULL };
    usbhost_reset();
    out = dropin_run(PROBE_OURS, hostile, simhost_preload_env(), true);
    has(out, "list with 2000000000 ports: 1 controllers\n");
    /* the lightcore-only ctrlport(0, 2) comes after the shared one */
    const char *shared = strstr(out, "ctrlport_to_device(0, 2): rc -3 {");
    ck_assert_ptr_nonnull(shared);
    ck_assert_ptr_nonnull(strstr(shared + 1,
                                 "ctrlport_to_device(0, 2): rc -3 {"));
    has(out, "dev_remove(0.1, a driver that is not one): rc -3\n");
    has(out, "not a driver's bind: 0 bytes\n");
    has(out, "final state is the first: yes\n");
    free(out);
}

/* QEMU's backend (qusb), with a device model marked running and serving
 * qusb, as xl's QEMU would be. */
TEST(usb_qusb_same_on_debian_and_lightcore, 120)
{
    char *out[3], path[128];

    if (skipped) return;
    const char *domid = usbhost_guest(false);
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    snprintf(path, sizeof(path), "/local/domain/%s/image/device-model-pid",
             domid);
    ck_assert(xs_write(xs, XBT_NULL, path, "4242", 4));
    snprintf(path, sizeof(path),
             "/local/domain/0/device-model/%s/backends/qusb", domid);
    ck_assert(xs_write(xs, XBT_NULL, path, "", 0));
    xs_close(xs);
    same_three_ways("qusb", domid, out);
    has(out[0], "ctrl_add(qusb): rc 0 {");
    has(out[0], "/local/domain/0/backend/qusb/");
    has(out[0], "dev_add(1:2 on qusb): rc 0 {");
    has(out[0], "ctrl_remove(0): rc 0\n");
    for (int w = 0; w < 3; w++) free(out[w]);
}

/* An HVM guest's device-model controller: without its QEMU, the add fails
 * as libxl's does (the device model is the creation issue's). */
TEST(usb_devicemodel_same_on_debian_and_lightcore, 120)
{
    char *out[3];

    if (skipped) return;
    const char *domid = usbhost_guest(true);
    same_three_ways("hvm", domid, out);
    has(out[0], "Failed to connect to QMP socket /var/run/xen/qmp-libxl-");
    has(out[0], "ctrl_add(auto, hvm): rc -3 {");
    has(out[0], "Number of ports for USB controller of version 1 is always 2");
    for (int w = 0; w < 3; w++) free(out[w]);
}
