/*
 * ops/dev_pci.c: PCI passthrough's guest side: libxl_device_pci_add,
 * _remove and _destroy with libxl 4.17's steps, log lines and error
 * codes, and the pci device type the stored configuration is kept and
 * merged with. The host side (setting devices aside, naming them) is
 * ops/pci_assignable.c's; the list is ops/pci_list.c's.
 *
 * A PV guest's device is: its node /libxl/pci/BDF/domid; what the
 * hypervisor lets the guest reach (the I/O memory and ports of the
 * device's resources, its interrupt mapped as a pirq) and the device
 * itself, assigned through the IOMMU; pciback's permissive flag when
 * asked; the device's numbered entries in the guest's one pci backend
 * (/local/domain/0/backend/pci/DOMID/0: key-N, dev-N, vdevfn-N, name-N,
 * opts-N, state-N, num_devs), which the first device creates with its
 * frontend; and its entry in the stored configuration. A device added to
 * a running backend, or removed, goes through pciback's Reconfiguring
 * protocol (the backend is awaited Connected before and after: watched,
 * abortable and bounded by the device init deadline, where libxl polls it
 * for 10 s). A failed or aborted add takes back all it did. An HVM
 * guest whose device model is upstream QEMU gets the device from it
 * first, over QMP (device_add of a xen-pci-passthrough device, then
 * query-pci for the virtual slot QEMU gave it); then the same grants,
 * assignment and entries (no backend wait); its remove asks QEMU to let
 * it go (device_del, then query-pci every second until it is gone, 10 s
 * at most) before the reset, deassignment and entries (libxl leaves an
 * HVM guest's grants). Not done (the device model's issue):
 * qemu-traditional (ERROR_NI); taking a device back from QEMU when a
 * later step of its add fails.
 *
 * sysfs and xenstore values are read bounded and parsed strictly: a
 * backend entry that is missing or not a BDF is never matched, never
 * copied, never crashes. Keeps no state.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "ops/pci.h"
#include "ops/userdata.h"
#include "subop/qmp.h"
#include "subop/xswait.h"
#include "ops/domain_type.h"
#include "xs/paths.h"

#include "libxl_utils.h"

#define SYSFS_PCI_DEVICES "/sys/bus/pci/devices"
#define SYSFS_PCIBACK     "/sys/bus/pci/drivers/pciback"
#define BDF_FMT           "%04x:%02x:%02x.%01x"
#define BDF_XS_FMT        "%04x-%02x-%02x-%01x"
#define BDF_ARGS(p)       (unsigned)(p)->domain, (unsigned)(p)->bus, \
                          (unsigned)(p)->dev, (unsigned)(p)->func
#define XS_VALUE_MAX      4096
#define PCI_DEVS_MAX      256       /* entries in one backend: pci_list's */
#define NUM_RESOURCES     7         /* six BARs and the ROM, as libxl reads */
#define BAR_IO            0x01      /* a resource's flags: I/O ports */
#define SYSFS_READ_MAX    4096

/* ------------------------------------------------------------ devtype */

static bool pci_same(const void *a, const void *b)
{
    const libxl_device_pci *x = a, *y = b;

    return x->domain == y->domain && x->bus == y->bus && x->dev == y->dev &&
           x->func == y->func;
}

static void pci_init(void *dev) { libxl_device_pci_init(dev); }
static void pci_dispose(void *dev) { libxl_device_pci_dispose(dev); }
static void pci_copy(libxl_ctx *ctx, void *dst, const void *src)
{
    libxl_device_pci_copy(ctx, dst, src);
}

/* The live devices: the backend's, as libxl_device_pci_list reads them. */
static void *pci_list_live(libxl__gc *gc, uint32_t domid, int *num)
{
    return libxl_device_pci_list(gc->ctx, domid, num);
}

const libxl__devtype libxl__pci_devtype = {
    .name = "pci",
    .kind = LIBXL__DEVKIND_PCI,
    .size = sizeof(libxl_device_pci),
    .cfg_array = offsetof(libxl_domain_config, pcidevs),
    .cfg_num = offsetof(libxl_domain_config, num_pcidevs),
    .init = pci_init,
    .dispose = pci_dispose,
    .copy = pci_copy,
    .same = pci_same,
    .list = pci_list_live,
};

/* ------------------------------------------------------------ helpers */

static uint32_t pci_sbdf(const libxl_device_pci *pci)
{
    return (uint32_t)pci->domain << 16 | (uint32_t)(pci->bus & 0xff) << 8 |
           (uint32_t)(pci->dev & 0x1f) << 3 | (uint32_t)(pci->func & 0x7);
}

/* /libxl/pci/BDF/domid */
static char *domid_node(libxl__gc *gc, const libxl_device_pci *pci)
{
    return GCSPRINTF("/libxl/pci/" BDF_XS_FMT "/domid", BDF_ARGS(pci));
}

static char *backend_dir(libxl__gc *gc, uint32_t domid)
{
    return GCSPRINTF("/local/domain/0/backend/pci/%u/0", domid);
}

/* Writes text to a sysfs file: the write's result (logged if < 0, as
 * libxl), or -1 when it cannot be opened (errno kept). */
static int sysfs_write(libxl__gc *gc, const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC), e;
    ssize_t r;

    if (fd < 0)
        return -1;
    r = write(fd, text, strlen(text));
    e = errno;
    if (r < 0)
        LOGE(CTX, ERROR, "write to %s returned %d", path, (int)r);
    close(fd);
    errno = e;
    return r < 0 ? -1 : 0;
}

/* Resets the device as libxl does: pciback's do_flr if it has one, else
 * the device's own reset file. Failures are logged only. */
static void reset_device(libxl__gc *gc, const libxl_device_pci *pci)
{
    char *bdf = GCSPRINTF(BDF_FMT, BDF_ARGS(pci));
    char *path = SYSFS_PCIBACK "/do_flr";
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd >= 0) {
        close(fd);
        sysfs_write(gc, path, bdf);
        return;
    }
    if (errno != ENOENT)
        LOGED(CTX, ERROR, (uint32_t)pci->domain,
              "Failed to access pciback path %s", path);
    path = GCSPRINTF(SYSFS_PCI_DEVICES "/" BDF_FMT "/reset", BDF_ARGS(pci));
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        sysfs_write(gc, path, "1");
        return;
    }
    /* libxl logs these with the PCI segment where a domid goes */
    if (errno == ENOENT)
        LOGD(CTX, ERROR, (uint32_t)pci->domain, "The kernel doesn't support "
             "reset from sysfs for PCI device " BDF_FMT, BDF_ARGS(pci));
    else
        LOGED(CTX, ERROR, (uint32_t)pci->domain,
              "Failed to access reset path %s", path);
}

