/*
 * fakesysfs: a fake /sys/bus/pci, for testing PCI passthrough's host side
 * (pciback, driver binding) on machines that have no device to spare.
 *
 *   fakesysfs SPEC DUMP CMD [ARG...]
 *
 * Enters a private mount namespace, mounts over /sys/bus/pci a FUSE file
 * system served by this process from the model SPEC describes, runs CMD
 * in it and waits for it; then writes the model's final state and the
 * log of every write to a control file to DUMP and exits with CMD's
 * status (or 125 if it could not set up, 126/127 as a shell would).
 * Needs root (unshare, mount).
 *
 * Why FUSE: a write to a sysfs control file (drivers/X/bind, pciback's
 * new_slot ...) takes effect before write() returns, and the writer reads
 * the result straight away (libxl binds, then lstats the driver's link). A
 * FUSE write is answered by this process after it has applied the effect,
 * so the writer sees exactly what the kernel would show, with no polling
 * and no timing. The protocol is spoken directly on /dev/fuse (a dozen
 * requests), so nothing beyond the kernel's header is needed. Every
 * answer is uncached (zero timeouts, direct I/O), as the model changes.
 *
 * SPEC, one item a line ('#' starts a comment):
 *   driver NAME                        a driver (pciback: xen-pciback,
 *                                      with new_slot, remove_slot, slots)
 *   device BDF VENDOR DEVICE CLASS DRIVER|-
 *                                      e.g. device 0000:00:02.0 0x8086
 *                                      0x10d3 0x020000 e1000e
 *   slot BDF                           a pciback slot at start
 *   irq BDF N                          the device's legacy interrupt (0:
 *                                      none, the default)
 *   bar BDF I START END FLAGS          resource I (0-6: six BARs and the
 *                                      ROM; hex, as the resource file)
 *   reset BDF                          the device has a reset file
 *   permissive BDF                     pciback lets the guest write its
 *                                      whole config space
 *
 * The tree: devices/BDF/{vendor,device,class,irq,resource} (resource:
 * 13 lines "0x%016llx 0x%016llx 0x%016llx", start, end and flags, as
 * Linux shows a device that is not a bridge), devices/BDF/reset when the
 * device has one, and devices/BDF/driver (a link to ../../drivers/NAME
 * while bound); drivers/NAME/{bind,unbind} and drivers/NAME/BDF (a link
 * to ../../devices/BDF per bound device);
 * drivers/pciback/{new_slot,remove_slot,slots,permissive}.
 *
 * What writes do (as Linux 6.1's driver core and xen-pciback):
 *   bind BDF        unknown device ENODEV; already bound EBUSY; pciback
 *                   without a slot for it ENODEV (its probe declines)
 *   unbind BDF      ENODEV unless bound to that driver
 *   new_slot BDF    adds a slot (a second one if already there, as the
 *                   kernel); unparsable EINVAL
 *   remove_slot BDF removes the first match; none ENOENT
 *   permissive BDF  pciback's: ENODEV unless bound to pciback; marks it
 *   reset 1         devices/BDF/reset: anything but 1 EINVAL; resets
 * Opening a read-only attribute for writing (or a write-only one for
 * reading) is EACCES, as sysfs; creating or removing anything EPERM.
 *
 * DUMP is the final state as a SPEC (so a next run can start from it;
 * SPEC and DUMP may be the same file), then one comment line per write
 * to a control file, in order: "# write PATH VALUE -> ok|ERRNAME".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define MOUNTPOINT "/sys/bus/pci"
#define MAX_DEVS   32
#define MAX_DRVS   8
#define MAX_SLOTS  64
#define MAX_NODES  1024
#define MAX_LOG    256
#define BUF_SIZE   (1024 * 1024 + 4096)

/* ------------------------------------------------------------ the model */

struct fdev {
    char bdf[16];              /* "ssss:bb:dd.f" */
    char vendor[16], device[16], class[16];
    int drv;                   /* index in drvs, -1: no driver */
    unsigned irq;
    unsigned long long bar[7][3];   /* start, end, flags */
    bool has_reset, permissive;
};

