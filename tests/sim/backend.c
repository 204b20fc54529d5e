/*
 * backend.c: dom0's device backend drivers on the simulated host, as far
 * as a toolstack sees them: a child process of the `xensim host`
 * supervisor, connected to xenstored as dom0, that watches
 * /local/domain/0/backend and steps each backend/KIND/FRONTEND/DEVID
 * through the xenbus states as Linux's blkback, netback and pciback (and
 * QEMU's or user-space backends for the other kinds) do; and the
 * `xensim backend-policy` command that makes a backend misbehave.
 *
 * The drivers are level-triggered: on any change under a device's backend
 * directory or its frontend directory they read both states and do what
 * the real driver would have done on the way there. Values under the
 * frontend directory belong to the guest: they are parsed strictly, and a
 * bad one reads as XenbusStateUnknown, as xenbus_read_driver_state does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "drivers.h"
#include "xbdev.h"
#include "xensim.h"

#define BE_ROOT "/local/domain/0/backend"
#define CMD_SOCKET "backend"

/* ------------------------------------------------------------ policies */

static const char *const policy_names[] = {
    [BEPOL_OBEY] = "obey", [BEPOL_NO_INITWAIT] = "no-initwait",
    [BEPOL_NO_CONNECT] = "no-connect", [BEPOL_NO_CLOSE] = "no-close",
};

int backend_policy_parse(const char *s)
{
    for (int i = 0; i < BEPOL_COUNT; i++)
        if (!strcmp(s, policy_names[i]))
            return i;
    return -1;
}

struct policy {
    unsigned domid;
    char kind[20];               /* "*": every kind */
    int policy;
};

static struct policy policies[256];
static unsigned npolicies;

static int policy_of(unsigned domid, const char *kind)
{
    int any = BEPOL_OBEY;
    for (unsigned i = 0; i < npolicies; i++) {
        if (policies[i].domid != domid)
            continue;
        if (!strcmp(policies[i].kind, kind))
            return policies[i].policy;
        if (!strcmp(policies[i].kind, "*"))
            any = policies[i].policy;
    }
    return any;
}

static int policy_set(unsigned domid, const char *kind, int policy)
{
    for (unsigned i = 0; i < npolicies; i++)
        if (policies[i].domid == domid && !strcmp(policies[i].kind, kind)) {
            policies[i].policy = policy;
            return 0;
        }
    if (policy == BEPOL_OBEY)
        return 0;
    if (npolicies == sizeof(policies) / sizeof(policies[0]))
        return ENOSPC;
    policies[npolicies].domid = domid;
    snprintf(policies[npolicies].kind, sizeof(policies[npolicies].kind), "%s", kind);
    policies[npolicies].policy = policy;
    npolicies++;
    return 0;
}

/* ------------------------------------------------------------ devices */

enum kind_class { K_VBD, K_QDISK, K_VIF, K_PCI, K_GENERIC, K_NONE };

static enum kind_class class_of(const char *kind, unsigned devid)
{
    if (!strcmp(kind, "vbd") || !strcmp(kind, "vbd3"))
        return K_VBD;
    if (!strcmp(kind, "qdisk"))
        return K_QDISK;
    if (!strcmp(kind, "vif"))
        return K_VIF;
    if (!strcmp(kind, "pci"))
        return K_PCI;
    /* The primary console is xenconsoled's, which takes no part in the
     * xenbus protocol. */
    if (!strcmp(kind, "console") && devid == 0)
        return K_NONE;
    return K_GENERIC;
}

struct bdev {
    struct bdev *next;
    char path[160];              /* ROOT/KIND/FE/DEVID */
    char kind[20];
    unsigned fe_domid, devid;
    enum kind_class cls;
    char *fedir;                 /* the frontend directory (watched) */
    bool probed;                 /* InitWait written (the driver is bound) */
    bool link;                   /* vif: the interface exists */
    int seen;                    /* the backend state the driver acts on */
    char ifname[16];
};

#define MAX_ROOTS 8