/* A small sysfs file, whole and NUL-terminated (gc), or NULL (errno). */
static char *sysfs_read(libxl__gc *gc, const char *path)
{
    char *buf = GCZALLOC(SYSFS_READ_MAX + 1);
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || !buf) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    while (len < SYSFS_READ_MAX) {
        ssize_t r = read(fd, buf + len, SYSFS_READ_MAX - len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    return buf;
}

/* One line of a resource file: "0xSTART 0xEND 0xFLAGS". */
static bool parse_resource(const char *line, uint64_t v[3])
{
    const char *p = line;

    for (int i = 0; i < 3; i++) {
        char *end;
        if (p[0] != '0' || p[1] != 'x')
            return false;
        errno = 0;
        v[i] = strtoull(p + 2, &end, 16);
        if (end == p + 2 || errno)
            return false;
        p = end;
        if (i < 2) {
            if (*p != ' ') return false;
            p++;
        }
    }
    return *p == '\n' || *p == '\0';
}

/* The device's legacy interrupt from its irq file: >= 0, or -1 when the
 * file cannot be read (logged, as libxl) or says nothing usable. */
static int read_irq(libxl__gc *gc, uint32_t domid,
                    const libxl_device_pci *pci)
{
    char *path = GCSPRINTF(SYSFS_PCI_DEVICES "/" BDF_FMT "/irq",
                           BDF_ARGS(pci));
    char *s = sysfs_read(gc, path), *end;
    unsigned long v;

    if (!s) {
        LOGED(CTX, ERROR, domid, "Couldn't open %s", path);
        return -1;
    }
    errno = 0;
    v = strtoul(s, &end, 10);
    if (end == s || errno || v > INT32_MAX || s[0] == '-')
        return 0;
    return (int)v;
}

/* A range of the host's hardware an add gave the guest (for its undo). */
typedef struct {
    bool io;                  /* I/O ports; else machine frames */
    uint64_t start, count;
} hw_range;

/*
 * Gives domid (allow) or takes back from it the device's I/O memory and
 * ports, as its resource file lists them. On add, the first failure ends
 * it (ERROR_FAIL, logged); on remove every failure is logged and the
 * others go on. The file missing: ERROR_FAIL on add; logged on remove.
 * What an add gave is noted in given (NUM_RESOURCES ranges at most).
 */
static int resources(libxl__gc *gc, uint32_t domid,
                     const libxl_device_pci *pci, bool allow,
                     hw_range *given, int *ngiven)
{
    char *path = GCSPRINTF(SYSFS_PCI_DEVICES "/" BDF_FMT "/resource",
                           BDF_ARGS(pci));
    char *text = sysfs_read(gc, path), *line;

    if (!text) {
        LOGED(CTX, ERROR, domid, "Couldn't open %s", path);
        return ERROR_FAIL;
    }
    line = text;
    for (int i = 0; i < NUM_RESOURCES && *line; i++) {
        char *nl = strchr(line, '\n');
        uint64_t v[3];
        bool ok = parse_resource(line, v);

        line = nl ? nl + 1 : line + strlen(line);
        if (!ok || !v[0] || v[1] < v[0])
            continue;
        uint64_t start = v[0], size = v[1] - v[0] + 1;
        bool io = v[2] & BAR_IO;
        /* ports are given by number, memory by page */
        uint64_t first = io ? start : start >> XC_PAGE_SHIFT;
        uint64_t count = io ? size
                            : (size + XC_PAGE_SIZE - 1) >> XC_PAGE_SHIFT;
        const char *call = io ? "xc_domain_ioport_permission"
                              : "xc_domain_iomem_permission";
        int r;

        if (io)
            r = start > 0xffff || size > 0x10000 ? -1
                : xc_domain_ioport_permission(CTX->xch, domid,
                                              (uint32_t)start,
                                              (uint32_t)size, allow);
        else
            r = xc_domain_iomem_permission(CTX->xch, domid, first, count,
                                           allow);
        if (r < 0 && allow) {
            LOGED(CTX, ERROR, domid, "%s 0x%" PRIx64 "/0x%" PRIx64
                  " (error %d)", call, start, size, r);
            return ERROR_FAIL;
        }
        if (r < 0)
            LOGED(CTX, ERROR, domid, "%s error %#" PRIx64 "/%#" PRIx64,
                  call, start, size);
        if (!r && allow && given)
            given[(*ngiven)++] = (hw_range){ io, first, count };
    }
    return 0;
}

/* num_devs of the backend: >= 0, or -1 when absent (errno ENOENT) or not
 * a count. */
static int read_num_devs(libxl__gc *gc, const char *be)
{
    char *path = GCSPRINTF("%s/num_devs", be);
    char *v = libxl__xs_read_checked(gc, XBT_NULL, path, XS_VALUE_MAX);
    const char *p = v;
    uint32_t n;

    if (!v)
        return -1;
    if (!libxl__parse_u32_strict(&p, &n) || *p || n > PCI_DEVS_MAX) {
        LOG(CTX, ERROR, "%s: not a device count: %s", path, v);
        errno = EINVAL;
        return -1;
    }
    return (int)n;
}

static bool xs_put(libxl__gc *gc, xs_transaction_t t, const char *path,
                   const char *value)
{
    if (xs_write(CTX->xsh, t, path, value, strlen(value)))
        return true;
    LOGE(CTX, ERROR, "xenstore write failed: `%s' = `%s'", path, value);
    return false;
}

/* ------------------------------------------------------------ add */

/* The guest's pci backend and frontend, as the first device makes them
 * (in transaction t). */
static bool create_backend(libxl__gc *gc, xs_transaction_t t, uint32_t domid)
{
    char *be = backend_dir(gc, domid);
    char *fe = GCSPRINTF("/local/domain/%u/device/pci/0", domid);
    char *name = libxl__gc_adopt(gc, libxl_domid_to_name(CTX, domid));
    struct xs_permissions be_perms[2] = {
        { .id = 0, .perms = XS_PERM_NONE },
        { .id = domid, .perms = XS_PERM_READ },
    };
    struct xs_permissions fe_perms[2] = {
        { .id = domid, .perms = XS_PERM_NONE },
        { .id = 0, .perms = XS_PERM_READ },
    };

    LOGD(CTX, DEBUG, domid, "Creating pci backend");
    xs_rm(CTX->xsh, t, be);
    if (!xs_mkdir(CTX->xsh, t, be) ||
        !xs_set_permissions(CTX->xsh, t, be, be_perms, 2) ||
        !xs_put(gc, t, GCSPRINTF("%s/frontend", be), fe) ||
        !xs_put(gc, t, GCSPRINTF("%s/frontend-id", be),
                GCSPRINTF("%u", domid)) ||
        !xs_put(gc, t, GCSPRINTF("%s/online", be), "1") ||
        !xs_put(gc, t, GCSPRINTF("%s/state", be), "1") ||
        (name && !xs_put(gc, t, GCSPRINTF("%s/domain", be), name)))
        return false;
    xs_rm(CTX->xsh, t, fe);
    return xs_mkdir(CTX->xsh, t, fe) &&
           xs_set_permissions(CTX->xsh, t, fe, fe_perms, 2) &&
           xs_put(gc, t, GCSPRINTF("%s/backend", fe), be) &&
           xs_put(gc, t, GCSPRINTF("%s/backend-id", fe), "0") &&
           xs_put(gc, t, GCSPRINTF("%s/state", fe), "1");
}

/* Device num's entries (and num_devs, and Reconfiguring for a backend
 * that runs), in transaction t. */
static bool write_entries(libxl__gc *gc, xs_transaction_t t, const char *be,
                          int num, const libxl_device_pci *pci)
{
    char *bdf = GCSPRINTF(BDF_FMT, BDF_ARGS(pci));
    const char *rdm = libxl_rdm_reserve_policy_to_string(pci->rdm_policy);

    return xs_put(gc, t, GCSPRINTF("%s/key-%d", be, num), bdf) &&
           xs_put(gc, t, GCSPRINTF("%s/dev-%d", be, num), bdf) &&
           (!pci->vdevfn ||
            xs_put(gc, t, GCSPRINTF("%s/vdevfn-%d", be, num),
                   GCSPRINTF("%x", pci->vdevfn))) &&
           (!pci->name ||
            xs_put(gc, t, GCSPRINTF("%s/name-%d", be, num), pci->name)) &&
           xs_put(gc, t, GCSPRINTF("%s/opts-%d", be, num),
                  GCSPRINTF("msitranslate=%d,power_mgmt=%d,permissive=%d,"
                            "rdm_policy=%s", pci->msitranslate,
                            pci->power_mgmt, pci->permissive,
                            rdm ? rdm : "(null)")) &&
           xs_put(gc, t, GCSPRINTF("%s/state-%d", be, num), "1") &&
           xs_put(gc, t, GCSPRINTF("%s/num_devs", be),
                  GCSPRINTF("%d", num + 1)) &&
           (!num || xs_put(gc, t, GCSPRINTF("%s/state", be), "7"));
}

/*
 * One add in flight (ao memory). What it did is noted as it goes, so that
 * a failure or an abort at any step undoes all of it (lightcore's; libxl
 * leaves the grants, the assignment and the entries of a failed add).
 */
typedef struct {
    libxl__ao *ao;
    uint32_t domid;
    libxl_device_pci *pci;            /* the operation's copy */
    libxl_domain_type type;
    /* what there is to undo */
    bool marked;                      /* /libxl/pci/BDF/domid written */
    hw_range given[NUM_RESOURCES];    /* I/O memory and ports */
    int ngiven;
    int pirq;                         /* mapped into the guest (> 0) */
    bool irq_allowed, assigned;
    /* the backend */
    const char *be, *be_state;
    bool exists;                      /* a device was there before */
    libxl__xswait wait;
    /* an HVM guest's device model (upstream QEMU) */
    libxl__qmp qmp;
    const char *qdev_id;              /* the device's id in QEMU */
} pciadd;

/*
 * libxl__device_pci_add_xenstore after its wait: the device in the
 * stored configuration and in the backend (made with its frontend for the
 * first device), both or neither. Called with the ctx lock held or not.
 */
static int add_xenstore(libxl__gc *gc, pciadd *pa)
{
    const libxl_device_pci *pci = pa->pci;
    uint32_t domid = pa->domid;
    int num = 0;
    libxl__userdata_dom dom;
    libxl__userdata_flock lock = { .fd = -1 };
    libxl_domain_config d_config;
    void *replaced = NULL;
    bool json_written = false;
    int rc;

    libxl_domain_config_init(&d_config);
    if (pa->exists) {
        num = read_num_devs(gc, pa->be);   /* the backend's, once it rests */
        if (num < 0) {
            rc = ERROR_FAIL;
            goto out;
        }
    }
    LOGD(CTX, DEBUG, domid, "Adding new pci device to xenstore");

    if (libxl__userdata_dom_find(gc, domid, &dom) ||
        libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock, NULL)) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }
    rc = libxl__userdata_config_read(gc, &dom, &d_config);
    if (rc) goto out;
    LOGD(CTX, DEBUG, domid, "Adding new pci device to config");
    rc = libxl__device_config_put(gc, &libxl__pci_devtype, &d_config, pci,
                                  &replaced);
    if (rc) goto out;
    rc = libxl__device_dm_check_start(gc, domid, &d_config);
    if (rc) goto out;

    for (;;) {
        xs_transaction_t t = xs_transaction_start(CTX->xsh);
        if (!t) {
            LOGE(CTX, ERROR, "could not create xenstore transaction");
            rc = ERROR_FAIL;
            goto out;
        }
        rc = libxl__userdata_config_write(gc, &dom, &d_config);
        json_written |= !rc;
        if (rc ||
            (!pa->exists && !create_backend(gc, t, domid)) ||
            !write_entries(gc, t, pa->be, num, pci)) {
            xs_transaction_end(CTX->xsh, t, true);
            if (!rc) rc = ERROR_FAIL;
            goto out;
        }
        if (xs_transaction_end(CTX->xsh, t, false))
            break;
        if (errno != EAGAIN) {
            LOGE(CTX, ERROR, "could not commit xenstore transaction");
            rc = ERROR_FAIL;
            goto out;
        }
    }
    rc = 0;