struct fdrv {
    char name[32];
    bool pciback;
};

static struct fdev devs[MAX_DEVS];
static int ndevs;
static struct fdrv drvs[MAX_DRVS];
static int ndrvs;
static unsigned slots[MAX_SLOTS];      /* seg << 16 | bus << 8 | devfn */
static int nslots;
static char *wlog[MAX_LOG];
static int nlog;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fakesysfs: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(125);
}

/* "ssss:bb:dd.f" (or "bb:dd.f", segment 0), hex, in range: the 32-bit
 * encoding, or -1. Trailing whitespace (a newline) is allowed. */
static long parse_bdf(const char *s, size_t len)
{
    char buf[64];
    unsigned seg = 0, bus, dev, fn;
    int n = -1;

    while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
        len--;
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (sscanf(buf, "%x:%x:%x.%x%n", &seg, &bus, &dev, &fn, &n) != 4 ||
        (size_t)n != len) {
        seg = 0;
        n = -1;
        if (sscanf(buf, "%x:%x.%x%n", &bus, &dev, &fn, &n) != 3 ||
            (size_t)n != len)
            return -1;
    }
    if (seg > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
        return -1;
    return (long)(seg << 16 | bus << 8 | dev << 3 | fn);
}

static void bdf_name(unsigned v, char *out, size_t size)
{
    snprintf(out, size, "%04x:%02x:%02x.%u", v >> 16, (v >> 8) & 0xff,
             (v >> 3) & 0x1f, v & 7);
}

static int find_dev(const char *bdf, size_t len)
{
    for (int i = 0; i < ndevs; i++)
        if (strlen(devs[i].bdf) == len && !memcmp(devs[i].bdf, bdf, len))
            return i;
    return -1;
}

static int find_drv(const char *name, size_t len)
{
    for (int i = 0; i < ndrvs; i++)
        if (strlen(drvs[i].name) == len && !memcmp(drvs[i].name, name, len))
            return i;
    return -1;
}

static void load_spec(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];

    if (!f)
        die("cannot open %s: %s", path, strerror(errno));
    while (fgets(line, sizeof(line), f)) {
        char a[64], b[64], c[64], d[64], e[64], g[64];
        int n = sscanf(line, "%63s %63s %63s %63s %63s %63s", a, b, c, d, e, g);
        if (n <= 0 || a[0] == '#')
            continue;
        if (!strcmp(a, "driver") && n == 2) {
            if (ndrvs == MAX_DRVS || strlen(b) >= sizeof(drvs[0].name))
                die("bad driver line: %s", line);
            snprintf(drvs[ndrvs].name, sizeof(drvs[0].name), "%s", b);
            drvs[ndrvs].pciback = !strcmp(b, "pciback");
            ndrvs++;
        } else if (!strcmp(a, "device") && n == 6) {
            long v = parse_bdf(b, strlen(b));
            struct fdev *dv = &devs[ndevs];
            if (v < 0 || ndevs == MAX_DEVS)
                die("bad device line: %s", line);
            bdf_name((unsigned)v, dv->bdf, sizeof(dv->bdf));
            snprintf(dv->vendor, sizeof(dv->vendor), "%.15s", c);
            snprintf(dv->device, sizeof(dv->device), "%.15s", d);
            snprintf(dv->class, sizeof(dv->class), "%.15s", e);
            dv->drv = strcmp(g, "-") ? find_drv(g, strlen(g)) : -1;
            if (strcmp(g, "-") && dv->drv < 0)
                die("device %s: no driver %s (declare it first)", b, g);
            ndevs++;
        } else if ((!strcmp(a, "irq") && n == 3) ||
                   (!strcmp(a, "bar") && n == 6) ||
                   ((!strcmp(a, "reset") || !strcmp(a, "permissive")) &&
                    n == 2)) {
            int dv = find_dev(b, strlen(b));
            char *end = NULL;
            if (dv < 0)
                die("%s line before its device: %s", a, line);
            if (a[0] == 'i') {
                devs[dv].irq = (unsigned)strtoul(c, &end, 10);
            } else if (a[0] == 'b') {
                unsigned long i = strtoul(c, &end, 10);
                if (*end || i > 6)
                    die("bad bar line: %s", line);
                devs[dv].bar[i][0] = strtoull(d, &end, 16);
                if (!*end) devs[dv].bar[i][1] = strtoull(e, &end, 16);
                if (!*end) devs[dv].bar[i][2] = strtoull(g, &end, 16);
            } else if (a[0] == 'r') {
                devs[dv].has_reset = true;
            } else {
                devs[dv].permissive = true;
            }
            if (end && *end)
                die("bad %s line: %s", a, line);
        } else if (!strcmp(a, "slot") && n == 2) {
            long v = parse_bdf(b, strlen(b));
            if (v < 0 || nslots == MAX_SLOTS)
                die("bad slot line: %s", line);
            slots[nslots++] = (unsigned)v;
        } else {
            die("bad line: %s", line);
        }
    }
    fclose(f);
}

