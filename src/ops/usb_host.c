/*
 * ops/usb_host.c: the host side of a PVUSB device (ops/usb.h): finding a
 * USB device and its interfaces in sysfs (/sys/bus/usb/devices), and
 * moving its interfaces from their drivers to usbback and back, the way
 * libxl 4.17 does (the drivers they had are remembered in xenstore under
 * /libxl/usbback). Touches no device's xenstore entries.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "libxl_utils.h"
#include "ops/usb.h"
#include "xs/paths.h"

#define USB_DEVICES "/sys/bus/usb/devices"
#define USB_DRIVERS "/sys/bus/usb/drivers"
#define USBBACK USB_DRIVERS "/usbback"
#define USBBACK_RECORDS "/libxl/usbback"

/* A hub's bDeviceClass: never given to a guest. */
#define HUB_CLASS 9

int libxl__usbback_loaded(libxl__gc *gc)
{
    struct stat st;

    if (!lstat(USBBACK, &st)) return 1;
    if (errno == ENOENT) return 0;
    LOGE(gc->ctx, ERROR, "Accessing %s", USBBACK);
    return ERROR_FAIL;
}

/*
 * The number at the start of a small sysfs file, as libxl reads it (its
 * leading decimal digits, 0 if none). 0, or an errno value: ENOENT
 * silently, the rest logged as libxl logs them.
 */