out:
    /* the entries never reached xenstore: the stored configuration goes
     * back to what it was */
    if (rc && json_written &&
        (libxl__device_config_drop(gc, &libxl__pci_devtype, &d_config, pci,
                                   replaced) ||
         libxl__userdata_config_write(gc, &dom, &d_config)))
        LOGD(CTX, ERROR, domid, "could not take the pci device that failed "
             "out of the stored configuration");
    if (replaced) {
        libxl_device_pci_dispose(replaced);
        free(replaced);
    }
    libxl__userdata_unlock(&lock);
    libxl_domain_config_dispose(&d_config);
    return rc;
}

/*
 * pci_add_dm_done for a PV guest: the device's I/O memory, ports and
 * interrupt to the guest, pciback's permissive flag, the device itself.
 * Each grant is noted in pa as it is made.
 */
static int add_pv(libxl__gc *gc, pciadd *pa)
{
    const libxl_device_pci *pci = pa->pci;
    uint32_t domid = pa->domid, flag = XEN_DOMCTL_DEV_RDM_RELAXED;
    int irq, rc, r;

    rc = resources(gc, domid, pci, true, pa->given, &pa->ngiven);
    if (rc) return rc;
    irq = read_irq(gc, domid, pci);
    if (irq < 0)
        goto assign;                   /* libxl skips permissive too */
    if (irq) {
        int pirq = irq;
        r = xc_physdev_map_pirq(CTX->xch, (int)domid, irq, &pirq);
        if (r < 0) {
            LOGED(CTX, ERROR, domid, "xc_physdev_map_pirq irq=%d (error=%d)",
                  pirq, r);
            return ERROR_FAIL;
        }
        pa->pirq = pirq;
        r = xc_domain_irq_permission(CTX->xch, domid, (uint32_t)pirq, 1);
        if (r < 0) {
            LOGED(CTX, ERROR, domid, "xc_domain_irq_permission irq=%d "
                  "(error=%d)", pirq, r);
            return ERROR_FAIL;
        }
        pa->irq_allowed = true;
    }
    if (pci->permissive) {
        char *bdf = GCSPRINTF(BDF_FMT, BDF_ARGS(pci));
        r = sysfs_write(gc, SYSFS_PCIBACK "/permissive", bdf);
        if (r < 0) {
            if (errno == ENOENT || errno == EACCES)
                LOGE(CTX, ERROR, "Couldn't open %s",
                     SYSFS_PCIBACK "/permissive");
            LOGD(CTX, ERROR, domid, "Setting permissive for device");
            return ERROR_FAIL;
        }
    }
assign:
    if (pci->rdm_policy == LIBXL_RDM_RESERVE_POLICY_STRICT) {
        flag &= ~(uint32_t)XEN_DOMCTL_DEV_RDM_RELAXED;
    } else if (pci->rdm_policy != LIBXL_RDM_RESERVE_POLICY_RELAXED) {
        LOGED(CTX, ERROR, domid, "unknown rdm check flag.");
        return ERROR_FAIL;
    }
    r = xc_assign_device(CTX->xch, domid, pci_sbdf(pci), flag);
    if (r < 0 && errno != ENOSYS) {
        LOGED(CTX, ERROR, domid, "xc_assign_device failed");
        return ERROR_FAIL;
    }
    pa->assigned = r >= 0;
    return 0;
}

/*
 * Takes back what a failed add gave, newest first: the device from the
 * guest (back to quarantine, where an assignable device waits), its
 * interrupt, its pirq, its I/O ports and memory, and the device's
 * /libxl/pci node. pciback's permissive flag stays (sysfs has no way to
 * clear it) and so do the resets. Failures are logged; the others go on.
 */
