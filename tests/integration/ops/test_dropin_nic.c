/*
 * test_dropin_nic.c: nics (vif) as a drop-in for Debian's libxenlight
 * 4.17. tests/abi/dropin_nic.c is built against Debian's headers and
 * library and against ours; each run gets a simulated host of its own
 * (with its device drivers, netback among them: tests/sim/README.md
 * "Devices"), a guest that runs its frontends, its stored configuration,
 * private /var/lib/xen directories, and a hotplug script that does what
 * `vif-bridge` tells netback (hotplug-status connected) without touching
 * a bridge, and logs how it was called. Debian's run, Debian's binary on
 * lightcore (ABI) and ours (API) must print the same: every result, the
 * nics read back (list, getinfo, devid_to_device, mac_to_device, the
 * retrieved configuration), the error lines, the script's calls (arguments
 * and environment) and the xenstore directories with their permissions.
 *
 * With root, Debian's own /etc/xen/scripts/vif-bridge, vif-route and
 * vif-nat run too, in private network and mount namespaces (a bridge
 * xenbr0 and a dom0 "eth0" (a veth) made there, the simulated netback making vif1.0
 * there, sysfs mounted for them):
 * without root (or under a sanitizer, whose runtime the script's programs
 * would inherit) that test says it skipped.
 *
 * Where lightcore differs on purpose (README "Deliberate differences"): a
 * failed add is undone. A script that fails leaves the frontend, backend
 * and /libxl nodes and the JSON entry behind in libxl (and the next add of
 * the same devid is refused with ERROR_DEVICE_EXISTS); lightcore runs the
 * script's "offline" and leaves nothing.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropin.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

#define PROBE_DEBIAN "tests/dropin-nic-debian"
#define PROBE_OURS   "tests/dropin-nic-ours"

static char base[] = "/tmp/dropin-nic.XXXXXX";
static char script[PATH_MAX], failing[PATH_MAX], config[PATH_MAX],
            hvm_config[PATH_MAX];

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* Test scripts run with no LD_PRELOAD (env -u): neither the shell nor
 * xenstore-write needs the simulator's preload, and under the sanitizer
 * builds the inherited runtime crashes them. */
static void setup(void)
{
    /* Under check-asan the probes run with AddressSanitizer preloaded:
     * Debian's library leaks in these calls (its own code), which would
     * fail Debian's run. lightcore's runs have the same setting
     * (dropin.c). */
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(script, sizeof(script), "%s/vif-test", base);
    snprintf(failing, sizeof(failing), "%s/vif-fails", base);
    snprintf(config, sizeof(config), "%s/config.json", base);
    snprintf(hvm_config, sizeof(hvm_config), "%s/hvm.json", base);
    /* what vif-bridge tells netback, and a line per call in $0.log */
    write_file(script,
               "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
               "echo \"$1 $2 vif=$vif netdev=$netdev"
               " XENBUS_PATH=$XENBUS_PATH XENBUS_TYPE=$XENBUS_TYPE"
               " XENBUS_BASE_PATH=$XENBUS_BASE_PATH"
               " INTERFACE=${INTERFACE-unset} script=$script\" >> \"$0.log\"\n"
               "if [ \"$1\" = online ]; then\n"
               "  xenstore-write \"$XENBUS_PATH/hotplug-status\" connected\n"
               "fi\n", 0755);
    write_file(failing,
               "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
               "echo \"$1 $2 vif=$vif\" >> \"$0.log\"\n"
               "[ \"$1\" = online ] || exit 0\n"
               "xenstore-write \"$XENBUS_PATH/hotplug-error\" \"no luck\"\n"
               "exit 1\n", 0755);
    write_file(config,
               "{\"c_info\":{\"type\":\"pv\",\"name\":\"vm\"},"
               "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
               "\"target_memkb\":65536,\"type.pv\":{}}}", 0644);
    write_file(hvm_config,
               "{\"c_info\":{\"type\":\"hvm\",\"name\":\"hvm\"},"
               "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
               "\"target_memkb\":65536,\"type.hvm\":{}}}", 0644);
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
}

TEST_FIXTURE(setup, teardown);

static const char *const way_names[] = { "debian", "abi", "api" };