static void log_write(const char *path, const char *val, size_t len, int err)
{
    char shown[80];
    size_t n = 0;

    for (size_t i = 0; i < len && n + 4 < sizeof(shown); i++) {
        unsigned char ch = (unsigned char)val[i];
        if (ch == '\n') {
            shown[n++] = '\\';
            shown[n++] = 'n';
        } else {
            shown[n++] = (ch > ' ' && ch < 127) ? (char)ch : '?';
        }
    }
    shown[n] = '\0';
    if (nlog == MAX_LOG)
        return;
    const char *e = !err ? "ok" : err == ENODEV ? "ENODEV" : err == EBUSY
        ? "EBUSY" : err == EINVAL ? "EINVAL" : err == ENOENT ? "ENOENT"
        : "ERROR";
    if (asprintf(&wlog[nlog], "write %s %s -> %s", path, shown, e) > 0)
        nlog++;
}

/* The effect of writing val to drivers/<drv>/<ctl>: 0 or an errno. */
static int control_write(int drv, const char *ctl, const char *val, size_t len)
{
    size_t n = len;
    while (n && val[n - 1] == '\n')
        n--;
    if (!strcmp(ctl, "permissive")) {
        int d = find_dev(val, n);
        if (d < 0 || devs[d].drv != drv)
            return ENODEV;
        devs[d].permissive = true;
        return 0;
    }
    if (!strcmp(ctl, "bind") || !strcmp(ctl, "unbind")) {
        int d = find_dev(val, n);
        if (d < 0)
            return ENODEV;
        if (!strcmp(ctl, "unbind")) {
            if (devs[d].drv != drv)
                return ENODEV;
            devs[d].drv = -1;
            return 0;
        }
        if (devs[d].drv >= 0)
            return EBUSY;
        if (drvs[drv].pciback) {
            long v = parse_bdf(val, len);
            bool found = false;
            for (int i = 0; i < nslots; i++)
                found |= slots[i] == (unsigned)v;
            if (!found)
                return ENODEV;
        }
        devs[d].drv = drv;
        return 0;
    }
    long v = parse_bdf(val, len);
    if (v < 0)
        return EINVAL;
    if (!strcmp(ctl, "new_slot")) {
        if (nslots == MAX_SLOTS)
            return ENOMEM;
        slots[nslots++] = (unsigned)v;
        return 0;
    }
    for (int i = 0; i < nslots; i++) {     /* remove_slot */
        if (slots[i] == (unsigned)v) {
            memmove(&slots[i], &slots[i + 1],
                    (size_t)(nslots - i - 1) * sizeof(slots[0]));
            nslots--;
            return 0;
        }
    }
    return ENOENT;
}

/* ------------------------------------------------------------ paths */

enum kind { K_NONE, K_DIR, K_RO, K_WO, K_LINK };