static void add_undo(libxl__gc *gc, pciadd *pa)
{
    uint32_t domid = pa->domid;

    if (pa->assigned &&
        xc_deassign_device(CTX->xch, domid, pci_sbdf(pa->pci)) < 0)
        LOGED(CTX, ERROR, domid, "undoing a failed add: "
              "xc_deassign_device failed");
    if (pa->irq_allowed &&
        xc_domain_irq_permission(CTX->xch, domid, (uint32_t)pa->pirq, 0) < 0)
        LOGED(CTX, ERROR, domid, "undoing a failed add: "
              "xc_domain_irq_permission irq=%d", pa->pirq);
    if (pa->pirq > 0 &&
        xc_physdev_unmap_pirq(CTX->xch, (int)domid, pa->pirq) < 0)
        LOGED(CTX, ERROR, domid, "undoing a failed add: "
              "xc_physdev_unmap_pirq irq=%d", pa->pirq);
    for (int i = pa->ngiven - 1; i >= 0; i--) {
        const hw_range *g = &pa->given[i];
        int r = g->io
            ? xc_domain_ioport_permission(CTX->xch, domid, (uint32_t)g->start,
                                          (uint32_t)g->count, 0)
            : xc_domain_iomem_permission(CTX->xch, domid, g->start,
                                         g->count, 0);
        if (r < 0)
            LOGED(CTX, ERROR, domid, "undoing a failed add: %s %#" PRIx64
                  "+%#" PRIx64, g->io ? "ioport" : "iomem", g->start,
                  g->count);
    }
    /* only the node this add wrote: libxl also removes the node of a
     * device it refused (one a guest has) or of the last device a name
     * lookup looked at; the empty /libxl/pci/BDF directory stays, as
     * libxl leaves it */
    if (pa->marked)
        xs_rm(CTX->xsh, XBT_NULL, domid_node(gc, pa->pci));
    pa->assigned = pa->irq_allowed = pa->marked = false;
    pa->pirq = pa->ngiven = 0;
}

/* Whether the device is among those set aside for guests. */
static bool is_assignable(libxl__gc *gc, const libxl_device_pci *pci)
{
    int num = 0;
    libxl_device_pci *list = libxl_device_pci_assignable_list(CTX, &num);
    bool found = false;

    for (int i = 0; list && i < num && !found; i++)
        found = pci_same(&list[i], pci);
    libxl_device_pci_assignable_list_free(list, num);
    return found;
}

/* Whether pciback has the device. */
static bool pciback_has(libxl__gc *gc, const libxl_device_pci *pci)
{
    return !access(GCSPRINTF(SYSFS_PCIBACK "/" BDF_FMT, BDF_ARGS(pci)),
                   F_OK);
}

/*
 * The PCI functions a multi-function device has in sysfs (its mask), all
 * of which must be pciback's. 0, or -1 (logged).
 */
static int function_mask(libxl__gc *gc, const libxl_device_pci *pci,
                         unsigned *mask)
{
    *mask = 0;
    for (unsigned fn = 0; fn < 8; fn++) {
        libxl_device_pci f = *pci;
        f.func = (uint8_t)fn;
        if (access(GCSPRINTF(SYSFS_PCI_DEVICES "/" BDF_FMT, BDF_ARGS(&f)),
                   F_OK))
            continue;
        if (!pciback_has(gc, &f)) {
            LOG(CTX, ERROR, BDF_FMT " is not assigned to pciback driver",
                BDF_ARGS(&f));
            return -1;
        }
        *mask |= 1u << fn;
    }
    return 0;
}

/*
 * libxl__device_pci_add for a running guest up to the backend's wait:
 * the checks, the /libxl/pci node, the reset, the grants and the
 * assignment (do_pci_add, pci_add_dm_done), then what the backend has.
 * Runs without the ctx lock.
 */
static int add_prepare(libxl__gc *gc, pciadd *pa)
{
    libxl_device_pci *pci = pa->pci;
    uint32_t domid = pa->domid;
    libxl_domain_type type;
    int rc;

    if (pci->name) {
        rc = libxl__pci_name_to_bdf(gc, pci);
        if (rc) return rc;
    }
    type = libxl__domain_type(gc, domid);
    if (type == LIBXL_DOMAIN_TYPE_HVM &&
        xc_test_assign_device(CTX->xch, domid, pci_sbdf(pci))) {
        LOGD(CTX, ERROR, domid, "PCI device %04x:%02x:%02x.%u %s?",
             BDF_ARGS(pci), errno == EOPNOTSUPP
             ? "cannot be assigned - no IOMMU"
             : "already assigned to a different guest");
        return ERROR_NONSPECIFIC;           /* libxl's -1 */
    }
    if (pci->rdm_policy == LIBXL_RDM_RESERVE_POLICY_INVALID)
        pci->rdm_policy = LIBXL_RDM_RESERVE_POLICY_STRICT;
    if (pci->seize && !pciback_has(gc, pci)) {
        rc = libxl_device_pci_assignable_add(CTX, pci, 1);
        if (rc) return rc;
    }
    if (!is_assignable(gc, pci)) {
        LOGD(CTX, ERROR, domid, "PCI device %x:%x:%x.%x is not assignable",
             BDF_ARGS(pci));
        return ERROR_FAIL;
    }
    if (!xs_write(CTX->xsh, XBT_NULL, domid_node(gc, pci),
                  GCSPRINTF("%u", domid), strlen(GCSPRINTF("%u", domid)))) {
        LOGE(CTX, ERROR, "xenstore write failed: `%s'", domid_node(gc, pci));
        return ERROR_FAIL;
    }
    pa->marked = true;
    reset_device(gc, pci);

    /* the functions to give: libxl gives the highest one only */
    unsigned orig_vdev = pci->vdevfn & ~7u, pmask;
    if (pci->vfunc_mask == LIBXL_PCI_FUNC_ALL) {
        if (!(pci->vdevfn >> 3)) {
            LOGD(CTX, ERROR, domid, "Must specify a v-slot for multi-function"
                 " devices");
            return ERROR_INVAL;
        }
        if (function_mask(gc, pci, &pmask))
            return ERROR_FAIL;
        pci->vfunc_mask &= pmask;
    } else {
        pmask = 1u << pci->func;
    }
    for (int fn = 7; fn >= 0; fn--) {
        if (!(pmask & (1u << fn)))
            continue;
        if (pci->vfunc_mask == pmask) {
            pci->func = (uint8_t)fn;
            pci->vdevfn = orig_vdev | (unsigned)fn;
        } else {
            pci->vdevfn = orig_vdev;
        }
        break;
    }

    /* do_pci_add */
    pa->type = libxl__domain_type(gc, domid);
    if (pa->type == LIBXL_DOMAIN_TYPE_INVALID) {
        libxl__domain_type(gc, domid);             /* pci_add_dm_done asks again */
        return ERROR_FAIL;
    }
    if (pa->type == LIBXL_DOMAIN_TYPE_HVM) {
        /* the device model: upstream QEMU only (over QMP) */
        char *path = GCSPRINTF("/libxl/%u/dm-version", domid);
        char *v = libxl__xs_read_checked(gc, XBT_NULL, path, XS_VALUE_MAX);
        libxl_device_model_version dmv;
        if (!v && errno != ENOENT)
            return ERROR_FAIL;
        if (v && libxl_device_model_version_from_string(v, &dmv)) {
            LOGD(CTX, ERROR, domid, "fatal: %s contain a wrong value (%s)",
                 path, v);
            return ERROR_INVAL;
        }
        if (!v || dmv != LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN) {
            /* qemu-traditional's pci-ins through xenstore: not done */
            LOGD(CTX, ERROR, domid, "PCI passthrough to an HVM guest of "
                 "qemu-traditional is not implemented");
            return ERROR_NI;
        }
        pa->qdev_id = libxl__ao_sprintf(pa->ao, "pci-pt-%02x_%02x.%01x",
                                        pci->bus, pci->dev, pci->func);
        return pa->qdev_id ? 0 : ERROR_NOMEM;
    }
    return 0;
}

/*
 * pci_add_dm_done: the device's grants and assignment (after the device
 * model took it, for an HVM guest), then what the backend has, up to
 * libxl__device_pci_add_xenstore's wait.
 */