/*
 * On a host of its own with one guest (domid 1: PV, or HVM when hvm is
 * set) and its configuration, the probe run with each of cmds
 * (NULL-terminated) in turn, one of the three ways; what they printed, one
 * after the other.
 */
static char *run_guest_way(bool hvm, int way, const char *const *const cmds[])
{
    simhost *host = simhost_start();
    char dir[PATH_MAX], preload[PATH_MAX * 2 + 32], *all, *store;
    const char *prog = way == 2 ? PROBE_OURS : PROBE_DEBIAN;
    const char *store_args[] = { "store", "1", hvm ? hvm_config : config,
                                 NULL };
    size_t len = 0;

    ck_assert_ptr_nonnull(host);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    if (hvm)
        ck_assert_int_eq(simhost_create_hvm_domain("hvm", "hvm", "obey"), 1);
    else
        ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 1);
    snprintf(dir, sizeof(dir), "%s/%s-%s", base, cmds[0][0], way_names[way]);
    store = dropin_run_private(prog, store_args, preload, way != 0, dir);
    ck_assert_str_eq(store, "store rc=0\n");
    free(store);
    all = calloc(1, 1);
    ck_assert_ptr_nonnull(all);
    for (int i = 0; cmds[i]; i++) {
        char *out = dropin_run_private(prog, cmds[i], preload, way != 0,
                                       dir);
        all = realloc(all, len + strlen(out) + 1);
        ck_assert_ptr_nonnull(all);
        memcpy(all + len, out, strlen(out) + 1);
        len += strlen(out);
        free(out);
    }
    ck_assert_int_eq(simhost_stop(host), 0);
    return all;
}

static char *run_way(int way, const char *const *const cmds[])
{
    return run_guest_way(false, way, cmds);
}