struct backend {
    struct xsc c;
    struct bdev *devs;
    bool links;                  /* XENSIM_NETBACK_LINKS */
    /* the backend directories served: dom0's, then those of the driver
     * domains `backend-serve` named (their kernels' drivers) */
    char roots[MAX_ROOTS][40];
    unsigned nroots;
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "xensim backend: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static struct bdev *find_dev(struct backend *b, const char *path)
{
    for (struct bdev *d = b->devs; d; d = d->next)
        if (!strcmp(d->path, path))
            return d;
    return NULL;
}

/* netback's remove frees the interface. */
static void drop_link(struct bdev *d)
{
    if (d->link) {
        int e = netlink_del(d->ifname);
        if (e)
            logf_("%s: removing %s: %s", d->path, d->ifname, strerror(e));
        d->link = false;
    }
}

static void forget(struct backend *b, struct bdev *d)
{
    if (d->fedir)
        xb_unwatch(&b->c, d->fedir, "fe");
    drop_link(d);
    for (struct bdev **p = &b->devs; *p; p = &(*p)->next)
        if (*p == d) {
            *p = d->next;
            break;
        }
    logf_("%s: unbound", d->path);
    free(d->fedir);
    free(d);
}

/*
 * Switch the backend's state, only while its directory exists and only
 * from the state the driver decided on (d->seen): ESTALE, nothing
 * written, when somebody else (the toolstack: Closing on a removal)
 * switched it since; the driver looks again at that write's watch event.
 * Linux's xenbus_switch_state writes without comparing (it reads the node
 * only to see that the device still exists), but between its look and its
 * write there are microseconds inside the kernel; here there are xenstore
 * round trips of a process on a loaded host, and blkback's Connected,
 * decided on InitWait, overwrote the Closing a removal wrote meanwhile:
 * blkfront then read Connected at both events and connected, nobody
 * closed, and the removal waited out its 10 s deadline.
 */
static int set_state(struct backend *b, struct bdev *d, int state,
                     const struct xb_kv *kv, size_t n)
{
    int e = xb_guarded_switch(&b->c, d->path, kv, n, d->seen, state);
    if (e == ESTALE)
        logf_("%s: state %d changed under us, not writing %d", d->path, d->seen, state);
    else if (e && e != ENOENT)
        logf_("%s: writing state %d: %s", d->path, state, strerror(e));
    else if (!e) {
        logf_("%s: state %d", d->path, state);
        d->seen = state;
    }
    return e;
}

static char *node(const struct bdev *d, const char *key, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", d->path, key);
    return buf;
}

static unsigned read_uint_or(struct backend *b, const struct bdev *d, const char *key,
                             unsigned dflt)
{
    char p[256];
    unsigned v;
    return xb_read_uint(&b->c, node(d, key, p, sizeof(p)), 0xffffffffu, &v) ? dflt : v;
}

static unsigned cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 4096 ? (unsigned)n : 1;
}

/* Read a sysfs number of the block device major:minor. */
static bool sysfs_uint(unsigned major, unsigned minor, const char *rel,
                       unsigned long long *v)
{
    char p[128];
    snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/%s", major, minor, rel);
    FILE *f = fopen(p, "re");
    if (!f)
        return false;
    bool ok = fscanf(f, "%llu", v) == 1;
    fclose(f);
    return ok;
}

/* ---- blkback */

/* physical-device "MAJOR:MINOR" in hex, as the hotplug script writes it. */
static bool physical_device(struct backend *b, const struct bdev *d, unsigned *major,
                            unsigned *minor)
{
    char p[256], *v = NULL;
    if (xsc_read(&b->c, 0, node(d, "physical-device", p, sizeof(p)), &v))
        return false;
    char *end;
    unsigned long ma = strtoul(v, &end, 16), mi = 0;
    bool ok = end != v && *end == ':';
    if (ok) {
        char *s = end + 1;
        mi = strtoul(s, &end, 16);
        ok = end != s && !*end && ma <= 0xfff && mi <= 0xfffff;
    }
    free(v);
    *major = (unsigned)ma;
    *minor = (unsigned)mi;
    return ok;
}

static bool node_is(struct backend *b, const struct bdev *d, const char *key,
                    const char *value)
{
    char p[256], *v = NULL;
    bool is = xsc_read(&b->c, 0, node(d, key, p, sizeof(p)), &v) == 0 && !strcmp(v, value);
    free(v);
    return is;
}

/* The size of what params names when it is a file (qdisk, or a device we
 * cannot see in sysfs). */
static unsigned long long params_sectors(struct backend *b, const struct bdev *d)
{
    char p[256], *v = NULL;
    unsigned long long s = 0;
    struct stat st;
    if (xsc_read(&b->c, 0, node(d, "params", p, sizeof(p)), &v) == 0) {
        const char *path = strrchr(v, ':') ? strrchr(v, ':') + 1 : v;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            s = (unsigned long long)st.st_size / 512;
    }
    free(v);
    return s;
}

