/*
 * dropin_nic.c: the drop-in probe of the nic calls (libxl_device_nic_add,
 * _remove, _destroy, _list, _getinfo, libxl_devid_to_device_nic,
 * libxl_mac_to_device_nic and the nics of
 * libxl_retrieve_domain_configuration). Built against Debian's headers and
 * library (dropin-nic-debian) and against lightcore's (dropin-nic-ours);
 * tests/integration/ops/test_dropin_nic.c runs it on a simulated host with
 * device drivers, inside private /var/lib/xen directories, and compares
 * what each run prints: every result, the nics read back, the error log
 * lines (without their FILE:LINE:FUNCTION prefix, with pids masked, a
 * line repeated at once counted once), the xenstore directories of the guest's devices, its
 * backends and the toolstack's records with their permissions, and the
 * hotplug script's calls. The directories are dumped once every nic the
 * script connected is Connected at both ends (netback and netfront finish
 * after the add has returned).
 *
 * A MAC address the library made up (a nic added without one) is random:
 * the probe checks it is in Xen's range (00:16:3e, locally unique half)
 * and prints it as RANDOM-MAC wherever it appears.
 *
 * Commands (one per run):
 *   store DOMID CONFIG      store CONFIG's text as the domain's
 *                           configuration ("libxl-json", with its NUL)
 *   scenario DOMID SCRIPT   add, read back, refuse, remove and destroy
 *                           nics with the hotplug script SCRIPT (which
 *                           logs its calls to SCRIPT.log)
 *   hvm DOMID SCRIPT        an HVM guest's nics: the default type of a
 *                           hotplugged one, an emulated one; destroyed
 *   add DOMID DEVID SCRIPT [IP]
 *                           one add of a nic with a fixed MAC (and the
 *                           guest's IP, which vif-route and vif-nat use)
 *   info DOMID DEVID        one getinfo
 *   remove DOMID DEVID      one remove
 *   links DOMID             the interfaces on the bridge xenbr0, and the
 *                           vifs (for the real vif-bridge)
 *   bridge DOMID            the interfaces on the bridge only (the vifs
 *                           go when netback lets them go, after remove)
 *   tree DOMID              the directories only
 *   routes DOMID            the vifs' addresses, routes and proxy_arp
 *                           (for the real vif-route and vif-nat)
 */
#include <dirent.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

/* The random MACs seen so far, as text: replaced in everything printed. */
static char randoms[4][18];
static int nrandoms;

/* printf, with the random MACs masked. */
static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    char buf[8192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    for (int i = 0; i < nrandoms; i++) {
        char *p;
        while ((p = strstr(buf, randoms[i]))) {
            memcpy(p, "RANDOM-MAC", 10);
            memmove(p + 10, p + 17, strlen(p + 17) + 1);
        }
    }
    fputs(buf, stdout);
}

#define printf(...) out(__VA_ARGS__)
#include "probe_logger.h"
#include "probe_devices.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    probe_log_errors_once(level, errnoval, context, msg);
}

static libxl_ctx *ctx;
static struct xs_handle *xsh;

/* ------------------------------------------------------------ the trees */

/* Whether every vif of domid whose script said "connected" has its
 * backend and frontend Connected (netback and netfront finish on their
 * own after the add returns). */
static bool settled(uint32_t domid)
{
    char dir[64];
    unsigned n = 0;
    char **ids;
    bool ok = true;

    snprintf(dir, sizeof(dir), "/local/domain/0/backend/vif/%u", domid);
    ids = xs_directory(xsh, XBT_NULL, dir, &n);
    for (unsigned i = 0; ids && i < n && ok; i++) {
        char path[256], *hs, *st, *fe, *fst = NULL;

        snprintf(path, sizeof(path), "%s/%s/hotplug-status", dir, ids[i]);
        hs = xs_read(xsh, XBT_NULL, path, NULL);
        snprintf(path, sizeof(path), "%s/%s/state", dir, ids[i]);
        st = xs_read(xsh, XBT_NULL, path, NULL);
        snprintf(path, sizeof(path), "%s/%s/frontend", dir, ids[i]);
        fe = xs_read(xsh, XBT_NULL, path, NULL);
        if (fe) {
            snprintf(path, sizeof(path), "%s/state", fe);
            fst = xs_read(xsh, XBT_NULL, path, NULL);
        }
        if (hs && !strcmp(hs, "connected"))
            ok = st && !strcmp(st, "4") && fst && !strcmp(fst, "4");
        free(hs);
        free(st);
        free(fe);
        free(fst);
    }
    free(ids);
    return ok;
}

