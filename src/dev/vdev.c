/*
 * dev/vdev.c: disk names and devids (dev/vdev.h). The encodings are
 * Xen's: xvd disks 0-15 with partitions 0-15 use major 202 with the
 * disk in bits 4-7; any larger one sets bit 28 ("extended") with the disk
 * in bits 8-27 and the partition in bits 0-7. hd disks 0-1 use major 3,
 * 2-3 major 22 (one bit for the unit); sd disks 0-15 major 8.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dev/vdev.h"

/*
 * prefix, then letters a-z read as a bijective base-26 number (a = 0,
 * z = 25, aa = 26 ...) up to max_disk, then an optional partition number
 * without leading zero up to max_part.
 */
static bool match_named(const char *vdev, const char *prefix, long max_disk,
                        long max_part, int *disk, int *part)
{
    size_t n = strlen(prefix);
    const char *p = vdev + n;
    long d = -1, pt = 0;

    if (strncmp(vdev, prefix, n)) return false;
    while (*p >= 'a' && *p <= 'z') {
        d = (d + 1) * 26 + (*p - 'a');
        if (d > max_disk) return false;
        p++;
    }
    if (*p) {
        if (*p == '0') return false;
        while (*p >= '0' && *p <= '9') {
            pt = pt * 10 + (*p - '0');
            if (pt > max_part) return false;
            p++;
        }
        if (*p) return false;
    }
    *disk = (int)d;
    *part = (int)pt;
    return true;
}

/* "dNpM": decimal numbers as scanf("%i") reads them, disk < 2^20, part
 * < 256. */
static bool scan_i(const char **pp, long *v)
{
    const char *p = *pp;
    bool neg = false;
    int base = 10;
    unsigned long acc = 0;
    bool any = false;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0') {
        base = 8;
    }
    for (;; p++) {
        int dv;
        if (*p >= '0' && *p <= '9') dv = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f') dv = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F') dv = *p - 'A' + 10;
        else break;
        if (dv >= base) break;
        any = true;
        if (acc > (unsigned long)INT_MAX) continue;   /* saturates */
        acc = acc * (unsigned long)base + (unsigned long)dv;
    }
    if (!any) return false;
    if (acc > (unsigned long)INT_MAX + 1) acc = (unsigned long)INT_MAX + 1;
    *v = neg ? -(long)acc : (long)acc;
    *pp = p;
    return true;
}

static bool match_dp(const char *vdev, int *disk, int *part)
{
    const char *p = vdev;
    long d, pt;

    if (*p++ != 'd' || !scan_i(&p, &d) || *p++ != 'p' || !scan_i(&p, &pt))
        return false;
    if (*p || d >= (1 << 20) || pt >= 256) return false;
    *disk = (int)d;
    *part = (int)pt;
    return true;
}

/* A whole string that is one number in C's notation (strtoul base 0),
 * at most INT_MAX. */
static bool match_number(const char *vdev, long *v)
{
    const char *p = vdev;
    unsigned long acc = 0;
    int base = 10;
    bool any = false;

    bool neg = false;

    if (!*p) {                   /* strtoul's "no number", ending at once */
        *v = 0;
        return true;
    }
    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0') {
        base = 8;
    }
    for (; *p; p++) {
        int dv;
        if (*p >= '0' && *p <= '9') dv = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f') dv = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F') dv = *p - 'A' + 10;
        else return false;
        if (dv >= base) return false;
        any = true;
        acc = acc * (unsigned long)base + (unsigned long)dv;
        if (acc > INT_MAX) return false;
    }
    if (!any && base != 8) return false;
    if (neg && acc) return false;        /* wraps past INT_MAX */
    *v = (long)acc;
    return true;
}

int libxl__vdev_to_devid(const char *vdev, int *disk_r, int *part_r)
{
    int disk, part;
    long num;

    if (match_dp(vdev, &disk, &part) ||
        match_named(vdev, "xvd", (1 << 20) - 1, 255, &disk, &part)) {
        if (disk_r) *disk_r = disk;
        if (part_r) *part_r = part;
        /* as libxl, on two's complement bits (a "d-1p0" gives < 0) */
        if (disk <= 15 && part <= 15)
            return (int)((202u << 8) | ((unsigned)disk << 4) |
                         (unsigned)part);
        return (int)((1u << 28) | ((unsigned)disk << 8) | (unsigned)part);
    }
    if (match_number(vdev, &num)) {
        if (disk_r || part_r) return -1;
        return (int)num;
    }
    if (match_named(vdev, "hd", 3, 63, &disk, &part)) {
        if (disk_r) *disk_r = disk;
        if (part_r) *part_r = part;
        return ((disk < 2 ? 3 : 22) << 8) | ((disk & 1) << 6) | part;
    }
    if (match_named(vdev, "sd", 15, 15, &disk, &part)) {
        if (disk_r) *disk_r = disk;
        if (part_r) *part_r = part;
        return (8 << 8) | (disk << 4) | part;
    }
    return -1;
}

/* Letters for disk index n (bijective base 26), at p; returns the end. */
static char *disk_letters(char *p, unsigned n)
{
    if (n >= 26) p = disk_letters(p, n / 26 - 1);
    *p = (char)('a' + n % 26);
    return p + 1;
}

char *libxl__devid_to_vdev(libxl__gc *gc, int devid)
{
    unsigned minor, parts;
    char *name = GCZALLOC(32), *p;

    if (!name) return NULL;
    if (devid & (1 << 28)) {
        minor = (unsigned)devid & ~(1u << 28);
        parts = 256;
    } else {
        minor = (unsigned)devid & 0xff;
        parts = 16;
    }
    memcpy(name, "xvd", 3);
    p = disk_letters(name + 3, minor / parts);
    if (minor % parts)
        snprintf(p, (size_t)(name + 32 - p), "%u", minor & (parts - 1));
    return name;
}