/* What blkback's connect() writes, then Connected. */
static void vbd_connect(struct backend *b, struct bdev *d, unsigned major, unsigned minor)
{
    unsigned long long sectors = 0, lbs = 512, pbs = 512;
    if (!sysfs_uint(major, minor, "size", &sectors))
        sectors = params_sectors(b, d);
    sysfs_uint(major, minor, "queue/logical_block_size", &lbs);
    sysfs_uint(major, minor, "queue/physical_block_size", &pbs);
    unsigned info = 0;
    if (node_is(b, d, "device-type", "cdrom"))
        info |= 1;                           /* VDISK_CDROM */
    if (node_is(b, d, "mode", "r"))
        info |= 4;                           /* VDISK_READONLY */
    bool discard = read_uint_or(b, d, "discard-enable", 1) != 0;
    char s_sectors[32], s_info[16], s_lbs[16], s_pbs[16];
    snprintf(s_sectors, sizeof(s_sectors), "%llu", sectors);
    snprintf(s_info, sizeof(s_info), "%u", info);
    snprintf(s_lbs, sizeof(s_lbs), "%llu", lbs);
    snprintf(s_pbs, sizeof(s_pbs), "%llu", pbs);
    struct xb_kv kv[] = {
        { "feature-flush-cache", "1" }, { "feature-barrier", "1" },
        { "feature-persistent", "1" },
        { "sectors", s_sectors }, { "info", s_info },
        { "sector-size", s_lbs }, { "physical-sector-size", s_pbs },
        /* only when discard is enabled (left last for that) */
        { "feature-discard", "1" }, { "discard-granularity", "4096" },
        { "discard-alignment", "0" }, { "discard-secure", "0" },
    };
    size_t n = sizeof(kv) / sizeof(kv[0]) - (discard ? 0 : 4);
    set_state(b, d, XB_CONNECTED, kv, n);
}

/* ---- the probe: what each driver writes before InitWait */

static int probe(struct backend *b, struct bdev *d)
{
    char q[16], s_sectors[32];
    snprintf(q, sizeof(q), "%u", cpus());
    switch (d->cls) {
    case K_VBD: {
        struct xb_kv kv[] = {
            { "feature-max-indirect-segments", "256" },
            { "multi-queue-max-queues", q }, { "max-ring-page-order", "4" },
        };
        return set_state(b, d, XB_INITWAIT, kv, 3);
    }
    case K_QDISK: {
        /* QEMU's xen-block publishes the disk when it is realized. */
        snprintf(s_sectors, sizeof(s_sectors), "%llu", params_sectors(b, d));
        struct xb_kv kv[] = {
            { "info", node_is(b, d, "mode", "r") ? "4" : "0" },
            { "sector-size", "512" }, { "sectors", s_sectors },
            { "feature-flush-cache", "1" }, { "multi-queue-max-queues", q },
            { "max-ring-page-order", "4" },
        };
        return set_state(b, d, XB_INITWAIT, kv, 6);
    }
    case K_VIF: {
        struct xb_kv kv[] = {
            { "feature-sg", "1" }, { "feature-gso-tcpv4", "1" },
            { "feature-gso-tcpv6", "1" }, { "feature-ipv6-csum-offload", "1" },
            { "feature-rx-copy", "1" }, { "feature-xdp-headroom", "1" },
            { "feature-rx-flip", "0" },
            { "feature-multicast-control", "1" },
            { "feature-dynamic-multicast-control", "1" },
            { "feature-split-event-channels", "1" },
            { "multi-queue-max-queues", q }, { "feature-ctrl-ring", "1" },
        };
        /* netback creates vifD.N right after InitWait ("this kicks the
         * hotplug scripts"); here it exists before, so that a script
         * started on InitWait always finds it. */
        if (b->links && !d->link) {
            snprintf(d->ifname, sizeof(d->ifname), "vif%u.%u", d->fe_domid, d->devid);
            int e = netlink_add(d->ifname);
            if (e)
                logf_("%s: creating %s: %s", d->path, d->ifname, strerror(e));
            else
                d->link = true;
        }
        return set_state(b, d, XB_INITWAIT, kv, sizeof(kv) / sizeof(kv[0]));
    }
    default:
        return set_state(b, d, XB_INITWAIT, NULL, 0);
    }
}

/* ---- pciback */

/*
 * pciback (Linux's xen-pciback, its default "vpci" mode) gives each device
 * a slot on one virtual bus 0000:00 and publishes it as vdev-N
 * ("DDDD:BB:SS.FF", the function in two digits as the PV protocol has it):
 * the first free slot, or the slot of a device already exported from the
 * same physical slot (the functions of a multi-function device stay
 * together, each at its own function number). The virtual bus is
 * published once, as root-0 and root_num.
 */
#define PCI_VSLOTS 32

struct vbus {
    bool used[PCI_VSLOTS];
    unsigned phys[PCI_VSLOTS];        /* domain << 16 | bus << 8 | slot */
};

/* A BDF as pciback scans it ("%x:%x:%x.%x"): 0 or -1. */
static int parse_bdf(const char *v, unsigned *dom, unsigned *bus,
                     unsigned *slot, unsigned *fn)
{
    int end = -1;
    if (!v || sscanf(v, "%x:%x:%x.%x%n", dom, bus, slot, fn, &end) != 4 ||
        end < 0 || *dom > 0xffff || *bus > 0xff || *slot > 0x1f || *fn > 7)
        return -1;
    return 0;
}