static int read_number(libxl__gc *gc, const char *path, int *val)
{
    char buf[32];
    struct stat st;
    ssize_t n;
    long v = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;

    if (fd < 0) {
        e = errno;
        if (e != ENOENT) LOGE(gc->ctx, ERROR, "failed to open %s", path);
        return e;
    }
    if (fstat(fd, &st)) {
        e = errno;
        LOGE(gc->ctx, ERROR, "failed to fstat %s", path);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        e = ENOTTY;
        LOGE(gc->ctx, ERROR, "%s is not a plain file", path);
        goto fail;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    if (n < 0) {
        e = errno;
        LOGE(gc->ctx, ERROR, "failed to read %s", path);
        goto fail;
    }
    close(fd);
    buf[n] = 0;
    {
        const char *p = buf;
        bool neg = false;

        while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
        if (*p == '-' || *p == '+') neg = *p++ == '-';
        for (; *p >= '0' && *p <= '9' && v < INT_MAX; p++)
            v = v * 10 + (*p - '0');
        if (v > INT_MAX) v = INT_MAX;
        *val = neg ? -(int)v : (int)v;
    }
    return 0;
fail:
    close(fd);
    return e ? e : EIO;
}

/* The entries of the sysfs devices directory, each in turn; false at the
 * end or on an error (logged as libxl). */
static DIR *open_devices(libxl__gc *gc)
{
    DIR *dir = opendir(USB_DEVICES);

    if (!dir) LOGE(gc->ctx, ERROR, "opendir failed: '%s'", USB_DEVICES);
    return dir;
}

static bool next_entry(libxl__gc *gc, DIR *dir, const char **name, int *rc)
{
    for (;;) {
        struct dirent *de;

        errno = 0;
        de = readdir(dir);
        if (!de) {
            if (errno) {
                LOGE(gc->ctx, ERROR, "failed to readdir %s", USB_DEVICES);
                *rc = ERROR_FAIL;
            }
            return false;
        }
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        *name = de->d_name;
        return true;
    }
}

char *libxl__usb_busid_of(libxl__gc *gc, int bus, int addr)
{
    DIR *dir;
    const char *name;
    char *busid = NULL;
    int rc = 0;

    if (bus < 1 || addr < 1) return NULL;
    dir = open_devices(gc);
    if (!dir) return NULL;
    while (next_entry(gc, dir, &name, &rc)) {
        int busnum = -1, devnum = -1;

        read_number(gc, GCSPRINTF(USB_DEVICES "/%s/devnum", name), &devnum);
        read_number(gc, GCSPRINTF(USB_DEVICES "/%s/busnum", name), &busnum);
        if (busnum == bus && devnum == addr) {
            busid = libxl__gc_strdup(gc, name);
            break;
        }
    }
    closedir(dir);
    return busid;
}

/* BUS-PORT[.PORT]...: what a bus id looks like (never a path). */
static bool busid_ok(const char *busid)
{
    const char *p = busid;
    bool dash = false;

    if (strlen(busid) > 64) return false;
    for (;;) {
        if (*p < '0' || *p > '9') return false;
        while (*p >= '0' && *p <= '9') p++;
        if (!*p) return dash;
        if (*p == '-' && !dash) dash = true;
        else if (*p != '.' || !dash) return false;
        p++;
    }
}

int libxl__usb_busaddr_of(libxl__gc *gc, const char *busid, uint8_t *bus,
                          uint8_t *addr)
{
    int v;

    if (!busid_ok(busid)) {
        LOG(gc->ctx, DEBUG, "%s is not a USB bus id", busid);
        return ERROR_FAIL;
    }
    if (read_number(gc, GCSPRINTF(USB_DEVICES "/%s/busnum", busid), &v))
        return ERROR_FAIL;
    *bus = (uint8_t)v;
    if (read_number(gc, GCSPRINTF(USB_DEVICES "/%s/devnum", busid), &v))
        return ERROR_FAIL;
    *addr = (uint8_t)v;
    return 0;
}

bool libxl__usb_assignable(libxl__gc *gc, int bus, int addr)
{
    const char *busid = libxl__usb_busid_of(gc, bus, addr);
    int class;

    if (!busid ||
        read_number(gc, GCSPRINTF(USB_DEVICES "/%s/bDeviceClass", busid),
                    &class))
        return false;
    return class != HUB_CLASS;
}

/* ------------------------------------------------------- interfaces */

/* The interfaces of busid (BUSID:CONFIG.N), in sysfs's order: a
 * gc-owned NULL-terminated array. */
static int interfaces_of(libxl__gc *gc, const char *busid, char ***intfs)
{
    const char *prefix = GCSPRINTF("%s:", busid), *name;
    size_t plen = strlen(prefix);
    char **list = GCZALLOC(sizeof(*list));
    int n = 0, rc = 0;
    DIR *dir;

    *intfs = list;
    dir = open_devices(gc);
    if (!dir) return ERROR_FAIL;
    while (next_entry(gc, dir, &name, &rc)) {
        char **bigger;

        if (strncmp(name, prefix, plen)) continue;
        bigger = GCZALLOC((size_t)(n + 2) * sizeof(*bigger));
        if (!bigger) {
            rc = ERROR_NOMEM;
            break;
        }
        memcpy(bigger, list, (size_t)n * sizeof(*list));
        bigger[n++] = libxl__gc_strdup(gc, name);
        list = bigger;
    }
    closedir(dir);
    *intfs = list;
    return rc;
}

/* A bus id or interface name as a xenstore key: '.' as '_', ':' as '@'
 * (libxl's spelling). */
static char *as_key(libxl__gc *gc, const char *name)
{
    char *key = libxl__gc_strdup(gc, name);

    for (char *p = key; p && *p; p++) {
        if (*p == '.') *p = '_';
        if (*p == ':') *p = '@';
    }
    return key;
}

/* Writes name to a driver's control file (bind or unbind). */
static int write_control(libxl__gc *gc, const char *path, const char *name)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

    if (fd < 0) {
        LOGE(gc->ctx, ERROR, "open file failed: '%s'", path);
        return ERROR_FAIL;
    }
    rc = libxl_write_exactly(gc->ctx, fd, name, (ssize_t)strlen(name), path,
                             name) ? ERROR_FAIL : 0;
    close(fd);
    return rc;
}

static int unbind_intf(libxl__gc *gc, const char *intf)
{
    return write_control(gc, GCSPRINTF(USB_DEVICES "/%s/driver/unbind",
                                       intf), intf);
}

/* Binds intf to the driver at drvpath, unless it is bound there. */
static int bind_to(libxl__gc *gc, const char *intf, const char *drvpath)
{
    struct stat st;

    if (!lstat(GCSPRINTF("%s/%s", drvpath, intf), &st)) return 0;
    if (errno != ENOENT) return ERROR_FAIL;
    return write_control(gc, GCSPRINTF("%s/bind", drvpath), intf);
}

/* 1 if intf is usbback's, 0 if not, -1 (logged) if unknown. */
static int is_usbback(libxl__gc *gc, const char *intf)
{
    const char *path = GCSPRINTF(USBBACK "/%s", intf);
    struct stat st;

    if (!lstat(path, &st)) return 1;
    if (errno == ENOENT) return 0;
    LOGE(gc->ctx, ERROR, "Accessing %s", path);
    return -1;
}