static bool settled_of(void *domid)
{
    return settled(*(uint32_t *)domid);
}

/* Waits (watching xenstore, at most 10 s) until settled. */
static void settle(uint32_t domid)
{
    char fe[64];
    const char *paths[] = { "/local/domain/0/backend", fe };

    snprintf(fe, sizeof(fe), "/local/domain/%u/device", domid);
    probe_xs_settle(xsh, paths, 2, settled_of, &domid, 10000);
}

static void tree(uint32_t domid)
{
    settle(domid);
    probe_device_trees(xsh, domid);
}

/* ------------------------------------------------------------ helpers */

static void print_json(const char *what, char *json)
{
    probe_log_forget_last();
    printf("%s %s\n", what, json ? json : "(null)");
    free(json);
}

static const uint8_t fixed_mac[6] = { 0x00, 0x16, 0x3e, 0x0a, 0x0b, 0x0c };

static void nic_of(libxl_device_nic *nic, int devid, const char *script)
{
    libxl_device_nic_init(nic);
    nic->devid = devid;
    nic->script = script ? strdup(script) : NULL;
    nic->bridge = strdup("xenbr0");
    memcpy(nic->mac, fixed_mac, 6);
}

/* A MAC the library made up: in Xen's range, then masked. */
static void note_random(const libxl_mac mac)
{
    if (mac[0] || mac[1] != 0x16 || mac[2] != 0x3e || (mac[3] & 0x80)) {
        printf("made-up MAC out of range: %02x:%02x:%02x:%02x:%02x:%02x\n",
               mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
        return;
    }
    if (nrandoms < 4)
        snprintf(randoms[nrandoms++], 18, "%02x:%02x:%02x:%02x:%02x:%02x",
                 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static int add(uint32_t domid, libxl_device_nic *nic, const char *what)
{
    bool random = !nic->mac[0] && !nic->mac[1] && !nic->mac[2] &&
                  !nic->mac[3] && !nic->mac[4] && !nic->mac[5];
    int rc = libxl_device_nic_add(ctx, domid, nic, NULL);

    if (random && nic->mac[1]) note_random(nic->mac);
    printf("add %s rc=%d\n", what, rc);
    probe_log_forget_last();
    if (!rc) print_json("  as added:", libxl_device_nic_to_json(ctx, nic));
    return rc;
}

typedef int remove_fn(libxl_ctx *, uint32_t, libxl_device_nic *,
                      const libxl_asyncop_how *);

static void removal(const char *what, remove_fn *fn, uint32_t domid,
                    int devid)
{
    libxl_device_nic nic;

    libxl_device_nic_init(&nic);
    nic.devid = devid;
    printf("%s %d rc=%d\n", what, devid, fn(ctx, domid, &nic, NULL));
    libxl_device_nic_dispose(&nic);
}

static void read_back(uint32_t domid)
{
    libxl_domain_config config;
    libxl_device_nic *nics, nic;
    int n = -1, rc;

    nics = libxl_device_nic_list(ctx, domid, &n);
    printf("list n=%d\n", n);
    for (int i = 0; i < n; i++) {
        libxl_nicinfo info;

        print_json("  nic", libxl_device_nic_to_json(ctx, &nics[i]));
        libxl_nicinfo_init(&info);
        rc = libxl_device_nic_getinfo(ctx, domid, &nics[i], &info);
        printf("  getinfo rc=%d\n", rc);
        if (!rc) print_json("  info", libxl_nicinfo_to_json(ctx, &info));
        libxl_nicinfo_dispose(&info);
    }
    libxl_device_nic_list_free(nics, n);

    for (const int *d = (const int[]){ 0, 1, 7, -1, 99 }; *d != 99; d++) {
        rc = libxl_devid_to_device_nic(ctx, domid, *d, &nic);
        printf("devid_to_device_nic %d rc=%d\n", *d, rc);
        if (!rc) print_json("  nic", libxl_device_nic_to_json(ctx, &nic));
        libxl_device_nic_dispose(&nic);
    }

    for (const char *const *m = (const char *const[]){
             "00:16:3e:0a:0b:0c", "00:16:3E:0A:0B:0C", "00:16:3e:0a:0b:0c:",
             "00:16:3e:0a:0b:0c:ff", "00:16:3e:0a:0b:0d", "0:16:3e:a:b:c",
             "00:16:3e:0a:0b", "zz:16:3e:0a:0b:0c", "00-16-3e-0a-0b-0c", "",
             "00:16:3e:0a:0b:0cx", NULL }; *m; m++) {
        memset(&nic, 0, sizeof(nic));
        rc = libxl_mac_to_device_nic(ctx, domid, *m, &nic);
        printf("mac_to_device_nic \"%s\" rc=%d\n", *m, rc);
        if (!rc) {
            print_json("  nic", libxl_device_nic_to_json(ctx, &nic));
            libxl_device_nic_dispose(&nic);
        }
    }

    libxl_domain_config_init(&config);
    rc = libxl_retrieve_domain_configuration(ctx, domid, &config, NULL);
    printf("retrieve rc=%d num_nics=%d\n", rc, config.num_nics);
    for (int i = 0; !rc && i < config.num_nics; i++)
        print_json("  nic", libxl_device_nic_to_json(ctx, &config.nics[i]));
    libxl_domain_config_dispose(&config);
}

/* The script's log (SCRIPT.log), printed and emptied. */
static void script_calls(const char *script)
{
    char path[4096], line[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s.log", script);
    f = fopen(path, "r");
    printf("script calls:\n");
    if (!f) return;
    while (fgets(line, sizeof(line), f)) printf("  %s", line);
    fclose(f);
    if (truncate(path, 0)) printf("  (cannot empty the log)\n");
}

/* ------------------------------------------------------------ commands */

static void scenario(uint32_t domid, const char *script)
{
    libxl_device_nic nic;
    libxl_nicinfo info;

    /* the first nic: a fixed MAC, the next free devid */
    nic_of(&nic, -1, script);
    add(domid, &nic, "first");
    libxl_device_nic_dispose(&nic);
    script_calls(script);
    tree(domid);

    /* the second: a made-up MAC, and every setting written to xenstore */
    libxl_device_nic_init(&nic);
    nic.script = strdup(script);
    nic.ifname = strdup("vif-second");
    nic.ip = strdup("192.0.2.7");
    nic.gatewaydev = strdup("eth9");
    nic.mtu = 9000;
    nic.rate_bytes_per_interval = 125000;
    nic.rate_interval_usecs = 50000;
    nic.model = strdup("e1000");
    nic.coloft_forwarddev = strdup("fwd0");
    nic.colo_compare_out = strdup("cmp-out");
    libxl_defbool_set(&nic.trusted, false);
    add(domid, &nic, "second");
    libxl_device_nic_dispose(&nic);
    script_calls(script);
    tree(domid);
    read_back(domid);

    /* refused */
    nic_of(&nic, 0, script);                  /* that devid exists */
    add(domid, &nic, "duplicate");
    libxl_device_nic_dispose(&nic);
    nic_of(&nic, 5, script);                  /* no such domain */
    add(4242, &nic, "no-domain");
    libxl_device_nic_dispose(&nic);
    nic_of(&nic, 5, script);                  /* emulated, on a PV guest */
    nic.nictype = LIBXL_NIC_TYPE_VIF_IOEMU;
    add(domid, &nic, "ioemu-on-pv");
    libxl_device_nic_dispose(&nic);
    nic_of(&nic, 5, script);                  /* no such backend domain */
    nic.backend_domname = strdup("no-such-domain");
    add(domid, &nic, "bad-backend-name");
    libxl_device_nic_dispose(&nic);
    nic_of(&nic, -7, script);                 /* a devid that is not one */
    add(domid, &nic, "negative-devid");
    libxl_device_nic_dispose(&nic);
    libxl_device_nic_init(&nic);
    nic.devid = 7;
    libxl_nicinfo_init(&info);
    printf("getinfo absent rc=%d\n", libxl_device_nic_getinfo(ctx, domid,
                                                              &nic, &info));
    libxl_nicinfo_dispose(&info);
    libxl_device_nic_dispose(&nic);
    script_calls(script);
    tree(domid);

    /* both go */
    removal("remove", libxl_device_nic_remove, domid, 0);
    removal("destroy", libxl_device_nic_destroy, domid, 1);
    script_calls(script);
    tree(domid);
    read_back(domid);

    /* gone already */
    removal("destroy absent", libxl_device_nic_destroy, domid, 0);
    removal("remove absent", libxl_device_nic_remove, domid, 1);
    removal("remove no-domain", libxl_device_nic_remove, 4242, 0);
    script_calls(script);
    tree(domid);
}

/* An HVM guest's nics: the type a hotplugged nic gets by default, and an
 * emulated one (whose script runs twice each way). */
static void hvm(uint32_t domid, const char *script)
{
    libxl_device_nic nic;

    nic_of(&nic, -1, script);
    add(domid, &nic, "hvm-default");
    libxl_device_nic_dispose(&nic);
    script_calls(script);
    nic_of(&nic, -1, script);
    nic.mac[5] = 0x0d;
    nic.nictype = LIBXL_NIC_TYPE_VIF_IOEMU;
    add(domid, &nic, "hvm-ioemu");
    libxl_device_nic_dispose(&nic);
    script_calls(script);
    tree(domid);
    read_back(domid);
    removal("destroy", libxl_device_nic_destroy, domid, 0);
    removal("destroy", libxl_device_nic_destroy, domid, 1);
    script_calls(script);
    tree(domid);
}

/* The network interfaces the bridge xenbr0 has, and the vifs there are
 * (this network namespace's, through a sysfs mounted in it). */
static void links(bool vifs)
{
    const char *dirs[] = { "/sys/class/net/xenbr0/brif", "/sys/class/net" };

    for (int i = 0; i < (vifs ? 2 : 1); i++) {
        struct dirent **names;
        int n = scandir(dirs[i], &names, NULL, alphasort);

        printf("%s:", i ? "vifs" : "on xenbr0");
        for (int j = 0; j < n; j++) {
            if (names[j]->d_name[0] != '.' &&
                (!i || !strncmp(names[j]->d_name, "vif", 3)))
                printf(" %s", names[j]->d_name);
            free(names[j]);
        }
        printf("%s\n", n < 0 ? " (none)" : "");
        if (n >= 0) free(names);
    }
}

/* What vif-route and vif-nat set up: the vifs' IPv4 addresses, the
 * routes through them and their proxy_arp switch, as ip(8) and /proc
 * show them (in the test's private network namespace). */
static void routes(void)
{
    static const char *const cmds[] = {
        "ip -4 -o addr show | awk '$2 ~ /^vif/ {print $2, $4}'",
        "ip -4 route show | grep ' dev vif'",
        "for f in /proc/sys/net/ipv4/conf/vif*/proxy_arp; do"
        " [ -e \"$f\" ] && echo \"$f $(cat \"$f\")\"; done",
    };
    static const char *const names[] = { "addresses", "routes",
                                         "proxy_arp" };

    for (int i = 0; i < 3; i++) {
        char line[512];
        FILE *f = popen(cmds[i], "r");

        printf("%s:\n", names[i]);
        if (!f) continue;
        while (fgets(line, sizeof(line), f)) printf("  %s", line);
        pclose(f);
    }
}

int main(int argc, char **argv)
{
    uint32_t domid;
    int rc = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) return 2;
    domid = (uint32_t)strtoul(argv[2], NULL, 10);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) return 3;
    xsh = xs_open(0);
    if (!xsh) return 4;
    if (!strcmp(argv[1], "store") && argc == 4) {
        rc = probe_store_config(ctx, domid, argv[3]);
    } else if (!strcmp(argv[1], "scenario") && argc == 4) {
        scenario(domid, argv[3]);
    } else if (!strcmp(argv[1], "add") && (argc == 5 || argc == 6)) {
        libxl_device_nic nic;
        nic_of(&nic, atoi(argv[3]), argv[4]);
        if (argc == 6) nic.ip = strdup(argv[5]);   /* vif-route, vif-nat */
        add(domid, &nic, argv[3]);
        libxl_device_nic_dispose(&nic);
        script_calls(argv[4]);
    } else if (!strcmp(argv[1], "hvm") && argc == 4) {
        hvm(domid, argv[3]);
    } else if (!strcmp(argv[1], "info") && argc == 4) {
        libxl_device_nic nic;
        libxl_nicinfo info;
        int rc;

        libxl_device_nic_init(&nic);
        nic.devid = atoi(argv[3]);
        libxl_nicinfo_init(&info);
        rc = libxl_device_nic_getinfo(ctx, domid, &nic, &info);
        printf("getinfo %d rc=%d\n", nic.devid, rc);
        if (!rc) print_json("  info", libxl_nicinfo_to_json(ctx, &info));
        libxl_nicinfo_dispose(&info);
        libxl_device_nic_dispose(&nic);
    } else if (!strcmp(argv[1], "remove") && argc == 4) {
        removal("remove", libxl_device_nic_remove, domid, atoi(argv[3]));
    } else if (!strcmp(argv[1], "links")) {
        links(true);
    } else if (!strcmp(argv[1], "bridge")) {
        links(false);
    } else if (!strcmp(argv[1], "tree")) {
        tree(domid);
    } else if (!strcmp(argv[1], "routes")) {
        routes();
    } else {
        rc = 2;
    }
    xs_close(xsh);
    libxl_ctx_free(ctx);
    return rc;
}