/* What path (relative to the mount point, "" for the root) is now: its
 * kind, and for K_RO its content, for K_LINK its target (into out). */
static enum kind classify(const char *path, char *out, size_t size)
{
    char a[64], b[64], c[64];
    int n;

    if (!path[0] || !strcmp(path, "devices") || !strcmp(path, "drivers"))
        return K_DIR;
    n = sscanf(path, "%63[^/]/%63[^/]/%63[^/]", a, b, c);
    if (n < 2)
        return K_NONE;
    size_t depth = 1;
    for (const char *p = path; *p; p++)
        depth += *p == '/';
    if ((size_t)n != depth)
        return K_NONE;
    if (!strcmp(a, "devices")) {
        int d = find_dev(b, strlen(b));
        if (d < 0)
            return K_NONE;
        if (n == 2)
            return K_DIR;
        if (!strcmp(c, "driver")) {
            if (devs[d].drv < 0)
                return K_NONE;
            snprintf(out, size, "../../drivers/%s", drvs[devs[d].drv].name);
            return K_LINK;
        }
        if (!strcmp(c, "reset"))
            return devs[d].has_reset ? K_WO : K_NONE;
        if (!strcmp(c, "irq")) {
            snprintf(out, size, "%u\n", devs[d].irq);
            return K_RO;
        }
        if (!strcmp(c, "resource")) {
            size_t used = 0;
            out[0] = '\0';
            for (int i = 0; i < 13 && used < size; i++) {
                const unsigned long long *r = devs[d].bar[i < 7 ? i : 0];
                int w = snprintf(out + used, size - used,
                                 "0x%016llx 0x%016llx 0x%016llx\n",
                                 i < 7 ? r[0] : 0, i < 7 ? r[1] : 0,
                                 i < 7 ? r[2] : 0);
                if (w < 0)
                    break;
                used += (size_t)w;
            }
            return K_RO;
        }
        const char *val = !strcmp(c, "vendor") ? devs[d].vendor
            : !strcmp(c, "device") ? devs[d].device
            : !strcmp(c, "class") ? devs[d].class : NULL;
        if (!val)
            return K_NONE;
        snprintf(out, size, "%s\n", val);
        return K_RO;
    }
    if (strcmp(a, "drivers"))
        return K_NONE;
    int r = find_drv(b, strlen(b));
    if (r < 0)
        return K_NONE;
    if (n == 2)
        return K_DIR;
    if (!strcmp(c, "bind") || !strcmp(c, "unbind"))
        return K_WO;
    if (drvs[r].pciback && (!strcmp(c, "new_slot") ||
                            !strcmp(c, "remove_slot") ||
                            !strcmp(c, "permissive")))
        return K_WO;
    if (drvs[r].pciback && !strcmp(c, "slots")) {
        size_t used = 0;
        out[0] = '\0';
        for (int i = 0; i < nslots && used + 16 < size; i++) {
            bdf_name(slots[i], out + used, size - used);
            used += strlen(out + used);
            out[used++] = '\n';
            out[used] = '\0';
        }
        return K_RO;
    }
    int d = find_dev(c, strlen(c));
    if (d >= 0 && devs[d].drv == r) {
        snprintf(out, size, "../../devices/%s", c);
        return K_LINK;
    }
    return K_NONE;
}

/* out = dir/name ("name" at the root); false if it does not fit. */
static bool join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s%s%s", dir, dir[0] ? "/" : "", name);
    return n >= 0 && (size_t)n < size;
}