/* Reads KEY-i of the backend as a BDF: 0 or -1 (absent or malformed). */
static int read_bdf(struct backend *b, struct bdev *d, const char *key,
                    unsigned i, unsigned v[4])
{
    char k[32], p[256], *s = NULL;
    snprintf(k, sizeof(k), "%s-%u", key, i);
    if (xsc_read(&b->c, 0, node(d, k, p, sizeof(p)), &s))
        return -1;
    int r = parse_bdf(s, &v[0], &v[1], &v[2], &v[3]);
    free(s);
    return r;
}

/* The virtual slot for physical device v (noted in bus): >= 0, or -1
 * when the bus is full. */
static int vslot_for(struct vbus *bus, const unsigned v[4])
{
    unsigned phys = v[0] << 16 | v[1] << 8 | v[2];
    for (int s = 0; s < PCI_VSLOTS; s++)
        if (bus->used[s] && bus->phys[s] == phys)
            return s;
    for (int s = 0; s < PCI_VSLOTS; s++)
        if (!bus->used[s]) {
            bus->used[s] = true;
            bus->phys[s] = phys;
            return s;
        }
    return -1;
}

/* The slots the devices already exported (every entry but new ones,
 * state-N 1) hold, from their dev-N and vdev-N. */
static void vbus_read(struct backend *b, struct bdev *d, unsigned num,
                      struct vbus *bus)
{
    memset(bus, 0, sizeof(*bus));
    for (unsigned i = 0; i < num && i < 256; i++) {
        char k[32], p[256];
        unsigned st, pv[4], vv[4];
        snprintf(k, sizeof(k), "state-%u", i);
        if (xb_read_uint(&b->c, node(d, k, p, sizeof(p)), 8, &st) == 0 &&
            st == XB_INITIALISING)
            continue;
        if (read_bdf(b, d, "dev", i, pv) || read_bdf(b, d, "vdev", i, vv) ||
            vv[0] || vv[1])
            continue;
        bus->used[vv[2]] = true;
        bus->phys[vv[2]] = pv[0] << 16 | pv[1] << 8 | pv[2];
    }
}

/* Room for what pciback writes in one step: vdev-N and state-N per
 * device, and the root. */
struct pci_writes {
    struct xb_kv kv[2 * 256 + 2];
    char keys[2 * 256 + 2][16], values[256][16];
    size_t n, nv;
};

static void pw_add(struct pci_writes *w, const char *key, unsigned i,
                   const char *value)
{
    snprintf(w->keys[w->n], sizeof(w->keys[0]), "%s-%u", key, i);
    w->kv[w->n].key = w->keys[w->n];
    w->kv[w->n].value = value;
    w->n++;
}

/* Exports device i (physical v): vdev-N, then state-N 3. false when the
 * virtual bus is full. */
static bool pci_export(struct pci_writes *w, struct vbus *bus, unsigned i,
                       const unsigned v[4])
{
    int slot = vslot_for(bus, v);
    if (slot < 0)
        return false;
    char *vdev = w->values[w->nv++];
    snprintf(vdev, sizeof(w->values[0]), "%04x:%02x:%02x.%02x", 0u, 0u,
             (unsigned)slot, v[3]);
    pw_add(w, "vdev", i, vdev);
    pw_add(w, "state", i, "3");
    return true;
}

/* The virtual bus's root, unless published already. */
static void pci_roots(struct backend *b, struct bdev *d, struct pci_writes *w)
{
    if (read_uint_or(b, d, "root_num", 0) > 0)
        return;
    w->kv[w->n++] = (struct xb_kv){ "root-0", "0000:00" };
    w->kv[w->n++] = (struct xb_kv){ "root_num", "1" };
}

/* xenbus_dev_fatal: the backend gives up (Closing). */
static void pci_fatal(struct backend *b, struct bdev *d, const char *why)
{
    logf_("%s: pciback: %s", d->path, why);
    set_state(b, d, XB_CLOSING, NULL, 0);
}

/* InitWait and num_devs there: every dev-N exported (vdev-N, state-N 3),
 * the root published, then the backend Initialised. */
static void pci_setup(struct backend *b, struct bdev *d)
{
    unsigned num = read_uint_or(b, d, "num_devs", 0xffffffffu);
    if (num == 0xffffffffu || num > 256)
        return;
    struct pci_writes w;
    struct vbus bus;
    memset(&bus, 0, sizeof(bus));
    w.n = w.nv = 0;
    for (unsigned i = 0; i < num; i++) {
        unsigned v[4];
        if (read_bdf(b, d, "dev", i, v))
            return pci_fatal(b, d, "Error parsing pci device configuration");
        if (!pci_export(&w, &bus, i, v))
            return pci_fatal(b, d, "No more space on root virtual PCI bus");
    }
    pci_roots(b, d, &w);
    set_state(b, d, XB_INITIALISED, w.kv, w.n);
}

/* The toolstack asked for a reconfiguration and pcifront followed: new
 * devices (state-N 1) are exported (vdev-N, state-N 3); devices being
 * taken away (state-N 5) are found by their vdev-N and let go (pciback
 * writes nothing for them); then Reconfigured. */