int libxl__usbback_unassign(libxl__gc *gc, const char *busid)
{
    char **intfs;
    int rc = interfaces_of(gc, busid, &intfs);

    if (rc) return rc;
    for (int i = 0; intfs[i]; i++) {
        if (is_usbback(gc, intfs[i]) <= 0) continue;
        rc = unbind_intf(gc, intfs[i]);
        if (rc) {
            LOGE(gc->ctx, ERROR, "Couldn't unbind %s from usbback",
                 intfs[i]);
            return rc;
        }
    }
    return 0;
}

int libxl__usbback_rebind(libxl__gc *gc, const char *busid)
{
    const char *dev_key = as_key(gc, busid);
    char **intfs;
    int rc = interfaces_of(gc, busid, &intfs);

    for (int i = 0; !rc && intfs[i]; i++) {
        const char *path = GCSPRINTF(USBBACK_RECORDS "/%s/%s/driver_path",
                                     dev_key, as_key(gc, intfs[i]));
        const char *drvpath = libxl__xs_read_checked(gc, XBT_NULL, path,
                                                     PATH_MAX);

        if (!drvpath && errno != ENOENT) {
            LOGE(gc->ctx, ERROR, "xenstore read failed: `%s'", path);
            rc = ERROR_FAIL;
            break;
        }
        if (!drvpath) continue;
        if (strncmp(drvpath, USB_DRIVERS "/", sizeof(USB_DRIVERS)) ||
            !drvpath[sizeof(USB_DRIVERS)] ||
            strchr(drvpath + sizeof(USB_DRIVERS), '/') ||
            !strcmp(drvpath + sizeof(USB_DRIVERS), ".") ||
            !strcmp(drvpath + sizeof(USB_DRIVERS), "..")) {
            LOG(gc->ctx, ERROR, "%s: not a driver's path: %s", path, drvpath);
            rc = ERROR_FAIL;
            break;
        }
        rc = bind_to(gc, intfs[i], drvpath);
        if (rc)
            LOGE(gc->ctx, ERROR, "Couldn't rebind %s to %s", intfs[i],
                 drvpath);
    }
    {
        const char *path = GCSPRINTF(USBBACK_RECORDS "/%s", dev_key);
        if (!xs_rm(gc->ctx->xsh, XBT_NULL, path) && errno != ENOENT)
            LOGE(gc->ctx, ERROR, "xenstore rm failed: `%s'", path);
    }
    return rc;
}

int libxl__usbback_assign(libxl__gc *gc, const char *busid)
{
    const char *dev_key = as_key(gc, busid);
    char **intfs;
    int rc = interfaces_of(gc, busid, &intfs);

    if (rc) return rc;
    for (int i = 0; intfs[i]; i++) {
        const char *intf = intfs[i];
        const char *link = GCSPRINTF(USB_DEVICES "/%s/driver", intf);
        char *drvpath;

        if (is_usbback(gc, intf) > 0) continue;
        drvpath = realpath(link, NULL);
        if (!drvpath && errno != ENOENT) {
            LOGE(gc->ctx, ERROR, "get realpath failed: '%s'", link);
            rc = ERROR_FAIL;
            goto undo;
        }
        if (drvpath) {
            const char *path = GCSPRINTF(USBBACK_RECORDS "/%s/%s/driver_path",
                                         dev_key, as_key(gc, intf));
            bool ok = xs_write(gc->ctx->xsh, XBT_NULL, path, drvpath,
                               strlen(drvpath));

            if (!ok)
                LOGE(gc->ctx, ERROR, "xenstore write failed: `%s' = `%s'",
                     path, drvpath);
            free(drvpath);
            rc = ok ? unbind_intf(gc, intf) : ERROR_FAIL;
            if (rc) goto undo;
        }
        rc = bind_to(gc, intf, USBBACK);
        if (rc) {
            LOG(gc->ctx, ERROR, "Couldn't bind %s to %s", intf, USBBACK);
            goto undo;
        }
    }
    return 0;
undo:
    libxl__usbback_unassign(gc, busid);
    libxl__usbback_rebind(gc, busid);
    return rc;
}