/* The entries of directory path, into names (count returned). */
static int list_dir(const char *path, char names[][64], int max)
{
    int n = 0;
    char scratch[4096];

#define ADD(s) do { if (n < max && strlen(s) < 64) strcpy(names[n++], (s)); } while (0)
    if (!path[0]) {
        ADD("devices");
        ADD("drivers");
        return n;
    }
    if (!strcmp(path, "devices")) {
        for (int i = 0; i < ndevs; i++)
            ADD(devs[i].bdf);
        return n;
    }
    if (!strcmp(path, "drivers")) {
        for (int i = 0; i < ndrvs; i++)
            ADD(drvs[i].name);
        return n;
    }
    static const char *const cand[] = {
        "vendor", "device", "class", "irq", "resource", "reset", "driver",
        "bind", "unbind", "new_slot", "remove_slot", "slots", "permissive",
    };
    for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
        char child[256];
        if (join(child, sizeof(child), path, cand[i]) &&
            classify(child, scratch, sizeof(scratch)) != K_NONE)
            ADD(cand[i]);
    }
    for (int i = 0; i < ndevs && !strncmp(path, "drivers/", 8); i++) {
        char child[256];
        if (join(child, sizeof(child), path, devs[i].bdf) &&
            classify(child, scratch, sizeof(scratch)) == K_LINK)
            ADD(devs[i].bdf);
    }
#undef ADD
    return n;
}

/* Node ids: one per path ever looked up (1: the root), never reused. */
static char *node_path[MAX_NODES];
static int nnodes = 2;

static uint64_t node_of(const char *path)
{
    for (int i = 2; i < nnodes; i++)
        if (!strcmp(node_path[i], path))
            return (uint64_t)i;
    if (nnodes == MAX_NODES)
        return 0;
    node_path[nnodes] = strdup(path);
    if (!node_path[nnodes])
        return 0;
    return (uint64_t)nnodes++;
}

static const char *path_of(uint64_t id)
{
    if (id == FUSE_ROOT_ID)
        return "";
    return id >= 2 && id < (uint64_t)nnodes ? node_path[id] : NULL;
}

static bool fill_attr(uint64_t id, struct fuse_attr *a)
{
    char content[4096];
    const char *path = path_of(id);
    enum kind k = path ? classify(path, content, sizeof(content)) : K_NONE;

    memset(a, 0, sizeof(*a));
    a->ino = id;
    a->nlink = 1;
    a->blksize = 4096;
    switch (k) {
    case K_NONE:
        return false;
    case K_DIR:
        a->mode = S_IFDIR | 0755;
        a->nlink = 2;
        break;
    case K_RO:
        a->mode = S_IFREG | 0444;
        a->size = 4096;        /* sysfs shows a page, whatever the content */
        break;
    case K_WO:
        a->mode = S_IFREG | 0200;
        a->size = 4096;
        break;
    case K_LINK:
        a->mode = S_IFLNK | 0777;
        a->size = strlen(content);
        break;
    }
    return true;
}

/* ------------------------------------------------------------ FUSE */

static int fuse_fd;
static unsigned char inbuf[BUF_SIZE];

static void reply(uint64_t unique, int error, const void *data, size_t len)
{
    struct fuse_out_header h = {
        .len = (uint32_t)(sizeof(h) + (error ? 0 : len)),
        .error = -error,
        .unique = unique,
    };
    struct iovec iov[2] = {
        { &h, sizeof(h) }, { (void *)data, error ? 0 : len },
    };
    /* ENOENT: the request was interrupted and is gone; nothing to do. */
    if (writev(fuse_fd, iov, 2) < 0 && errno != ENOENT)
        die("writev /dev/fuse: %s", strerror(errno));
}

/* Open files: the path and the write buffer; fh indexes this table. */
#define MAX_OPEN 64
static struct {
    bool used;
    char path[256];
} opens[MAX_OPEN];

