/*
 * ops/pci_assignable.c: PCI passthrough's host side: setting a device
 * aside for guests (libxl_device_pci_assignable_add), giving it back to
 * dom0 (_remove) and listing the ones set aside (_list), with libxl
 * 4.17's semantics, log lines and error codes.
 *
 * Setting aside means: unbind the device from its dom0 driver (whose
 * directory is remembered in /libxl/pci/SSSS-BB-DD-F/driver_path when
 * asked to rebind later), give pciback a slot for it and bind it there,
 * record its optional name in /libxl/pci/SSSS-BB-DD-F/name, and
 * quarantine it in the hypervisor (assign it to DOMID_IO). Giving back
 * undoes each step, rebinding the remembered driver if asked. The list is
 * pciback's bound devices less those a guest uses (a domid node under
 * /libxl/pci/...). These are the same sysfs writes and xenstore nodes as
 * Debian's library, so either library finds what the other did.
 *
 * sysfs and xenstore content is read with bounds and parsed strictly: a
 * directory entry of pciback's that is not exactly a BDF is ignored, and
 * a remembered driver path that is not a PCI driver's directory is never
 * written to. Keeps no state.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/gc.h"
#include "base/log.h"
#include "ops/pci.h"
#include "xs/paths.h"

#include "libxl.h"

#define SYSFS_PCI_DEVICES "/sys/bus/pci/devices"
#define SYSFS_PCI_DRIVERS "/sys/bus/pci/drivers"
#define SYSFS_PCIBACK     SYSFS_PCI_DRIVERS "/pciback"
#define PCI_INFO_XS       "/libxl/pci"
#define BDF_FMT           "%04x:%02x:%02x.%01x"
#define BDF_XS_FMT        "%04x-%02x-%02x-%01x"
#define BDF_ARGS(p)       (unsigned)(p)->domain, (unsigned)(p)->bus, \
                          (unsigned)(p)->dev, (unsigned)(p)->func
#define NAME_MAX_LEN      64          /* libxl's bound on a device's name */
#define SLOTS_MAX_BYTES   (64 * 1024) /* pciback's slots file, read whole */
#define XS_VALUE_MAX      4096        /* xenstored's largest value */

/* ------------------------------------------------------------ BDFs */

/* The hypervisor's name of a device: segment, bus, device and function. */
static uint32_t pci_sbdf(const libxl_device_pci *pci)
{
    return (uint32_t)pci->domain << 16 | (uint32_t)(pci->bus & 0xff) << 8 |
           (uint32_t)(pci->dev & 0x1f) << 3 | (uint32_t)(pci->func & 0x7);
}