static void pci_reconfigure(struct backend *b, struct bdev *d)
{
    unsigned num = read_uint_or(b, d, "num_devs", 0);
    struct pci_writes w;
    struct vbus bus;
    bool added = false;
    if (num > 256)
        return pci_fatal(b, d, "Error reading number of devices");
    vbus_read(b, d, num, &bus);
    w.n = w.nv = 0;
    for (unsigned i = 0; i < num; i++) {
        char k[32], p[256];
        unsigned st, v[4];
        snprintf(k, sizeof(k), "state-%u", i);
        if (xb_read_uint(&b->c, node(d, k, p, sizeof(p)), 8, &st))
            continue;
        if (st == XB_INITIALISING) {
            if (read_bdf(b, d, "dev", i, v))
                return pci_fatal(b, d, "Error parsing pci device "
                                 "configuration");
            if (!pci_export(&w, &bus, i, v))
                return pci_fatal(b, d, "No more space on root virtual PCI "
                                 "bus");
            added = true;
        } else if (st == XB_CLOSING) {
            if (read_bdf(b, d, "vdev", i, v))
                return pci_fatal(b, d, "Error reading device configuration");
        }
    }
    if (added)
        pci_roots(b, d, &w);
    set_state(b, d, XB_RECONFIGURED, w.kv, w.n);
}

/* ---- the state machine */

static void closing_states(struct backend *b, struct bdev *d, int be, int fe, int pol)
{
    bool online = read_uint_or(b, d, "online", 0) == 1;
    switch (fe) {
    case XB_CLOSING:
        if (be != XB_CLOSING && be != XB_CLOSED)
            set_state(b, d, XB_CLOSING, NULL, 0);
        break;
    case XB_CLOSED:
        if (pol == BEPOL_NO_CLOSE)
            break;
        /* On Linux the interface goes just after Closed, when the device
         * is unregistered; here just before, so that whoever saw Closed
         * (the toolstack, then its script) finds it gone. */
        if (!online)
            drop_link(d);
        if (be != XB_CLOSED) {
            int e = set_state(b, d, XB_CLOSED, NULL, 0);
            if (e == ESTALE)
                break;           /* looked at again on the next event */
            if (e == ENOENT) {
                forget(b, d);
                break;
            }
        }
        if (!online)
            forget(b, d);        /* unregistered: xenbus leaves it Closed */
        break;
    case XB_UNKNOWN:             /* the frontend is gone */
        if (pol == BEPOL_NO_CLOSE)
            break;
        drop_link(d);
        if (be != XB_CLOSED && set_state(b, d, XB_CLOSED, NULL, 0) == ESTALE)
            break;
        forget(b, d);
        break;
    case XB_INITIALISING:
        if (be == XB_CLOSED)     /* the frontend starts over */
            set_state(b, d, XB_INITWAIT, NULL, 0);
        break;
    default:
        break;
    }
}

static void discover(struct backend *b, const char *root, const char *kind,
                     const char *fe, const char *id);

static void evaluate(struct backend *b, struct bdev *d)
{
    char p[256];
    bool exists;
    int be = xb_read_state(&b->c, node(d, "state", p, sizeof(p)), &exists);
    if (!exists) {               /* the toolstack removed the device */
        forget(b, d);
        return;
    }
    d->seen = be;
    if (d->probed && be == XB_INITIALISING) {
        /* removed and made again before we looked: a new device */
        char kind[20], fe[12], id[12], root[160];
        snprintf(kind, sizeof(kind), "%s", d->kind);
        snprintf(fe, sizeof(fe), "%u", d->fe_domid);
        snprintf(id, sizeof(id), "%u", d->devid);
        snprintf(root, sizeof(root), "%s", d->path);
        *strrchr(root, '/') = 0;
        *strrchr(root, '/') = 0;
        *strrchr(root, '/') = 0;
        forget(b, d);
        discover(b, root, kind, fe, id);
        return;
    }
    int pol = policy_of(d->fe_domid, d->kind);
    if (!d->probed) {
        if (be != XB_INITIALISING || pol == BEPOL_NO_INITWAIT)
            return;
        if (probe(b, d))
            return;
        d->probed = true;
        be = XB_INITWAIT;
    }
    snprintf(p, sizeof(p), "%s/state", d->fedir);
    int fe = xb_read_state(&b->c, p, NULL);
    unsigned major, minor;
    bool may_connect = pol != BEPOL_NO_CONNECT;

    switch (d->cls) {
    case K_VBD:
        if ((fe == XB_INITIALISED || fe == XB_CONNECTED) &&
            (be == XB_INITWAIT || be == XB_INITIALISED) && may_connect &&
            physical_device(b, d, &major, &minor))
            vbd_connect(b, d, major, minor);
        break;
    case K_QDISK:
    case K_GENERIC:
        if ((fe == XB_INITIALISED || fe == XB_CONNECTED) &&
            (be == XB_INITWAIT || be == XB_INITIALISED) && may_connect)
            set_state(b, d, XB_CONNECTED, NULL, 0);
        break;
    case K_VIF:
        /* netback connects when the frontend does, and shows it once the
         * hotplug script said "connected". */
        if (fe == XB_CONNECTED && (be == XB_INITWAIT || be == XB_INITIALISED) &&
            may_connect && node_is(b, d, "hotplug-status", "connected"))
            set_state(b, d, XB_CONNECTED, NULL, 0);
        break;
    case K_PCI:
        if (be == XB_INITWAIT)
            pci_setup(b, d);
        else if (be == XB_INITIALISED && fe == XB_INITIALISED && may_connect)
            set_state(b, d, XB_CONNECTED, NULL, 0);
        else if (be == XB_RECONFIGURING && fe == XB_RECONFIGURING)
            pci_reconfigure(b, d);
        else if (be == XB_RECONFIGURED && fe == XB_CONNECTED)
            set_state(b, d, XB_CONNECTED, NULL, 0);
        break;
    default:
        break;
    }
    closing_states(b, d, be, fe, pol);
}