static void handle(const struct fuse_in_header *in, const void *arg)
{
    const char *path = path_of(in->nodeid);
    char content[4096];

    switch (in->opcode) {
    case FUSE_INIT: {
        const struct fuse_init_in *ii = arg;
        struct fuse_init_out o = {
            .major = FUSE_KERNEL_VERSION,
            .minor = ii->minor < FUSE_KERNEL_MINOR_VERSION
                ? ii->minor : FUSE_KERNEL_MINOR_VERSION,
            .max_readahead = 0,
            .max_write = 4096,
            .time_gran = 1,
            .max_background = 1,
            .congestion_threshold = 1,
        };
        if (ii->major != FUSE_KERNEL_VERSION)
            die("kernel FUSE %u.%u", ii->major, ii->minor);
        reply(in->unique, 0, &o, sizeof(o));
        return;
    }
    case FUSE_LOOKUP: {
        char child[512];
        struct fuse_entry_out o = {0};
        if (!path) {
            reply(in->unique, ENOENT, NULL, 0);
            return;
        }
        if (!join(child, sizeof(child), path, (const char *)arg) ||
            classify(child, content, sizeof(content)) == K_NONE) {
            reply(in->unique, ENOENT, NULL, 0);
            return;
        }
        o.nodeid = node_of(child);
        if (!o.nodeid || !fill_attr(o.nodeid, &o.attr)) {
            reply(in->unique, ENOMEM, NULL, 0);
            return;
        }
        reply(in->unique, 0, &o, sizeof(o));
        return;
    }
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
    case FUSE_INTERRUPT:
        return;                /* no answer */
    case FUSE_GETATTR:
    case FUSE_SETATTR: {
        struct fuse_attr_out o = {0};
        if (!fill_attr(in->nodeid, &o.attr)) {
            reply(in->unique, ENOENT, NULL, 0);
            return;
        }
        reply(in->unique, 0, &o, sizeof(o));
        return;
    }
    case FUSE_READLINK:
        if (!path || classify(path, content, sizeof(content)) != K_LINK) {
            reply(in->unique, path ? EINVAL : ENOENT, NULL, 0);
            return;
        }
        reply(in->unique, 0, content, strlen(content));
        return;
    case FUSE_OPEN:
    case FUSE_OPENDIR: {
        const struct fuse_open_in *oi = arg;
        struct fuse_open_out o = { .open_flags = FOPEN_DIRECT_IO };
        enum kind k = path ? classify(path, content, sizeof(content)) : K_NONE;
        int acc = oi->flags & O_ACCMODE;
        int slot = -1;
        if (k == K_NONE || strlen(path) >= sizeof(opens[0].path)) {
            reply(in->unique, ENOENT, NULL, 0);
            return;
        }
        if ((k == K_RO && acc != O_RDONLY) || (k == K_WO && acc != O_WRONLY) ||
            (k == K_DIR && in->opcode == FUSE_OPEN)) {
            reply(in->unique, k == K_DIR ? EISDIR : EACCES, NULL, 0);
            return;
        }
        for (int i = 0; i < MAX_OPEN && slot < 0; i++)
            if (!opens[i].used)
                slot = i;
        if (slot < 0) {
            reply(in->unique, ENFILE, NULL, 0);
            return;
        }
        opens[slot].used = true;
        strcpy(opens[slot].path, path);
        o.fh = (uint64_t)slot;
        reply(in->unique, 0, &o, sizeof(o));
        return;
    }
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR: {
        const struct fuse_release_in *ri = arg;
        if (ri->fh < MAX_OPEN)
            opens[ri->fh].used = false;
        reply(in->unique, 0, NULL, 0);
        return;
    }
    case FUSE_FLUSH:
    case FUSE_FSYNC:
    case FUSE_FSYNCDIR:
        reply(in->unique, 0, NULL, 0);
        return;
    case FUSE_READ: {
        const struct fuse_read_in *ri = arg;
        const char *p = ri->fh < MAX_OPEN ? opens[ri->fh].path : NULL;
        if (!p || classify(p, content, sizeof(content)) != K_RO) {
            reply(in->unique, ENOENT, NULL, 0);
            return;
        }
        size_t len = strlen(content);
        size_t off = ri->offset < len ? (size_t)ri->offset : len;
        size_t n = len - off < ri->size ? len - off : ri->size;
        reply(in->unique, 0, content + off, n);
        return;
    }
    case FUSE_WRITE: {
        const struct fuse_write_in *wi = arg;
        const char *data = (const char *)(wi + 1);
        const char *p = wi->fh < MAX_OPEN ? opens[wi->fh].path : NULL;
        char drv[64], ctl[64];
        struct fuse_write_out o = { .size = wi->size };
        if (!p || classify(p, content, sizeof(content)) != K_WO) {
            reply(in->unique, ENOENT, NULL, 0);
            return;
        }
        int err;
        if (sscanf(p, "devices/%63[^/]/%63s", drv, ctl) == 2) {
            /* reset: the only writable attribute of a device */
            size_t n = wi->size;
            while (n && data[n - 1] == '\n')
                n--;
            err = n == 1 && data[0] == '1' ? 0 : EINVAL;
        } else if (sscanf(p, "drivers/%63[^/]/%63s", drv, ctl) == 2) {
            err = control_write(find_drv(drv, strlen(drv)), ctl, data,
                                wi->size);
        } else {
            reply(in->unique, ENOENT, NULL, 0);
            return;
        }
        log_write(p, data, wi->size, err);
        reply(in->unique, err, &o, sizeof(o));
        return;
    }
    case FUSE_READDIR: {
        const struct fuse_read_in *ri = arg;
        const char *p = ri->fh < MAX_OPEN ? opens[ri->fh].path : NULL;
        static char names[MAX_DEVS + 16][64];
        static unsigned char out[65536];
        size_t used = 0;
        if (!p) {
            reply(in->unique, EBADF, NULL, 0);
            return;
        }
        int n = list_dir(p, names, MAX_DEVS + 16);
        /* ".", "..", then the entries; offset i+1 follows entry i */
        for (int i = (int)ri->offset; i < n + 2; i++) {
            const char *name = i == 0 ? "." : i == 1 ? ".." : names[i - 2];
            size_t nl = strlen(name);
            size_t rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + nl);
            if (used + rec > ri->size || used + rec > sizeof(out))
                break;
            struct fuse_dirent *de = (struct fuse_dirent *)(out + used);
            char child[512];
            memset(de, 0, rec);
            enum kind k = i < 2 ? K_DIR
                : join(child, sizeof(child), p, name)
                ? classify(child, content, sizeof(content)) : K_NONE;
            de->ino = i < 2 ? FUSE_ROOT_ID : node_of(child);
            de->off = (uint64_t)i + 1;
            de->namelen = (uint32_t)nl;
            de->type = k == K_DIR ? DT_DIR : k == K_LINK ? DT_LNK : DT_REG;
            memcpy(de->name, name, nl);
            used += rec;
        }
        reply(in->unique, 0, out, used);
        return;
    }
    case FUSE_ACCESS:
        reply(in->unique, path && classify(path, content, sizeof(content))
              != K_NONE ? 0 : ENOENT, NULL, 0);
        return;
    case FUSE_STATFS: {
        struct fuse_statfs_out o = { .st = { .bsize = 4096, .namelen = 255,
                                             .frsize = 4096 } };
        reply(in->unique, 0, &o, sizeof(o));
        return;
    }
    case FUSE_MKNOD:
    case FUSE_MKDIR:
    case FUSE_UNLINK:
    case FUSE_RMDIR:
    case FUSE_RENAME:
    case FUSE_RENAME2:
    case FUSE_LINK:
    case FUSE_SYMLINK:
    case FUSE_CREATE:
        reply(in->unique, EPERM, NULL, 0);
        return;
    default:
        reply(in->unique, ENOSYS, NULL, 0);
        return;
    }
}