static int add_dm_done(libxl__gc *gc, pciadd *pa)
{
    uint32_t domid = pa->domid;
    int rc = add_pv(gc, pa);

    if (rc) return rc;

    /* libxl__device_pci_add_xenstore, up to its wait */
    pa->be = libxl__ao_sprintf(pa->ao, "%s", backend_dir(gc, domid));
    pa->be_state = libxl__ao_sprintf(pa->ao, "%s/state", pa->be);
    if (!pa->be || !pa->be_state)
        return ERROR_NOMEM;
    pa->exists = read_num_devs(gc, pa->be) >= 0;
    if (!pa->exists && errno != ENOENT)
        return ERROR_FAIL;
    pa->type = libxl__domain_type(gc, domid);
    if (pa->type == LIBXL_DOMAIN_TYPE_INVALID)
        return ERROR_FAIL;
    return 0;
}

static void add_failed(libxl__gc *gc, uint32_t domid,
                       const libxl_device_pci *pci, int rc)
{
    if (pci->name)
        LOGD(CTX, ERROR, domid, "libxl__device_pci_add failed for PCI device"
             " '%s' (rc %d)", pci->name, rc);
    else
        LOGD(CTX, ERROR, domid, "libxl__device_pci_add failed for PCI device"
             " %x:%x:%x.%x (rc %d)", BDF_ARGS(pci), rc);
}

/* The add is over: undone if it failed, then completed. */
static void add_done(libxl__egc *egc, pciadd *pa, int rc)
{
    libxl__gc *gc = libxl__ao_gc(pa->ao);

    libxl__qmp_close(&pa->qmp);
    if (rc) {
        add_undo(gc, pa);
        add_failed(gc, pa->domid, pa->pci, rc);
        LOG(CTX, ERROR, "unable to add device");
    }
    libxl_device_pci_dispose(pa->pci);
    libxl__ao_complete(egc, pa->ao, rc);
}

/*
 * The running backend's state while the add waits for it to be Connected
 * (as libxl__wait_for_backend, but abortable and without blocking the
 * thread): then the entries; its absence, the deadline or an abort end
 * the add.
 */
static void add_backend_state(libxl__egc *egc, libxl__xswait *xsw, int rc,
                              const char *value)
{
    pciadd *pa = CONTAINER_OF(xsw, pciadd, wait);
    libxl__gc *gc = libxl__ao_gc(pa->ao);

    if (!rc && value && strcmp(value, "4"))
        return;                                 /* not yet */
    libxl__xswait_stop(xsw);
    if (!rc && !value) {
        LOG(CTX, ERROR, "Backend %s does not exist", pa->be);
        rc = ERROR_FAIL;
    } else if (rc == ERROR_TIMEDOUT) {
        LOG(CTX, ERROR, "Backend %s not ready", pa->be);
        rc = ERROR_FAIL;
    }
    if (!rc)
        rc = add_xenstore(gc, pa);
    add_done(egc, pa, rc);
}

/* After the grants (rc): the entries, once a running PV backend is
 * Connected. */
static void add_backend(libxl__egc *egc, pciadd *pa, int rc)
{
    libxl__gc *gc = libxl__ao_gc(pa->ao);

    if (!rc && libxl__ao_aborting(pa->ao))
        rc = ERROR_ABORTED;
    if (rc) {
        add_done(egc, pa, rc);
    } else if (pa->exists && pa->type == LIBXL_DOMAIN_TYPE_PV) {
        pa->wait.ao = pa->ao;
        pa->wait.what = libxl__ao_sprintf(pa->ao, "pci backend %s", pa->be);
        pa->wait.path = pa->be_state;
        pa->wait.timeout_ms = libxl__device_timeout_ms(LIBXL__DEVTIMEOUT_INIT);
        pa->wait.callback = add_backend_state;
        rc = libxl__xswait_start(&pa->wait);
        if (rc) add_done(egc, pa, rc);
    } else {
        add_done(egc, pa, add_xenstore(gc, pa));
    }
}

/* ---- an HVM guest: QEMU's xen-pci-passthrough device over QMP */

#define QMP_TIMEOUT_MS 10000          /* libxl's LIBXL_QMP_CMD_TIMEOUT */

static void add_qmp_added(libxl__egc *egc, libxl__qmp *qmp, int rc,
                          struct json_object *response);
static void add_qmp_queried(libxl__egc *egc, libxl__qmp *qmp, int rc,
                            struct json_object *response);

/* device_add of the device (driver, id, hostaddr, its virtual slot if
 * asked for, permissive if asked for, in libxl's order). 0 (a callback
 * follows) or an error. */
static int add_qmp_device_add(pciadd *pa)
{
    const libxl_device_pci *pci = pa->pci;
    libxl__gc *gc = libxl__ao_gc(pa->ao);
    struct json_object *args = json_object_new_object();
    char addr[16], host[32];
    int rc;

    if (!args) return ERROR_NOMEM;
    snprintf(host, sizeof(host), BDF_FMT, BDF_ARGS(pci));
    snprintf(addr, sizeof(addr), "%x.%x", (pci->vdevfn >> 3) & 0x1f,
             pci->vdevfn & 7);
    if (json_object_object_add(args, "driver",
                               json_object_new_string("xen-pci-passthrough"))
        || json_object_object_add(args, "id",
                                  json_object_new_string(pa->qdev_id)) ||
        json_object_object_add(args, "hostaddr",
                               json_object_new_string(host)) ||
        (pci->vdevfn &&
         json_object_object_add(args, "addr", json_object_new_string(addr)))
        || (pci->permissive &&
            json_object_object_add(args, "permissive",
                                   json_object_new_boolean(1)))) {
        json_object_put(args);
        return ERROR_NOMEM;
    }
    pa->qmp.ao = pa->ao;
    pa->qmp.what = "QMP";
    pa->qmp.path = libxl__qmp_socket_path(gc, pa->domid);
    pa->qmp.connect_timeout_ms = 0;              /* libxl tries once */
    pa->qmp.timeout_ms = QMP_TIMEOUT_MS;
    pa->qmp.callback = add_qmp_added;
    rc = pa->qmp.path ? libxl__qmp_send(&pa->qmp, "device_add", args, -1)
                      : ERROR_NOMEM;
    json_object_put(args);
    return rc;
}

static void add_qmp_added(libxl__egc *egc, libxl__qmp *qmp, int rc,
                          struct json_object *response)
{
    pciadd *pa = CONTAINER_OF(qmp, pciadd, qmp);

    (void)response;
    if (!rc) {
        qmp->callback = add_qmp_queried;
        rc = libxl__qmp_send(qmp, "query-pci", NULL, -1);
    }
    if (rc) add_done(egc, pa, rc);
}

/* A member of a JSON object, of the type wanted, or NULL. */
static struct json_object *member(struct json_object *o, const char *key,
                                  json_type type)
{
    struct json_object *v = NULL;

    if (!o || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, type))
        return NULL;
    return v;
}

/* The device's virtual slot and function, as QEMU placed it: from the
 * query-pci answer (an array of buses, each with an array of devices:
 * qdev_id, slot, function). 0, ERROR_QEMU_API for an answer of another
 * shape, or ERROR_FAIL when the device is not there (both logged). */
static int add_qmp_slot(libxl__gc *gc, pciadd *pa, struct json_object *resp)
{
    size_t nbus = json_object_is_type(resp, json_type_array)
                  ? json_object_array_length(resp) : 0;

    for (size_t i = 0; i < nbus; i++) {
        struct json_object *devs =
            member(json_object_array_get_idx(resp, i), "devices",
                   json_type_array);
        if (!devs) goto api;
        for (size_t j = 0; j < json_object_array_length(devs); j++) {
            struct json_object *d = json_object_array_get_idx(devs, j);
            struct json_object *id = member(d, "qdev_id", json_type_string);
            if (!id) goto api;
            if (strcmp(json_object_get_string(id), pa->qdev_id))
                continue;
            struct json_object *slot = member(d, "slot", json_type_int);
            struct json_object *fn = member(d, "function", json_type_int);
            if (!slot || !fn) goto api;
            int64_t sv = json_object_get_int64(slot);
            int64_t fv = json_object_get_int64(fn);
            /* libxl packs them as PCI_DEVFN; out-of-range values are
             * masked the same way */
            pa->pci->vdevfn = (uint32_t)(((sv & 0x1f) << 3) | (fv & 7));
            return 0;
        }
    }
    LOGD(CTX, ERROR, pa->domid, "PCI device id '%s' wasn't found in QEMU's "
         "'query-pci' response.", pa->qdev_id);
    return ERROR_FAIL;
api:
    LOGD(CTX, ERROR, pa->domid, "Unexpected response to QMP cmd "
         "'query-pci', received:\n%s",
         json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PRETTY));
    return ERROR_QEMU_API;
}