TEST(nic_calls_same_on_debian_and_lightcore, 120)
{
    const char *args[] = { "scenario", "1", script, NULL };
    const char *const *const cmds[] = { args, NULL };
    char *out[3], line[PATH_MAX + 256];

    for (int w = 0; w < 3; w++) out[w] = run_way(w, cmds);
    dropin_assert_same(out[0], out[1], out[2]);
    /* what the run went through, as Debian's library did it */
    ck_assert_ptr_nonnull(strstr(out[0], "add first rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "    \"devid\": 0,\n"
                                         "    \"mtu\": 1500,\n"
                                         "    \"model\": \"rtl8139\",\n"
                                         "    \"mac\": \"00:16:3e:0a:0b:0c\",\n"
                                         "    \"bridge\": \"xenbr0\",\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add second rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "    \"devid\": 1,\n"
                                         "    \"mtu\": 9000,\n"
                                         "    \"model\": \"e1000\",\n"
                                         "    \"mac\": \"RANDOM-MAC\",\n"));
    ck_assert_ptr_null(strstr(out[0], "made-up MAC out of range"));
    snprintf(line, sizeof(line), "  online type_if=vif vif=vif1.1"
             " netdev=eth9 XENBUS_PATH=backend/vif/1/1 XENBUS_TYPE=vif"
             " XENBUS_BASE_PATH=backend INTERFACE=unset script=%s\n",
             script);
    ck_assert_ptr_nonnull(strstr(out[0], line));
    ck_assert_ptr_nonnull(strstr(out[0], "    rate = \"125000,50000\""
                                         " (n0,r1)\n"
                                         "    mtu = \"9000\" (n0,r1)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "   mtu = \"1500\" (n0,r1)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "list n=2\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "retrieve rc=0 num_nics=2\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "devid_to_device_nic 7 rc=-23\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "mac_to_device_nic"
                                         " \"00:16:3E:0A:0B:0C\" rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "mac_to_device_nic"
                                         " \"0:16:3e:a:b:c\" rc=-6\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add duplicate rc=-17\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add no-domain rc=-3\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add ioemu-on-pv rc=-6\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "remove 0 rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "destroy 1 rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "  offline type_if=vif vif=vif1.0"));
    ck_assert_ptr_nonnull(strstr(out[0], "list n=0\n"));
    /* the backend connected: the frontend ran and the script was heard */
    ck_assert_ptr_nonnull(strstr(out[0], "hotplug-status = \"connected\""));
    ck_assert_ptr_nonnull(strstr(out[0], "tx-ring-ref = "));
    /* and at the end nothing is left */
    ck_assert_ptr_nonnull(strstr(out[0], "/libxl/1/device: none\n"
                                         "/local/domain/0/backend: none\n"));
    for (int w = 0; w < 3; w++) free(out[w]);
}

TEST(failed_nic_add_is_undone_on_lightcore, 120)
{
    const char *bad[] = { "add", "1", "0", failing, NULL };
    const char *tree[] = { "tree", "1", NULL };
    const char *good[] = { "add", "1", "0", script, NULL };
    const char *const *const cmds[] = { bad, tree, good, NULL };
    static const char failed[] =
        "script: no luck\n"
        "  log 8 libxl [errno -1] Domain 1:Unable to add vif with id 0\n"
        "add 0 rc=-3\n";
    char *out[3];

    for (int w = 0; w < 3; w++) out[w] = run_way(w, cmds);
    /* libxl: the script's error, its nodes left behind, the nic refused
     * next time */
    ck_assert_ptr_nonnull(strstr(out[0], failed));
    ck_assert_ptr_nonnull(strstr(out[0], "script calls:\n"
                                         "  online type_if=vif vif=vif1.0\n"
                                         "/local/domain/1/device"));
    ck_assert_ptr_nonnull(strstr(out[0], "  0 = \"\" (n1,r0)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "/libxl/1/device = \"\" (n0)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "    hotplug-error = \"no luck\""));
    ck_assert_ptr_nonnull(strstr(out[0], "add 0 rc=-17\n"));
    /* lightcore: the same error lines and result, ... */
    for (int w = 1; w < 3; w++) {
        size_t len = (size_t)(strstr(out[0], failed) - out[0]) +
                     sizeof(failed) - 1;
        ck_assert_msg(!strncmp(out[0], out[w], len), "%s failed otherwise:"
                      "\n--- debian\n%.*s--- lightcore\n%.*s", way_names[w],
                      (int)len, out[0], (int)len, out[w]);
    }
    /* ... then the script's "offline", nothing left, the next add works */
    dropin_assert_same(out[1], out[1], out[2]);
    ck_assert_ptr_nonnull(strstr(out[1], failed));
    ck_assert_ptr_nonnull(strstr(out[1], "script calls:\n"
                                         "  online type_if=vif vif=vif1.0\n"
                                         "  offline type_if=vif vif=vif1.0\n"));
    ck_assert_ptr_nonnull(strstr(out[1], "/libxl/1/device: none\n"
                                         "/local/domain/0/backend: none\n"));
    ck_assert_ptr_nonnull(strstr(out[1], "add 0 rc=0\n"));
    for (int w = 0; w < 3; w++) free(out[w]);
}

/* An HVM guest: a hotplugged nic is a PV one unless told (VIF, not
 * VIF_IOEMU); an emulated one runs its script twice each way (the vif,
 * then the tap: INTERFACE is vifD.N-emu). */
TEST(hvm_nics_same_on_debian_and_lightcore, 120)
{
    const char *args[] = { "hvm", "1", script, NULL };
    const char *const *const cmds[] = { args, NULL };
    char *out[3];

    for (int w = 0; w < 3; w++) out[w] = run_guest_way(true, w, cmds);
    dropin_assert_same(out[0], out[1], out[2]);
    ck_assert_ptr_nonnull(strstr(out[0], "add hvm-default rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "    \"nictype\": \"vif\",\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add hvm-ioemu rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "  online type_if=vif vif=vif1.1"
                                         " netdev= XENBUS_PATH=backend/vif/1/1"
                                         " XENBUS_TYPE=vif XENBUS_BASE_PATH="
                                         "backend INTERFACE=vif1.1-emu"));
    ck_assert_ptr_nonnull(strstr(out[0], "  add type_if=tap vif=vif1.1"));
    ck_assert_ptr_nonnull(strstr(out[0], "   type = \"vif_ioemu\" (n0)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "destroy 1 rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "  remove type_if=tap vif=vif1.1"));
    ck_assert_ptr_nonnull(strstr(out[0], "/libxl/1/device: none\n"
                                         "/local/domain/0/backend: none\n"));
    for (int w = 0; w < 3; w++) free(out[w]);
}

/* The numbers libxl_nicinfo takes from the frontend are the guest's: any
 * text it writes there is read as libxl reads it (strtoul, cut to an int),
 * never trusted further. */
TEST(hostile_frontend_values_read_as_libxl_reads_them, 120)
{
    static const char *const values[][2] = {
        { "device/vif/0/state", "4 and then some" },
        { "device/vif/0/event-channel", "-5" },
        { "device/vif/0/tx-ring-ref", "99999999999999999999999" },
        { "device/vif/0/rx-ring-ref", "  0x1f" },  /* 0: not printed */
    };
    const char *add[] = { "add", "1", "0", script, NULL };
    const char *info[] = { "info", "1", "0", NULL };
    char *out[3];

    for (int w = 0; w < 3; w++) {
        simhost *host = simhost_start();
        char dir[PATH_MAX], preload[PATH_MAX * 2 + 32], *o1, *o2, *store;
        const char *prog = w == 2 ? PROBE_OURS : PROBE_DEBIAN;
        const char *store_args[] = { "store", "1", config, NULL };

        ck_assert_ptr_nonnull(host);
        snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
        ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 1);
        /* the guest's netfront stays out of it: its values stand */
        ck_assert_int_eq(simhost_guest_frontends(1, false), 0);
        snprintf(dir, sizeof(dir), "%s/hostile-%s", base, way_names[w]);
        store = dropin_run_private(prog, store_args, preload, w != 0, dir);
        free(store);
        o1 = dropin_run_private(prog, add, preload, w != 0, dir);
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
            ck_assert_int_eq(simhost_guest_write(1, values[i][0],
                                                 values[i][1]), 0);
        o2 = dropin_run_private(prog, info, preload, w != 0, dir);
        ck_assert_int_ge(asprintf(&out[w], "%s%s", o1, o2), 0);
        free(o1);
        free(o2);
        ck_assert_int_eq(simhost_stop(host), 0);
    }
    dropin_assert_same(out[0], out[1], out[2]);
    ck_assert_ptr_nonnull(strstr(out[0], "add 0 rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "getinfo 0 rc=0\n"));
    ck_assert_msg(strstr(out[0], "    \"state\": 4,\n"
                                         "    \"evtch\": -5,\n"
                                         "    \"rref_tx\": -1\n}"), "%s",
                  out[0]);
    for (int w = 0; w < 3; w++) free(out[w]);
}

#define VIF_BRIDGE "/etc/xen/scripts/vif-bridge"
#define VIF_ROUTE  "/etc/xen/scripts/vif-route"
#define VIF_NAT    "/etc/xen/scripts/vif-nat"

/*
 * Whether Debian's script can run here, in private mount and network
 * namespaces entered now (sysfs mounted for them, where the simulated
 * netback makes its links: tests/sim/README.md), with an "eth0" holding
 * 192.0.2.1/24 (the dom0 address vif-route takes) and a bridge xenbr0.
 * Says why not when it cannot.
 */
static bool enter_private_net(const char *script)
{
    char ns[64];
    ssize_t n;

    if (geteuid() != 0) {
        fprintf(stderr, "skipped: the real %s needs root (private network"
                " namespace)\n", script);
        return false;
    }
    if (getenv("SAN_PRELOAD") && *getenv("SAN_PRELOAD")) {
        /* the script's programs inherit the sanitizer's runtime and the
         * simulator's preload, and logger(1) deadlocks under both */
        fprintf(stderr, "skipped: the real %s is not run under a"
                " sanitizer\n", script);
        return false;
    }
    if (access(script, X_OK)) {
        fprintf(stderr, "skipped: no %s\n", script);
        return false;
    }
    if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0) {
        fprintf(stderr, "skipped: unshare: %s\n", strerror(errno));
        return false;
    }
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    ck_assert_int_eq(mount("sysfs", "/sys", "sysfs", 0, NULL), 0);
    ck_assert_int_eq(system("ip link set lo up &&"
                            " ip link add eth0 type veth peer name eth0-peer &&"
                            " ip addr add 192.0.2.1/24 dev eth0 &&"
                            " ip link set eth0 up &&"
                            " ip link add xenbr0 type bridge &&"
                            " ip link set xenbr0 up"), 0);
    n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
    ck_assert_int_gt(n, 0);
    ns[n] = '\0';
    setenv("XENSIM_NETBACK_LINKS", ns, 1);
    return true;
}

/* Debian's vif-bridge, unchanged: on each library the nic's interface
 * (made by the simulated netback) joins the bridge on add and leaves it
 * on remove, and the script tells netback it is connected. */
TEST(real_vif_bridge_same_on_debian_and_lightcore, 120)
{
    const char *add[] = { "add", "1", "0", VIF_BRIDGE, NULL };
    const char *links[] = { "links", "1", NULL };
    const char *bridge[] = { "bridge", "1", NULL };
    const char *tree[] = { "tree", "1", NULL };
    const char *rm[] = { "remove", "1", "0", NULL };
    const char *const *const cmds[] = { add, links, tree, rm, bridge, tree,
                                        NULL };
    char *out[3];

    if (!enter_private_net(VIF_BRIDGE)) return;
    for (int w = 0; w < 3; w++) out[w] = run_way(w, cmds);
    dropin_assert_same(out[0], out[1], out[2]);
    ck_assert_ptr_nonnull(strstr(out[0], "add 0 rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "on xenbr0: vif1.0\n"
                                         "vifs: vif1.0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "    hotplug-status = \"connected\""
                                         " (n0,r1)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "remove 0 rc=0\n"
                                         "on xenbr0:\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "/libxl/1/device: none\n"
                                         "/local/domain/0/backend: none\n"));
    for (int w = 0; w < 3; w++) free(out[w]);
}

/*
 * Debian's routing script (vif-route or vif-nat), unchanged, for a nic
 * with the guest's IP ip, run by each library: what it set up once the
 * add returned must contain set_up and also (unless NULL) (the vif's
 * addresses, routes and proxy ARP as the probe's "routes" prints them),
 * and all of it goes with the vif on remove.
 */
static void routing_script_same(const char *script, const char *ip,
                                const char *set_up, const char *also)
{
    const char *add[] = { "add", "1", "0", script, ip, NULL };
    const char *routes[] = { "routes", "1", NULL };
    const char *tree[] = { "tree", "1", NULL };
    const char *rm[] = { "remove", "1", "0", NULL };
    const char *const *const cmds[] = { add, routes, tree, rm, routes, tree,
                                        NULL };
    char *out[3];

    if (!enter_private_net(script)) return;
    for (int w = 0; w < 3; w++) out[w] = run_way(w, cmds);
    dropin_assert_same(out[0], out[1], out[2]);
    ck_assert_ptr_nonnull(strstr(out[0], "add 0 rc=0\n"));
    ck_assert_msg(strstr(out[0], set_up), "%s", out[0]);
    ck_assert_msg(!also || strstr(out[0], also), "%s", out[0]);
    ck_assert_ptr_nonnull(strstr(out[0], "    hotplug-status = \"connected\""
                                         " (n0,r1)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "remove 0 rc=0\n"));
    /* gone with the vif */
    ck_assert_ptr_nonnull(strstr(strstr(out[0], "remove 0 rc=0\n"),
                                 "addresses:\nroutes:\nproxy_arp:\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "/libxl/1/device: none\n"
                                         "/local/domain/0/backend: none\n"));
    for (int w = 0; w < 3; w++) free(out[w]);
}

/* vif-route: the vif gets dom0's address (eth0's), a route to the guest's
 * IP through it and proxy ARP (the route is "linkdown": nothing is behind
 * the simulated vif). */
TEST(real_vif_route_same_on_debian_and_lightcore, 120)
{
    routing_script_same(VIF_ROUTE, "198.51.100.7",
                        "addresses:\n  vif1.0 192.0.2.1/32\n"
                        "routes:\n  198.51.100.7 dev vif1.0 scope link"
                        " src 192.0.2.1 metric 2 ",
                        "proxy_arp:\n  /proc/sys/net/ipv4/conf/vif1.0/"
                        "proxy_arp 1\n");
}

/* vif-nat (no dhcpd configuration here, so no DHCP): the vif gets the
 * router address the script derives from the guest's IP and a route to
 * the guest through it. */
TEST(real_vif_nat_same_on_debian_and_lightcore, 120)
{
    routing_script_same(VIF_NAT, "10.0.1.2",
                        "addresses:\n  vif1.0 10.0.1.129/32\n"
                        "routes:\n  10.0.1.2 dev vif1.0 scope link"
                        " src 10.0.1.129 ", NULL);
}