/* Serves one request; false once the file system is gone. */
static bool serve_one(void)
{
    ssize_t n = read(fuse_fd, inbuf, sizeof(inbuf));

    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == ENOENT)
            return true;
        if (errno == ENODEV)
            return false;      /* unmounted */
        die("read /dev/fuse: %s", strerror(errno));
    }
    if ((size_t)n < sizeof(struct fuse_in_header))
        die("short request from /dev/fuse");
    const struct fuse_in_header *in = (const void *)inbuf;
    if (in->opcode == FUSE_DESTROY)
        return false;
    handle(in, inbuf + sizeof(*in));
    return true;
}

/* ------------------------------------------------------------ main */

/* The final state, as a SPEC that starts where this run ended, then the
 * writes as comments. */
static void write_dump(const char *path)
{
    FILE *f = fopen(path, "w");

    if (!f)
        die("cannot write %s: %s", path, strerror(errno));
    for (int i = 0; i < ndrvs; i++)
        fprintf(f, "driver %s\n", drvs[i].name);
    for (int i = 0; i < ndevs; i++)
        fprintf(f, "device %s %s %s %s %s\n", devs[i].bdf, devs[i].vendor,
                devs[i].device, devs[i].class,
                devs[i].drv < 0 ? "-" : drvs[devs[i].drv].name);
    for (int i = 0; i < ndevs; i++) {
        if (devs[i].irq)
            fprintf(f, "irq %s %u\n", devs[i].bdf, devs[i].irq);
        for (int b = 0; b < 7; b++)
            if (devs[i].bar[b][0] || devs[i].bar[b][1] || devs[i].bar[b][2])
                fprintf(f, "bar %s %d %llx %llx %llx\n", devs[i].bdf, b,
                        devs[i].bar[b][0], devs[i].bar[b][1],
                        devs[i].bar[b][2]);
        if (devs[i].has_reset)
            fprintf(f, "reset %s\n", devs[i].bdf);
        if (devs[i].permissive)
            fprintf(f, "permissive %s\n", devs[i].bdf);
    }
    for (int i = 0; i < nslots; i++) {
        char b[16];
        bdf_name(slots[i], b, sizeof(b));
        fprintf(f, "slot %s\n", b);
    }
    for (int i = 0; i < nlog; i++)
        fprintf(f, "# %s\n", wlog[i]);
    if (fclose(f))
        die("cannot write %s", path);
}