static void add_qmp_queried(libxl__egc *egc, libxl__qmp *qmp, int rc,
                            struct json_object *response)
{
    pciadd *pa = CONTAINER_OF(qmp, pciadd, qmp);
    libxl__gc *gc = libxl__ao_gc(pa->ao);

    if (!rc)
        rc = add_qmp_slot(gc, pa, response);
    libxl__qmp_close(qmp);
    if (!rc)
        rc = add_dm_done(gc, pa);
    add_backend(egc, pa, rc);
}

int libxl_device_pci_add(libxl_ctx *ctx, uint32_t domid,
                         libxl_device_pci *pci,
                         const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    libxl__gc *gc = libxl__ao_gc(ao);
    pciadd *pa = libxl__ao_zalloc(ao, sizeof(*pa));
    libxl_device_pci *copy = libxl__ao_zalloc(ao, sizeof(*copy));
    int rc;

    if (!pa || !copy) return AO_CREATE_FAIL(ERROR_NOMEM);
    libxl_device_pci_init(copy);
    libxl_device_pci_copy(ctx, copy, pci);      /* the caller's is kept */
    pa->ao = ao;
    pa->domid = domid;
    pa->pci = copy;
    libxl__xswait_init(&pa->wait);
    libxl__qmp_init(&pa->qmp);
    AO_UNLOCKED(ao, rc = add_prepare(gc, pa));
    if (!rc && pa->type == LIBXL_DOMAIN_TYPE_HVM) {
        rc = add_qmp_device_add(pa);
        if (rc) add_done(egc, pa, rc);
        return AO_INPROGRESS;
    }
    if (!rc)
        AO_UNLOCKED(ao, rc = add_dm_done(gc, pa));
    add_backend(egc, pa, rc);
    return AO_INPROGRESS;
}

/* ------------------------------------------------------------ remove */

/* Whether dev-N of the backend names pci (a missing or malformed entry
 * names nothing). */
static bool entry_is(libxl__gc *gc, const char *be, int n,
                     const libxl_device_pci *pci)
{
    char *v = libxl__xs_read_checked(gc, XBT_NULL,
                                     GCSPRINTF("%s/dev-%d", be, n),
                                     XS_VALUE_MAX);
    unsigned seg, bus, dev, fn;
    int end = -1;

    if (!v || sscanf(v, "%4x:%2x:%2x.%1x%n", &seg, &bus, &dev, &fn, &end) != 4
        || end != (int)strlen(v))
        return false;
    return seg == (unsigned)pci->domain && bus == pci->bus &&
           dev == pci->dev && fn == pci->func;
}

/* Moves from/KEY-j to KEY-(j-1) in t when it exists. */
static bool shift_entry(libxl__gc *gc, xs_transaction_t t, const char *be,
                        const char *key, int j)
{
    char *from = GCSPRINTF("%s/%s-%d", be, key, j);
    char *v = libxl__xs_read_checked(gc, t, from, XS_VALUE_MAX);

    if (!v)
        return true;
    if (!xs_put(gc, t, GCSPRINTF("%s/%s-%d", be, key, j - 1), v))
        return false;
    xs_rm(CTX->xsh, t, from);
    return true;
}

/* Runs body (a function of t) in transactions until one commits. */
typedef bool (*xs_body)(libxl__gc *gc, xs_transaction_t t, void *arg);
static int in_transaction(libxl__gc *gc, xs_body body, void *arg)
{
    for (;;) {
        xs_transaction_t t = xs_transaction_start(CTX->xsh);
        if (!t) {
            LOGE(CTX, ERROR, "could not create xenstore transaction");
            return ERROR_FAIL;
        }
        if (!body(gc, t, arg)) {
            xs_transaction_end(CTX->xsh, t, true);
            return ERROR_FAIL;
        }
        if (xs_transaction_end(CTX->xsh, t, false))
            return 0;
        if (errno != EAGAIN) {
            LOGE(CTX, ERROR, "could not commit xenstore transaction");
            return ERROR_FAIL;
        }
    }
}

typedef struct {
    const char *be;
    int i, num;
} entries_ctx;

static bool ask_close(libxl__gc *gc, xs_transaction_t t, void *arg)
{
    entries_ctx *e = arg;

    return xs_put(gc, t, GCSPRINTF("%s/state-%d", e->be, e->i), "5") &&
           xs_put(gc, t, GCSPRINTF("%s/state", e->be), "7");
}

static bool drop_entries(libxl__gc *gc, xs_transaction_t t, void *arg)
{
    static const char *const keys[] = {
        "state", "key", "dev", "vdev", "opts", "vdevfn", "name",
    };
    static const char *const moved[] = {
        "state", "dev", "key", "vdev", "opts", "vdevfn", "name",
    };
    entries_ctx *e = arg;

    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        xs_rm(CTX->xsh, t, GCSPRINTF("%s/%s-%d", e->be, keys[k], e->i));
    if (!xs_put(gc, t, GCSPRINTF("%s/num_devs", e->be),
                GCSPRINTF("%d", e->num - 1)))
        return false;
    for (int j = e->i + 1; j < e->num; j++)
        for (size_t k = 0; k < sizeof(moved) / sizeof(moved[0]); k++)
            if (!shift_entry(gc, t, e->be, moved[k], j))
                return false;
    return true;
}

/*
 * One remove in flight (ao memory): the functions of the device, highest
 * first, each taken from the guest (do_pci_remove) then out of the
 * backend (libxl__device_pci_remove_xenstore); the waits for the backend
 * to be Connected are event-driven (abortable, bounded by the device init
 * deadline) where libxl polls.
 */
typedef struct {
    libxl__ao *ao;
    uint32_t domid;
    libxl_device_pci *pci;            /* the operation's copy */
    bool force;
    unsigned orig_vdev, pmask;
    int fn;                           /* the function being removed */
    libxl_domain_type type;
    const char *be, *be_state;
    entries_ctx e;
    bool closing;                     /* state-N 5 written */
    int rc;                           /* ERROR_ABORTED once aborted */
    libxl__xswait wait;
    /* an HVM guest's device model (upstream QEMU) */
    libxl__qmp qmp;
    libxl__ao_time deadline, retry;
    const char *qdev_id;
} pcirm;

#define RM_BY_QMP 1                   /* rm_hw: the device model's turn */

static void rm_next(libxl__egc *egc, pcirm *pr);
static void rm_step(libxl__egc *egc, pcirm *pr);

/* pci_remove_detached: unless the remove failed (rc) and is not forced,
 * the device is reset and taken from the guest. 0 or rc. */
static int rm_detached_hw(libxl__gc *gc, pcirm *pr, bool hvm, int rc)
{
    libxl_device_pci *pci = pr->pci;

    if (rc && !pr->force)
        return rc;
    if (!(pci->vdevfn & 7))
        reset_device(gc, pci);
    if (xc_deassign_device(CTX->xch, pr->domid, pci_sbdf(pci)) < 0 &&
        (hvm || errno != ENOSYS))
        LOGED(CTX, ERROR, pr->domid, "xc_deassign_device failed");
    return 0;
}

/* do_pci_remove and what follows before the backend, for the current
 * function of the device: 0, RM_BY_QMP (an HVM guest's device model is
 * asked first), or its error (logged). */