/* Exactly n lowercase or uppercase hex digits at s: their value, or -1. */
static long hex_field(const char *s, int n)
{
    long v = 0;

    for (int i = 0; i < n; i++) {
        int c = (unsigned char)s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

/*
 * A BDF as the kernel and libxl spell it ("ssss:bb:dd.f", sep ':'; in
 * xenstore "ssss-bb-dd-f", sep '-'), exactly len bytes, device <= 0x1f and
 * function <= 7: into pci's address fields. False for anything else.
 */
static bool parse_bdf(const char *s, size_t len, char sep,
                      libxl_device_pci *pci)
{
    long seg, bus, dev, fn;

    if (len != 12 || s[4] != sep || s[7] != sep ||
        s[10] != (sep == '-' ? '-' : '.'))
        return false;
    seg = hex_field(s, 4);
    bus = hex_field(s + 5, 2);
    dev = hex_field(s + 8, 2);
    fn = hex_field(s + 11, 1);
    if (seg < 0 || bus < 0 || dev < 0 || dev > 0x1f || fn < 0 || fn > 7)
        return false;
    pci->domain = (int)seg;
    pci->bus = (uint8_t)bus;
    pci->dev = (uint8_t)dev;
    pci->func = (uint8_t)fn;
    return true;
}

/* ------------------------------------------------------------ xenstore */

/* /libxl/pci/SSSS-BB-DD-F[/node] */
static char *info_path(libxl__gc *gc, const libxl_device_pci *pci,
                       const char *node)
{
    return node ? GCSPRINTF(PCI_INFO_XS "/" BDF_XS_FMT "/%s", BDF_ARGS(pci),
                            node)
                : GCSPRINTF(PCI_INFO_XS "/" BDF_XS_FMT, BDF_ARGS(pci));
}

/* The node's value, or NULL (absent, unreadable or not a string). */
static char *info_read(libxl__gc *gc, const libxl_device_pci *pci,
                       const char *node)
{
    char *path = info_path(gc, pci, node);

    return path ? libxl__xs_read_checked(gc, XBT_NULL, path, XS_VALUE_MAX)
                : NULL;
}

/* Writes the node (logged if it fails, as libxl; the callers go on). */
static void info_write(libxl__gc *gc, const libxl_device_pci *pci,
                       const char *node, const char *value)
{
    char *path = info_path(gc, pci, node);

    if (!path) return;
    if (!xs_write(CTX->xsh, XBT_NULL, path, value, strlen(value))) {
        LOGE(CTX, ERROR, "xenstore write failed: `%s' = `%s'", path, value);
        LOGE(CTX, WARN, "Write of %s to node %s failed.", value, path);
    }
}

static void info_remove(libxl__gc *gc, const libxl_device_pci *pci,
                        const char *node)
{
    char *path = info_path(gc, pci, node);

    if (path) xs_rm(CTX->xsh, XBT_NULL, path);
}

/* ------------------------------------------------------------ sysfs */

/* Writes pci's BDF to a sysfs control file: 0 or ERROR_FAIL (logged,
 * errno kept for the caller's own line). */
static int write_bdf(libxl__gc *gc, const char *path,
                     const libxl_device_pci *pci)
{
    char bdf[32];
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t r;

    if (fd < 0) {
        LOGE(CTX, ERROR, "Couldn't open %s", path);
        return ERROR_FAIL;
    }
    snprintf(bdf, sizeof(bdf), BDF_FMT, BDF_ARGS(pci));
    r = write(fd, bdf, strlen(bdf));
    if (r < 0) {
        int e = errno;
        LOGE(CTX, ERROR, "write to %s returned %d", path, (int)r);
        close(fd);
        errno = e;
        return ERROR_FAIL;
    }
    close(fd);
    return 0;
}

/* Whether path is a PCI driver's directory, /sys/bus/pci/drivers/NAME
 * (what the device's driver link resolves to): the only place a driver
 * path from xenstore may send a write. */
static bool is_driver_dir(const char *path)
{
    size_t n = strlen(SYSFS_PCI_DRIVERS "/");
    const char *name = path + n;

    return !strncmp(path, SYSFS_PCI_DRIVERS "/", n) && name[0] &&
           !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/*
 * Unbinds the device from its driver, if it has one: 0 (*driver_dir, if
 * not NULL, is the driver's directory or NULL for none) or -1 (logged).
 */
static int unbind_driver(libxl__gc *gc, const libxl_device_pci *pci,
                         char **driver_dir)
{
    struct stat st;
    char *link = GCSPRINTF(SYSFS_PCI_DEVICES "/" BDF_FMT "/driver",
                           BDF_ARGS(pci));
    char *dir = NULL;

    if (!link) return -1;
    if (!lstat(link, &st)) {
        dir = libxl__gc_adopt(gc, realpath(link, NULL));
        if (!dir) {
            LOGE(CTX, ERROR, "realpath() failed");
            return -1;
        }
        LOG(CTX, DEBUG, "Driver re-plug path: %s", dir);
        char *unbind = GCSPRINTF("%s/unbind", dir);
        if (!unbind || write_bdf(gc, unbind, pci)) {
            LOGE(CTX, ERROR, "Couldn't unbind device");
            return -1;
        }
    }
    if (driver_dir) *driver_dir = dir;
    return 0;
}

/* Whether pciback has a slot for the device: 1, 0 or ERROR_FAIL (logged).
 * Lines of the slots file are read until the first that is not a BDF. */
static int pciback_has_slot(libxl__gc *gc, const libxl_device_pci *pci)
{
    const char *path = SYSFS_PCIBACK "/slots";
    char *buf = GCZALLOC(SLOTS_MAX_BYTES + 1);
    size_t len = 0;
    int fd, rc = 0;

    if (!buf) return ERROR_FAIL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        LOGE(CTX, ERROR, "Couldn't open %s", path);
        return ERROR_FAIL;
    }
    while (len < SLOTS_MAX_BYTES) {
        ssize_t r = read(fd, buf + len, SLOTS_MAX_BYTES - len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    for (char *line = buf; *line;) {
        char *end = strchr(line, '\n');
        libxl_device_pci slot = {0};
        if (!end || !parse_bdf(line, (size_t)(end - line), ':', &slot))
            break;
        if (slot.domain == pci->domain && slot.bus == pci->bus &&
            slot.dev == pci->dev && slot.func == pci->func) {
            rc = 1;
            break;
        }
        line = end + 1;
    }
    return rc;
}

/* Whether the device is bound to pciback: 1, 0 or -1 (logged; pciback
 * missing included). */
static int pciback_is_bound(libxl__gc *gc, const libxl_device_pci *pci)
{
    struct stat st;
    char *path;

    if (access(SYSFS_PCIBACK, F_OK) < 0) {
        if (errno == ENOENT)
            LOG(CTX, ERROR, "Looks like pciback driver is not loaded");
        else
            LOGE(CTX, ERROR, "Can't access " SYSFS_PCIBACK);
        return -1;
    }
    path = GCSPRINTF(SYSFS_PCIBACK "/" BDF_FMT, BDF_ARGS(pci));
    if (!path) return -1;
    if (!lstat(path, &st)) return 1;
    if (errno == ENOENT) return 0;
    LOGE(CTX, ERROR, "Accessing %s", path);
    return -1;
}

/* Binds the device to pciback, giving it a slot first if it has none. */
static int pciback_bind(libxl__gc *gc, const libxl_device_pci *pci)
{
    int r = pciback_has_slot(gc, pci);

    if (r < 0) {
        LOGE(CTX, ERROR, "Error checking for pciback slot");
        return ERROR_FAIL;
    }
    if (!r && write_bdf(gc, SYSFS_PCIBACK "/new_slot", pci)) {
        LOGE(CTX, ERROR, "Couldn't bind device to pciback!");
        return ERROR_FAIL;
    }
    if (write_bdf(gc, SYSFS_PCIBACK "/bind", pci)) {
        LOGE(CTX, ERROR, "Couldn't bind device to pciback!");
        return ERROR_FAIL;
    }
    return 0;
}

/* Unbinds the device from pciback and drops its slot (failures logged;
 * as libxl, the caller goes on regardless). */
static void pciback_unbind(libxl__gc *gc, const libxl_device_pci *pci)
{
    if (unbind_driver(gc, pci, NULL) < 0) {
        LOG(CTX, ERROR, "Couldn't unbind device!");
        return;
    }
    if (pciback_has_slot(gc, pci) > 0 &&
        write_bdf(gc, SYSFS_PCIBACK "/remove_slot", pci))
        LOGE(CTX, ERROR, "Couldn't remove pciback slot");
}

/* ------------------------------------------------------------ list */

libxl_device_pci *libxl_device_pci_assignable_list(libxl_ctx *ctx, int *num)
{
    GC_INIT(ctx);
    libxl_device_pci *list = NULL;
    struct dirent *de;
    DIR *dir;

    *num = 0;
    dir = opendir(SYSFS_PCIBACK);
    if (!dir) {
        if (errno == ENOENT)
            LOG(ctx, ERROR, "Looks like pciback driver not loaded");
        else
            LOGE(ctx, ERROR, "Couldn't open %s", SYSFS_PCIBACK);
        return NULL;
    }
    while ((de = readdir(dir))) {
        libxl_device_pci addr = {0};
        if (!parse_bdf(de->d_name, strlen(de->d_name), ':', &addr))
            continue;
        /* room first: as libxl, a list whose every device a guest has
         * is empty but not NULL */
        libxl_device_pci *grown = realloc(list, (size_t)(*num + 1) *
                                                sizeof(*list));
        if (!grown) {
            LOG(ctx, ERROR, "cannot list more than %d assignable devices",
                *num);
            break;
        }
        list = grown;
        /* a guest has it: not assignable */
        if (info_read(gc, &addr, "domid"))
            continue;
        libxl_device_pci *pci = &list[*num];
        libxl_device_pci_init(pci);
        pci->domain = addr.domain;
        pci->bus = addr.bus;
        pci->dev = addr.dev;
        pci->func = addr.func;
        char *name = info_read(gc, pci, "name");
        if (name) pci->name = strdup(name);
        (*num)++;
    }
    closedir(dir);
    return list;
}

/* ------------------------------------------------------------ add */

/* A device's name: at most 64 printable characters, no space. */
static int check_name(libxl_ctx *ctx, const char *name)
{
    size_t n = strlen(name);

    if (n > NAME_MAX_LEN) {
        LOG(ctx, ERROR, "Name too long");
        return ERROR_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c >= 0x80 || !isgraph(c)) {
            LOG(ctx, ERROR, "Names may only include printable characters");
            return ERROR_FAIL;
        }
    }
    return 0;
}

int libxl_device_pci_assignable_add(libxl_ctx *ctx, libxl_device_pci *pci,
                                    int rebind)
{
    GC_INIT(ctx);
    char *path, *driver_dir = NULL;
    struct stat st;
    int r;

    if (pci->name && check_name(ctx, pci->name))
        return ERROR_FAIL;

    path = GCSPRINTF(SYSFS_PCI_DEVICES "/" BDF_FMT, BDF_ARGS(pci));
    if (!path) return ERROR_NOMEM;
    if (lstat(path, &st)) {
        LOGE(ctx, ERROR, "Couldn't lstat %s", path);
        return ERROR_FAIL;
    }

    r = pciback_is_bound(gc, pci);
    if (r < 0)
        return ERROR_FAIL;
    if (r) {
        LOG(ctx, WARN, BDF_FMT " already assigned to pciback", BDF_ARGS(pci));
    } else {
        if (unbind_driver(gc, pci, &driver_dir)) {
            LOG(ctx, ERROR, "Couldn't unbind " BDF_FMT " from driver",
                BDF_ARGS(pci));
            return ERROR_FAIL;
        }
        /* remember the driver, to give the device back to it later */
        if (!rebind) {
            info_remove(gc, pci, "driver_path");
        } else if (driver_dir) {
            info_write(gc, pci, "driver_path", driver_dir);
        } else if ((driver_dir = info_read(gc, pci, "driver_path"))) {
            LOG(ctx, INFO, BDF_FMT " not bound to a driver, will be rebound "
                "to %s", BDF_ARGS(pci), driver_dir);
        } else {
            LOG(ctx, WARN, BDF_FMT " not bound to a driver, will not be "
                "rebound.", BDF_ARGS(pci));
        }
        if (pciback_bind(gc, pci)) {
            LOG(ctx, ERROR, "Couldn't bind device to pciback!");
            return ERROR_FAIL;
        }
    }

    if (pci->name)
        info_write(gc, pci, "name", pci->name);
    else
        info_remove(gc, pci, "name");

    /* DOMID_IO only holds the device: relaxed RDM checks, as libxl */
    if (xc_assign_device(ctx->xch, DOMID_IO, pci_sbdf(pci),
                         XEN_DOMCTL_DEV_RDM_RELAXED) < 0) {
        LOG(ctx, ERROR, "failed to quarantine " BDF_FMT, BDF_ARGS(pci));
        return ERROR_FAIL;
    }
    return 0;
}

/* ------------------------------------------------------------ remove */

/*
 * The address of the device named pci->name, from the names under
 * /libxl/pci, into pci: 0 or ERROR_NOTFOUND. As libxl, pci's address is
 * left at the last entry looked at when none matches.
 */
int libxl__pci_name_to_bdf(libxl__gc *gc, libxl_device_pci *pci)
{
    unsigned int n = 0;
    char **entries = libxl__gc_adopt(gc, xs_directory(CTX->xsh, XBT_NULL,
                                                      PCI_INFO_XS, &n));

    for (unsigned int i = 0; entries && i < n; i++) {
        libxl_device_pci addr = {0};
        if (!parse_bdf(entries[i], strlen(entries[i]), '-', &addr))
            continue;
        pci->domain = addr.domain;
        pci->bus = addr.bus;
        pci->dev = addr.dev;
        pci->func = addr.func;
        char *name = info_read(gc, pci, "name");
        if (name && !strcmp(name, pci->name)) {
            LOG(CTX, DETAIL, "'%s' -> " BDF_FMT, pci->name, BDF_ARGS(pci));
            return 0;
        }
    }
    return ERROR_NOTFOUND;
}

int libxl_device_pci_assignable_remove(libxl_ctx *ctx, libxl_device_pci *pci,
                                       int rebind)
{
    GC_INIT(ctx);
    char *driver_dir;
    int rc, r;

    if (pci->name) {
        rc = libxl__pci_name_to_bdf(gc, pci);
        if (rc) return rc;
    }

    if (xc_deassign_device(ctx->xch, DOMID_IO, pci_sbdf(pci)) < 0) {
        LOG(ctx, ERROR, "failed to de-quarantine " BDF_FMT, BDF_ARGS(pci));
        return ERROR_FAIL;
    }

    r = pciback_is_bound(gc, pci);
    if (r < 0)
        return ERROR_FAIL;
    if (r)
        pciback_unbind(gc, pci);
    else
        LOG(ctx, WARN, "Not bound to pciback");

    driver_dir = info_read(gc, pci, "driver_path");
    if (!driver_dir) {
        if (rebind)
            LOG(ctx, WARN, "Couldn't find path for original driver; "
                "not rebinding");
    } else if (rebind) {
        LOG(ctx, INFO, "Rebinding to driver at %s", driver_dir);
        char *bind = GCSPRINTF("%s/bind", driver_dir);
        if (!is_driver_dir(driver_dir)) {
            LOG(ctx, ERROR, "%s is not a PCI driver's directory",
                driver_dir);
            LOG(ctx, ERROR, "Couldn't bind device to %s", driver_dir);
            return ERROR_NONSPECIFIC;      /* libxl's -1 */
        }
        if (!bind || write_bdf(gc, bind, pci)) {
            LOGE(ctx, ERROR, "Couldn't bind device to %s", driver_dir);
            return ERROR_NONSPECIFIC;
        }
        info_remove(gc, pci, "driver_path");
    }

    info_remove(gc, pci, "name");
    return 0;
}