int main(int argc, char *argv[])
{
    char opts[128];
    int status = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: fakesysfs SPEC DUMP CMD [ARG...]\n");
        return 125;
    }
    load_spec(argv[1]);
    if (unshare(CLONE_NEWNS) < 0)
        die("unshare: %s", strerror(errno));
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        die("make / private: %s", strerror(errno));
    fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fuse_fd < 0)
        die("open /dev/fuse: %s", strerror(errno));
    snprintf(opts, sizeof(opts),
             "fd=%d,rootmode=40755,user_id=0,group_id=0,allow_other",
             fuse_fd);
    if (mkdir(MOUNTPOINT, 0755) < 0 && errno != EEXIST)
        die("mkdir %s: %s", MOUNTPOINT, strerror(errno));
    if (mount("fakesysfs", MOUNTPOINT, "fuse.fakesysfs", MS_NOSUID | MS_NODEV,
              opts) < 0)
        die("mount on %s: %s", MOUNTPOINT, strerror(errno));

    pid_t child = fork();
    if (child < 0)
        die("fork: %s", strerror(errno));
    if (child == 0) {
        execvp(argv[3], argv + 3);
        fprintf(stderr, "fakesysfs: exec %s: %s\n", argv[3], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    bool reaped = false;
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    if (pidfd < 0)
        die("pidfd_open: %s", strerror(errno));
    for (;;) {
        struct pollfd p[2] = { { fuse_fd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerror(errno));
        }
        if (p[0].revents & POLLIN) {
            if (!serve_one())
                break;
            continue;          /* serve everything before looking at the child */
        }
        if (p[1].revents) {
            if (waitpid(child, &status, 0) < 0)
                die("waitpid: %s", strerror(errno));
            reaped = true;
            break;
        }
        if (p[0].revents & (POLLERR | POLLHUP))
            break;
    }
    /* A grandchild may still be inside; detaching lets it fail cleanly. */
    umount2(MOUNTPOINT, MNT_DETACH);
    if (!reaped && waitpid(child, &status, 0) < 0)
        die("waitpid: %s", strerror(errno));
    write_dump(argv[2]);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