/* A device directory we do not know yet: bind it if its driver would. */
static void discover(struct backend *b, const char *root, const char *kind,
                     const char *fe, const char *id)
{
    unsigned fe_domid, devid;
    if (!xb_kind_ok(kind) || !xb_parse_uint(fe, 0x7fef, &fe_domid) ||
        !xb_parse_uint(id, 0x7fffffff, &devid))
        return;
    char path[160];
    snprintf(path, sizeof(path), "%s/%s/%s/%s", root, kind, fe, id);
    struct bdev *d = find_dev(b, path);
    if (d) {
        evaluate(b, d);
        return;
    }
    enum kind_class cls = class_of(kind, devid);
    if (cls == K_NONE)
        return;
    /* xenbus probes a device only in Initialising, with its frontend
     * details readable. */
    char p[256], *fedir = NULL;
    bool exists;
    snprintf(p, sizeof(p), "%s/state", path);
    if (xb_read_state(&b->c, p, &exists) != XB_INITIALISING)
        return;
    snprintf(p, sizeof(p), "%s/frontend", path);
    if (xsc_read(&b->c, 0, p, &fedir))
        return;
    snprintf(p, sizeof(p), "%s/frontend-id", path);
    unsigned fid;
    if (!*fedir || fedir[0] != '/' || strlen(fedir) > 200 ||
        xb_read_uint(&b->c, p, 0x7fef, &fid)) {
        free(fedir);
        return;
    }
    d = calloc(1, sizeof(*d));
    if (!d) {
        free(fedir);
        return;
    }
    snprintf(d->path, sizeof(d->path), "%s", path);
    snprintf(d->kind, sizeof(d->kind), "%s", kind);
    d->fe_domid = fe_domid;
    d->devid = devid;
    d->cls = cls;
    d->fedir = fedir;
    d->next = b->devs;
    b->devs = d;
    int e = xsc_watch(&b->c, fedir, "fe");
    if (e)
        logf_("%s: watching %s: %s", path, fedir, strerror(e));
    logf_("%s: found (frontend %s)", path, fedir);
    evaluate(b, d);
}

/* List one backend tree: bind what is new. */
static void rescan_root(struct backend *b, const char *root)
{
    char *kinds = NULL;
    unsigned nk = 0;
    if (xb_list(&b->c, root, &kinds, &nk) == 0) {
        const char *k = kinds;
        for (unsigned i = 0; i < nk; k += strlen(k) + 1, i++) {
            char p[160], *fes = NULL;
            unsigned nf = 0;
            if (!xb_kind_ok(k))
                continue;
            snprintf(p, sizeof(p), "%s/%s", root, k);
            if (xb_list(&b->c, p, &fes, &nf))
                continue;
            const char *f = fes;
            for (unsigned j = 0; j < nf; f += strlen(f) + 1, j++) {
                char q[192], *ids = NULL;
                unsigned ni = 0;
                snprintf(q, sizeof(q), "%s/%s", p, f);
                if (strlen(f) > 8 || xb_list(&b->c, q, &ids, &ni))
                    continue;
                const char *id = ids;
                for (unsigned m = 0; m < ni; id += strlen(id) + 1, m++)
                    discover(b, root, k, f, id);
                free(ids);
            }
            free(fes);
        }
    }
    free(kinds);
}

/* Every backend tree served: bind what is new, look at everything. */
static void rescan(struct backend *b)
{
    for (unsigned r = 0; r < b->nroots; r++)
        rescan_root(b, b->roots[r]);
    /* the known ones the listing did not reach (their directory went) */
    for (struct bdev *d = b->devs, *next; d; d = next) {
        next = d->next;
        evaluate(b, d);
    }
}

