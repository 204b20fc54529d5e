/*
 * test_dropin_vdispl_vsnd.c: virtual displays and sound cards as a
 * drop-in for Debian's libxenlight 4.17. tests/abi/dropin_vdispl_vsnd.c
 * is built against Debian's headers and library and against ours; on one
 * simulated host with a guest whose frontend drivers answer (Debian has
 * no backend for these kinds: the simulated generic backend serves them),
 * the same scenario runs on Debian's library, then as Debian's binary on
 * lightcore (ABI), then as ours (API), each inside private /var/lib/xen
 * directories, and each must print the same: every call's result, the
 * devices as JSON (list, getinfo, devid_to_device, the retrieved
 * configuration), the log lines and the xenstore trees with permissions
 * in xenstored's order.
 *
 * The scenario: the configuration stored; a display and a card added
 * while the guest's frontends are off (so the backend waits at InitWait,
 * where libxl looks for it: a guest that answers at once can take it to
 * Connected before libxl's watch is set, and libxl, waiting for exactly
 * InitWait, then times out; that race is the simulator's and the real
 * world's alike, not the libraries'), then connected; added again
 * (refused); queried; the guest then writes hostile values in its
 * frontend (numbers out of range, signs, hexadecimal, junk, an extra
 * display connector, a stream type in capitals, a PCM device after a
 * gap) and the devices are queried again; a connector that cannot be
 * read and a sample format libxl does not know (getinfo fails, the card
 * is no longer listed and the retrieved configuration drops it);
 * removal; bad arguments. The scenario leaves the guest as it found it,
 * so the three runs start from the same state.
 *
 * Deliberate difference (README): libxl_device_vsnd_getinfo of a card
 * that has no record crashes Debian's library (it gives sscanf the NULL
 * backend path it read); lightcore fails with ERROR_FAIL. That call runs
 * on lightcore only.
 */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"

#define PROBE_DEBIAN "tests/dropin-vdispl-vsnd-debian"
#define PROBE_OURS   "tests/dropin-vdispl-vsnd-ours"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char base[] = "/tmp/dropin-vdispl-vsnd.XXXXXX";
static int guest;
static char id[16];

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
    ck_assert_ptr_nonnull(mkdtemp(base));
    guest = simhost_create_domain("vm", 64, 1, "obey");
    ck_assert_int_gt(guest, 0);
    snprintf(id, sizeof(id), "%d", guest);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

static const char *const way_names[] = { "debian", "abi", "api" };

/* Appends the probe's output for command cmd (way w, in its private
 * directory) to *all. */
static void step(char **all, int w, const char *cmd)
{
    char dir[PATH_MAX], *out, *joined;
    const char *args[] = { cmd, id, NULL };

    snprintf(dir, sizeof(dir), "%s/%s", base, way_names[w]);
    out = dropin_run_private(w == 2 ? PROBE_OURS : PROBE_DEBIAN, args,
                             preload_env, w != 0, dir);
    ck_assert_int_ge(asprintf(&joined, "%s== %s\n%s", *all ? *all : "", cmd,
                              out), 0);
    free(out);
    free(*all);
    *all = joined;
}

static void frontends(const char *on_off)
{
    ck_assert_int_eq(simhost_guest_frontends(guest, !strcmp(on_off, "on")),
                     0);
}

/* What the guest writes in its frontends, in stages. */
static const char *const hostile_values[] = {
    "device/vdispl/0/0/req-ring-ref", "-5",
    "device/vdispl/0/0/req-event-channel", "99999999999",
    "device/vdispl/0/0/evt-ring-ref", " 0x10",
    "device/vdispl/0/0/evt-event-channel", "12abc",
    "device/vdispl/0/2/resolution", "  7x8junk",   /* a third connector */
    "device/vdispl/0/2/unique-id", "u2",
    "device/vsnd/3/sample-rates", " 0x10,, 7junk,-1",
    "device/vsnd/3/channels-min", "-1",
    "device/vsnd/3/channels-max", "abc",
    "device/vsnd/3/buffer-size", "4294967297",
    "device/vsnd/3/0/0/type", "C",
    "device/vsnd/3/0/1/ring-ref", "-3",
    "device/vsnd/3/0/1/event-channel", "x",
    "device/vsnd/3/5/name", "after a gap",
    NULL,
};
static const char *const unreadable_values[] = {
    "device/vdispl/0/3/resolution", "1x",
    "device/vdispl/0/3/unique-id", "u3",
    "device/vsnd/3/sample-formats", "s16_le,bogus",
    NULL,
};

static void guest_writes(const char *const *kv)
{
    for (; kv[0]; kv += 2)
        ck_assert_int_eq(simhost_guest_write(guest, kv[0], kv[1]), 0);
}

static char *scenario(int w)
{
    char *all = NULL;

    frontends("off");
    step(&all, w, "store");
    step(&all, w, "add");
    frontends("on");
    step(&all, w, "settle");
    step(&all, w, "query");
    guest_writes(hostile_values);
    step(&all, w, "query");
    guest_writes(unreadable_values);
    step(&all, w, "query");
    step(&all, w, "remove");
    step(&all, w, "bad");
    return all;
}

static void has(const char *out, const char *want)
{
    ck_assert_msg(strstr(out, want), "missing \"%s\" in:\n%s", want, out);
}

TEST(vdispl_vsnd_same_on_debian_and_lightcore, 120)
{
    char *out[3];

    for (int w = 0; w < 3; w++) out[w] = scenario(w);
    dropin_assert_same(out[0], out[1], out[2]);
    /* not vacuous: what Debian's library did */
    has(out[0], "vdispl_add = 0\n");
    has(out[0], "vsnd_add = 0\n");
    has(out[0], "vdispl 0 connected: yes\nvsnd 3 connected: yes\n");
    has(out[0], "  /local/domain/0/backend/vdispl/");
    has(out[0], "      be-alloc = \"1\" (n0,r");
    has(out[0], "        resolution = \"1920x1080\" (n0,r");
    has(out[0], "          type = \"c\" (n");
    has(out[0], "vdispl_add again = -17\n");
    has(out[0], "vsnd_add again = -17\n");
    has(out[0], "            \"req_rref\": -5,\n");
    has(out[0], "            \"req_evtch\": 1215752191,\n");
    has(out[0], "        \"channels_min\": 4294967295,\n");
    has(out[0], "  getinfo = -3\n");
    has(out[0], "vsnd_list: NULL num 0\n");
    has(out[0], "retrieve = 0: 1 vdispls, 0 vsnds\n");
    has(out[0], "vdispl_remove = 0\nvsnd_destroy = 0\n");
    has(out[0], "vdispl_add(no such domain) = -15\n");
    for (int w = 0; w < 3; w++) free(out[w]);
}

TEST(vsnd_getinfo_of_an_absent_card_fails_cleanly, 60)
{
    const char *args[] = { "crash", id, NULL };

    for (int w = 1; w < 3; w++) {
        char dir[PATH_MAX], *out;

        snprintf(dir, sizeof(dir), "%s/%s", base, way_names[w]);
        out = dropin_run_private(w == 2 ? PROBE_OURS : PROBE_DEBIAN, args,
                                 preload_env, true, dir);
        ck_assert_str_eq(out, "vsnd_getinfo(absent) = -3\n");
        free(out);
    }
}