static int rm_hw(libxl__gc *gc, pcirm *pr)
{
    libxl_device_pci *pci = pr->pci;
    uint32_t domid = pr->domid;
    libxl_domain_type type = libxl__domain_type(gc, domid);
    libxl_device_pci *list;
    bool attached = false;
    int num = 0, rc;

    list = libxl_device_pci_list(CTX, domid, &num);
    if (!list) {
        rc = ERROR_FAIL;
        goto detached;
    }
    for (int i = 0; i < num && !attached; i++)
        attached = pci_same(&list[i], pci);
    libxl_device_pci_list_free(list, num);
    if (!attached) {
        LOGD(CTX, ERROR, domid, "PCI device not attached to this domain");
        rc = ERROR_INVAL;
        goto detached;
    }
    if (type == LIBXL_DOMAIN_TYPE_HVM) {
        /* the device model lets it go first: upstream QEMU only */
        char *path = GCSPRINTF("/libxl/%u/dm-version", domid);
        char *v = libxl__xs_read_checked(gc, XBT_NULL, path, XS_VALUE_MAX);
        libxl_device_model_version dmv;
        if (v && libxl_device_model_version_from_string(v, &dmv)) {
            LOGD(CTX, ERROR, domid, "fatal: %s contain a wrong value (%s)",
                 path, v);
            rc = ERROR_INVAL;
        } else if (v && dmv == LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN) {
            pr->qdev_id = libxl__ao_sprintf(pr->ao, "pci-pt-%02x_%02x.%01x",
                                            pci->bus, pci->dev, pci->func);
            return pr->qdev_id ? RM_BY_QMP : ERROR_NOMEM;
        } else {
            LOGD(CTX, ERROR, domid, "PCI passthrough to an HVM guest of "
                 "qemu-traditional is not implemented");
            rc = ERROR_NI;
        }
        goto detached;
    }
    /* the guest loses the device's memory, ports and interrupt (each
     * failure logged, none fatal) */
    resources(gc, domid, pci, false, NULL, NULL);
    int irq = read_irq(gc, domid, pci);
    if (irq > 0) {
        if (xc_physdev_unmap_pirq(CTX->xch, (int)domid, irq) < 0)
            LOGED(CTX, ERROR, domid, "xc_physdev_unmap_pirq irq=%d", irq);
        if (xc_domain_irq_permission(CTX->xch, domid, (uint32_t)irq, 0) < 0)
            LOGED(CTX, ERROR, domid, "xc_domain_irq_permission irq=%d", irq);
    }
    rc = 0;
detached:
    return rm_detached_hw(gc, pr, type == LIBXL_DOMAIN_TYPE_HVM, rc);
}

/* The remove is over. */
static void rm_done(libxl__egc *egc, pcirm *pr, int rc)
{
    libxl__qmp_close(&pr->qmp);
    libxl__ao_time_deregister(egc->ctx, &pr->deadline);
    libxl__ao_time_deregister(egc->ctx, &pr->retry);
    if (rc) LOG(egc->ctx, ERROR, "unable to remove device");
    libxl_device_pci_dispose(pr->pci);
    libxl__ao_complete(egc, pr->ao, rc);
}

/* ---- an HVM guest: QEMU lets the device go (device_del, then query-pci
 * every second until it is gone, within libxl's 10 s) */

static void rm_xenstore(libxl__egc *egc, pcirm *pr);
static void rm_qmp_deleted(libxl__egc *egc, libxl__qmp *qmp, int rc,
                           struct json_object *response);
static void rm_qmp_queried(libxl__egc *egc, libxl__qmp *qmp, int rc,
                           struct json_object *response);

/* The device model is done with the device (rc 0) or failed: as libxl's
 * pci_remove_detached. */
static void rm_qmp_detached(libxl__egc *egc, pcirm *pr, int rc)
{
    libxl__gc *gc = libxl__ao_gc(pr->ao);

    libxl__qmp_close(&pr->qmp);
    libxl__ao_time_deregister(egc->ctx, &pr->deadline);
    libxl__ao_time_deregister(egc->ctx, &pr->retry);
    rc = rm_detached_hw(gc, pr, true, rc);
    if (rc) {
        rm_done(egc, pr, rc);
        return;
    }
    rm_xenstore(egc, pr);
}

static void rm_qmp_deadline(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    pcirm *pr = CONTAINER_OF(t, pcirm, deadline);

    if (rc == ERROR_TIMEDOUT)
        LOGD(egc->ctx, WARN, pr->domid, "timed out waiting for DM to remove "
             "%s", pr->qdev_id);
    rm_qmp_detached(egc, pr, rc);
}

static void rm_qmp_query(libxl__egc *egc, pcirm *pr)
{
    int rc;

    pr->qmp.callback = rm_qmp_queried;
    rc = libxl__qmp_send(&pr->qmp, "query-pci", NULL, -1);
    if (rc) rm_qmp_detached(egc, pr, rc);
}

static void rm_qmp_retry(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    pcirm *pr = CONTAINER_OF(t, pcirm, retry);

    if (rc == ERROR_TIMEDOUT)
        rm_qmp_query(egc, pr);
    else
        rm_qmp_detached(egc, pr, rc);
}

static void rm_qmp_del(libxl__egc *egc, pcirm *pr)
{
    libxl__gc *gc = libxl__ao_gc(pr->ao);
    struct json_object *args = json_object_new_object();
    int rc = ERROR_NOMEM;

    if (!args ||
        json_object_object_add(args, "id",
                               json_object_new_string(pr->qdev_id)))
        goto out;
    rc = libxl__ao_time_register(pr->ao, &pr->deadline, rm_qmp_deadline,
                                 QMP_TIMEOUT_MS);
    if (rc) goto out;
    pr->qmp.ao = pr->ao;
    pr->qmp.what = "QMP";
    pr->qmp.path = libxl__qmp_socket_path(gc, pr->domid);
    pr->qmp.connect_timeout_ms = 0;
    pr->qmp.timeout_ms = QMP_TIMEOUT_MS;
    pr->qmp.callback = rm_qmp_deleted;
    rc = pr->qmp.path ? libxl__qmp_send(&pr->qmp, "device_del", args, -1)
                      : ERROR_NOMEM;
out:
    json_object_put(args);
    if (rc) rm_qmp_detached(egc, pr, rc);
}

static void rm_qmp_deleted(libxl__egc *egc, libxl__qmp *qmp, int rc,
                           struct json_object *response)
{
    pcirm *pr = CONTAINER_OF(qmp, pcirm, qmp);

    (void)response;
    if (rc)
        rm_qmp_detached(egc, pr, rc);
    else
        rm_qmp_query(egc, pr);
}

/* Whether QEMU still lists the device: 1, 0, or ERROR_QEMU_API for an
 * answer of another shape. */
static int qemu_has(struct json_object *resp, const char *qdev_id)
{
    size_t nbus = json_object_is_type(resp, json_type_array)
                  ? json_object_array_length(resp) : 0;

    for (size_t i = 0; i < nbus; i++) {
        struct json_object *devs =
            member(json_object_array_get_idx(resp, i), "devices",
                   json_type_array);
        if (!devs) return ERROR_QEMU_API;
        for (size_t j = 0; j < json_object_array_length(devs); j++) {
            struct json_object *id =
                member(json_object_array_get_idx(devs, j), "qdev_id",
                       json_type_string);
            if (!id) return ERROR_QEMU_API;
            if (!strcmp(json_object_get_string(id), qdev_id))
                return 1;
        }
    }
    return 0;
}

static void rm_qmp_queried(libxl__egc *egc, libxl__qmp *qmp, int rc,
                           struct json_object *response)
{
    pcirm *pr = CONTAINER_OF(qmp, pcirm, qmp);