static void on_event(struct backend *b, const char *path, const char *token)
{
    if (!strcmp(token, "fe")) {
        /* a frontend directory (or a parent of it) changed */
        size_t pl = strlen(path);
        for (struct bdev *d = b->devs, *next; d; d = next) {
            next = d->next;
            size_t fl = strlen(d->fedir);
            if ((pl >= fl && !strncmp(path, d->fedir, fl) && (path[fl] == '/' || !path[fl])) ||
                (pl < fl && !strncmp(path, d->fedir, pl) && d->fedir[pl] == '/'))
                evaluate(b, d);
        }
        return;
    }
    for (unsigned r = 0; r < b->nroots; r++) {
        size_t rl = strlen(b->roots[r]);
        const char *rel = !strncmp(path, b->roots[r], rl) && path[rl] == '/'
                              ? path + rl + 1 : NULL;
        char kind[20], fe[12], id[12];
        int n = 0;
        if (rel && sscanf(rel, "%19[^/]/%11[^/]/%11[^/]%n", kind, fe, id, &n) == 3 &&
            (rel[n] == '/' || !rel[n])) {
            discover(b, b->roots[r], kind, fe, id);
            return;
        }
    }
    rescan(b);
}

/* ------------------------------------------------------------ commands */

/* "policy DOMID KIND POLICY" or "get DOMID KIND": the reply is "0" (or the
 * policy's name for get), else an errno number. */
static void on_command(struct backend *b, int fd)
{
    char buf[256], reply[64], op[16], kind[20], pol[20];
    struct sockaddr_un a;
    socklen_t alen = sizeof(a);
    ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *)&a, &alen);
    if (n <= 0)
        return;
    buf[n] = 0;
    unsigned domid;
    int e = EINVAL;
    pol[0] = 0;
    snprintf(reply, sizeof(reply), "%d", EINVAL);
    if (sscanf(buf, "serve %u", &domid) == 1 && domid > 0 && domid < 0x7ff0) {
        /* a driver domain's backends, from now on */
        char root[40];
        snprintf(root, sizeof(root), "/local/domain/%u/backend", domid);
        e = 0;
        for (unsigned r = 0; r < b->nroots; r++)
            if (!strcmp(b->roots[r], root))
                e = EEXIST;
        if (!e && b->nroots == MAX_ROOTS)
            e = ENOSPC;
        if (!e)
            e = xsc_watch(&b->c, root, "be");
        if (!e) {
            snprintf(b->roots[b->nroots++], sizeof(b->roots[0]), "%s", root);
            logf_("serving %s", root);
        }
        if (e == EEXIST)
            e = 0;
    } else if (sscanf(buf, "%15s %u %19s %19s", op, &domid, kind, pol) >= 3 &&
        (!strcmp(kind, "*") || xb_kind_ok(kind))) {
        if (!strcmp(op, "get")) {
            snprintf(reply, sizeof(reply), "%s", policy_names[policy_of(domid, kind)]);
            e = -1;
        } else if (!strcmp(op, "policy") && backend_policy_parse(pol) >= 0) {
            e = policy_set(domid, kind, backend_policy_parse(pol));
            if (!e)
                logf_("domain %u, %s: policy %s", domid, kind, pol);
        }
    }
    if (e >= 0)
        snprintf(reply, sizeof(reply), "%d", e);
    sendto(fd, reply, strlen(reply), MSG_DONTWAIT, (struct sockaddr *)&a, alen);
    if (e == 0)
        rescan(b);               /* a device waiting on the policy moves now */
}

/* ------------------------------------------------------------ process */

static int backend_run(const char *sock, int ready_fd)
{
    struct backend b = { .links = false };
    const char *links = getenv(NETBACK_LINKS_ENV);
    if (links && *links && strcmp(links, "0")) {
        int e = netlink_check_private(links);
        if (e)
            logf_("%s ignored: %s", NETBACK_LINKS_ENV, strerror(e));
        else
            b.links = true;
    }
    int e = xsc_open_socket(&b.c, sock);
    if (e) {
        logf_("connecting to %s: %s", sock, strerror(e));
        return 1;
    }
    struct sockaddr_un a;
    unsigned alen;
    int cmd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (cmd < 0 || xensim_named_address(CMD_SOCKET, &a, &alen) < 0 ||
        bind(cmd, (struct sockaddr *)&a, alen) < 0) {
        logf_("command socket: %s", strerror(errno));
        return 1;
    }
    snprintf(b.roots[0], sizeof(b.roots[0]), "%s", BE_ROOT);
    b.nroots = 1;
    e = xsc_watch(&b.c, BE_ROOT, "be");
    if (e) {
        logf_("watching " BE_ROOT ": %s", strerror(e));
        return 1;
    }
    if (write(ready_fd, "R", 1) != 1)
        return 1;
    close(ready_fd);
    for (;;) {
        struct pollfd p[2] = { { .fd = b.c.fd, .events = POLLIN },
                               { .fd = cmd, .events = POLLIN } };
        if (poll(p, 2, 1000) < 0 && errno != EINTR)
            break;
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            struct xs_msg m;
            e = xsc_recv(&b.c, &m, 10000);
            if (e) {
                logf_("xenstored: %s", strerror(e));
                break;
            }
            if (m.hdr.type == XS_WATCH_EVENT) {
                size_t pl = strlen(m.body);
                on_event(&b, m.body, pl < m.hdr.len ? m.body + pl + 1 : "");
            }
            free(m.body);
        }
        char *path, *token;
        while (xsc_event(&b.c, &path, &token, 0) == 0) {
            on_event(&b, path, token);
            free(path);
        }
        if (p[1].revents & POLLIN)
            on_command(&b, cmd);
    }
    while (b.devs)
        forget(&b, b.devs);
    xsc_close(&b.c);
    close(cmd);
    return 0;
}

pid_t backend_spawn(const char *sock, const char *host_dir, const sigset_t *mask)
{
    pid_t parent = getpid();
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid != 0) {
        /* back once the drivers watch and take commands */
        close(ready[1]);
        char c;
        struct pollfd p = { .fd = ready[0], .events = POLLIN };
        bool ok = pid > 0 && poll(&p, 1, 10000) == 1 && read(ready[0], &c, 1) == 1;
        close(ready[0]);
        if (pid > 0 && !ok) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            errno = EIO;
            return -1;
        }
        return pid;
    }
    /* Hold nothing of the supervisor's: a pipe its caller reads to EOF
     * (`host --daemon`), xenstored's socket, ... */
    close_range(3, (unsigned)ready[1] - 1, 0);
    close_range((unsigned)ready[1] + 1, ~0U, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigprocmask(SIG_SETMASK, mask, NULL);
    signal(SIGTERM, SIG_DFL);
    char log[4096];
    snprintf(log, sizeof(log), "%s/backend.log", host_dir);
    int lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
    }
    if (lf >= 0)
        dup2(lf, 2);
    setvbuf(stderr, NULL, _IOLBF, 0);
    _exit(backend_run(sock, ready[1]));
}

/* ------------------------------------------------------------ the CLI */

static int ask_backend(const char *msg, char *reply, size_t size)
{
    char me[48];
    snprintf(me, sizeof(me), "bc%d", (int)getpid());
    struct sockaddr_un a, be;
    unsigned alen, blen;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || xensim_named_address(me, &a, &alen) < 0 ||
        xensim_named_address(CMD_SOCKET, &be, &blen) < 0 ||
        bind(fd, (struct sockaddr *)&a, alen) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = -1;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&be, blen) >= 0 &&
        poll(&p, 1, 10000) == 1) {
        ssize_t n = recv(fd, reply, size - 1, 0);
        if (n > 0) {
            reply[n] = 0;
            rc = 0;
        }
    }
    close(fd);
    return rc;
}

int cmd_backend_policy(int argc, char **argv)
{
    static const char *syn = "backend-policy DOMID KIND|* "
                             "[obey|no-initwait|no-connect|no-close]";
    unsigned domid;
    if (argc < 3 || argc > 4 || !xb_parse_uint(argv[1], 0x7fef, &domid) ||
        (strcmp(argv[2], "*") && !xb_kind_ok(argv[2])) ||
        (argc == 4 && backend_policy_parse(argv[3]) < 0))
        return cli_usage(syn);
    char msg[128], reply[64];
    if (argc == 4)
        snprintf(msg, sizeof(msg), "policy %u %s %s", domid, argv[2], argv[3]);
    else
        snprintf(msg, sizeof(msg), "get %u %s", domid, argv[2]);
    if (ask_backend(msg, reply, sizeof(reply)) < 0) {
        fprintf(stderr, "xensim backend-policy: no backend drivers (is the host running?)\n");
        return 1;
    }
    if (argc == 3) {
        printf("%s\n", reply);
        return 0;
    }
    int e = atoi(reply);
    if (e) {
        fprintf(stderr, "xensim backend-policy: %s\n", strerror(e));
        return 1;
    }
    return 0;
}

int cmd_backend_serve(int argc, char **argv)
{
    unsigned domid;
    char msg[64], reply[64];
    if (argc != 2 || !xb_parse_uint(argv[1], 0x7fef, &domid) || !domid)
        return cli_usage("backend-serve DOMID");
    snprintf(msg, sizeof(msg), "serve %u", domid);
    if (ask_backend(msg, reply, sizeof(reply)) < 0) {
        fprintf(stderr, "xensim backend-serve: no backend drivers (is the host running?)\n");
        return 1;
    }
    int e = atoi(reply);
    if (e) {
        fprintf(stderr, "xensim backend-serve: %s\n", strerror(e));
        return 1;
    }
    return 0;
}