    if (!rc) {
        rc = qemu_has(response, pr->qdev_id);
        if (rc == 1) {                    /* not yet: again in a second */
            rc = libxl__ao_time_register(pr->ao, &pr->retry, rm_qmp_retry,
                                         1000);
            if (!rc) return;
        }
    }
    rm_qmp_detached(egc, pr, rc);
}

/* The backend's state while the remove waits for it to be Connected: then
 * the next step; its absence, the deadline or an abort end this
 * function's xenstore part (libxl ignores its result; an abort is the
 * remove's result: the device is the guest's no more, its entries stay as
 * when the backend does not answer). */
static void rm_backend_state(libxl__egc *egc, libxl__xswait *xsw, int rc,
                             const char *value)
{
    pcirm *pr = CONTAINER_OF(xsw, pcirm, wait);
    libxl__gc *gc = libxl__ao_gc(pr->ao);

    if (!rc && value && strcmp(value, "4"))
        return;                                 /* not yet */
    libxl__xswait_stop(xsw);
    if (rc == ERROR_ABORTED)
        pr->rc = rc;        /* left as a backend that does not answer */
    else if (!rc && !value)
        LOG(CTX, ERROR, "Backend %s does not exist", pr->be);
    else if (rc == ERROR_TIMEDOUT)
        LOG(CTX, ERROR, "Backend %s not ready", pr->be);
    if (rc || !value) {
        LOGD(CTX, DEBUG, pr->domid, "pci backend at %s is not ready", pr->be);
        rm_next(egc, pr);
        return;
    }
    rm_step(egc, pr);
}

/* Waits (PV) for the backend to be Connected, then rm_step. */
static void rm_wait(libxl__egc *egc, pcirm *pr)
{
    int rc;

    if (pr->type != LIBXL_DOMAIN_TYPE_PV) {
        rm_step(egc, pr);
        return;
    }
    pr->wait.ao = pr->ao;
    pr->wait.what = libxl__ao_sprintf(pr->ao, "pci backend %s", pr->be);
    pr->wait.path = pr->be_state;
    pr->wait.timeout_ms = libxl__device_timeout_ms(LIBXL__DEVTIMEOUT_INIT);
    pr->wait.callback = rm_backend_state;
    rc = libxl__xswait_start(&pr->wait);
    if (rc == ERROR_ABORTED)
        pr->rc = rc;
    if (rc)
        rm_next(egc, pr);
}

/*
 * libxl__device_pci_remove_xenstore's steps once the backend rests: the
 * device's entry asked to close (Reconfiguring), then, rested again, its
 * entries out (the later ones moved down); the last device takes the
 * backend and frontend with it.
 */
static void rm_step(libxl__egc *egc, pcirm *pr)
{
    libxl__gc *gc = libxl__ao_gc(pr->ao);
    entries_ctx *e = &pr->e;

    if (!pr->closing) {
        for (e->i = 0; e->i < e->num && !entry_is(gc, pr->be, e->i, pr->pci);
             e->i++) {}
        if (e->i == e->num) {
            LOGD(CTX, ERROR, pr->domid, "Couldn't find the device on "
                 "xenstore");
            rm_next(egc, pr);
            return;
        }
        if (in_transaction(gc, ask_close, e)) {
            rm_next(egc, pr);
            return;
        }
        pr->closing = true;
        rm_wait(egc, pr);
        return;
    }
    if (!in_transaction(gc, drop_entries, e) && e->num == 1) {
        libxl__devaddr addr = {
            .kind = LIBXL__DEVKIND_PCI, .backend_kind = LIBXL__DEVKIND_PCI,
            .domid = pr->domid, .backend_domid = 0, .devid = 0,
        };
        libxl__device_destroy_nodes(gc, &addr);
    }
    rm_next(egc, pr);
}

/* The current function's xenstore part (its result ignored, as libxl
 * ignores it). */
static void rm_xenstore(libxl__egc *egc, pcirm *pr)
{
    libxl__gc *gc = libxl__ao_gc(pr->ao);

    pr->closing = false;
    pr->e.be = pr->be;
    pr->e.num = read_num_devs(gc, pr->be);
    if (pr->e.num < 0) {
        rm_next(egc, pr);
        return;
    }
    pr->type = libxl__domain_type(gc, pr->domid);
    if (pr->type == LIBXL_DOMAIN_TYPE_INVALID) {
        rm_next(egc, pr);
        return;
    }
    rm_wait(egc, pr);
}

/* The next function of the device (highest first), or the end: the
 * device's /libxl/pci node goes. */
static void rm_next(libxl__egc *egc, pcirm *pr)
{
    libxl__gc *gc = libxl__ao_gc(pr->ao);
    libxl_device_pci *pci = pr->pci;
    int rc;

    while (--pr->fn >= 0 && !(pr->pmask & (1u << pr->fn))) {}
    if (pr->fn < 0) {
        xs_rm(CTX->xsh, XBT_NULL, domid_node(gc, pci));
        rm_done(egc, pr, pr->rc);
        return;
    }
    if (pci->vfunc_mask == pr->pmask) {
        pci->func = (uint8_t)pr->fn;
        pci->vdevfn = pr->orig_vdev | (unsigned)pr->fn;
    } else {
        pci->vdevfn = pr->orig_vdev;
    }
    rc = rm_hw(gc, pr);
    if (rc == RM_BY_QMP) {
        rm_qmp_del(egc, pr);
        return;
    }
    if (rc) {
        rm_done(egc, pr, rc);
        return;
    }
    rm_xenstore(egc, pr);
}

/* libxl__device_pci_remove_common's start: the device named, its
 * functions found. */
static int rm_prepare(libxl__gc *gc, pcirm *pr)
{
    libxl_device_pci *pci = pr->pci;
    int rc;

    if (pci->name) {
        rc = libxl__pci_name_to_bdf(gc, pci);
        if (rc) return rc;
    }
    pr->orig_vdev = pci->vdevfn & ~7u;
    if (pci->vfunc_mask == LIBXL_PCI_FUNC_ALL) {
        if (function_mask(gc, pci, &pr->pmask))
            return ERROR_FAIL;
        pci->vfunc_mask &= pr->pmask;
    } else {
        pr->pmask = 1u << pci->func;
    }
    pr->fn = 8;
    pr->be = libxl__ao_sprintf(pr->ao, "%s", backend_dir(gc, pr->domid));
    pr->be_state = libxl__ao_sprintf(pr->ao, "%s/state", pr->be);
    return pr->be && pr->be_state ? 0 : ERROR_NOMEM;
}

static int remove_op(libxl_ctx *ctx, uint32_t domid, libxl_device_pci *pci,
                     bool force, const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    libxl__gc *gc = libxl__ao_gc(ao);
    pcirm *pr = libxl__ao_zalloc(ao, sizeof(*pr));
    libxl_device_pci *copy = libxl__ao_zalloc(ao, sizeof(*copy));
    int rc;

    if (!pr || !copy) return AO_CREATE_FAIL(ERROR_NOMEM);
    libxl_device_pci_init(copy);
    libxl_device_pci_copy(ctx, copy, pci);
    pr->ao = ao;
    pr->domid = domid;
    pr->pci = copy;
    pr->force = force;
    libxl__xswait_init(&pr->wait);
    libxl__qmp_init(&pr->qmp);
    libxl__ao_time_init(&pr->deadline);
    libxl__ao_time_init(&pr->retry);
    AO_UNLOCKED(ao, rc = rm_prepare(gc, pr));
    if (rc)
        rm_done(egc, pr, rc);
    else
        rm_next(egc, pr);
    return AO_INPROGRESS;
}

int libxl_device_pci_remove(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_pci *pci,
                            const libxl_asyncop_how *ao_how)
{
    return remove_op(ctx, domid, pci, false, ao_how);
}

int libxl_device_pci_destroy(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_pci *pci,
                             const libxl_asyncop_how *ao_how)
{
    return remove_op(ctx, domid, pci, true, ao_how);
}
