/*
 * gnttab.c: grant mappings (libxengnttab interposed): grant ref 1 of a
 * domain is its xenstore ring page in the shared state. Also xenstored's
 * open() of /proc/xen/xsd_port and /proc/xen/xsd_kva (dom0's own ring).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xengnttab.h>
#include <xen/grant_table.h>
#include <xen/xen.h>

#include "sim.h"

struct xengntdev_handle {
    struct sim_state *s;
};

EXPORT xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger,
                                        unsigned open_flags)
{
    (void)logger; (void)open_flags;
    struct sim_state *s = sim_state();
    if (!s)
        return NULL;
    xengnttab_handle *h = calloc(1, sizeof(*h));
    if (h)
        h->s = s;
    return h;
}

EXPORT int xengnttab_close(xengnttab_handle *h)
{
    free(h);
    return 0;
}

EXPORT int xengnttab_fd(xengnttab_handle *h)
{
    (void)h;
    errno = ENOSYS;
    return -1;
}

EXPORT int xengnttab_set_max_grants(xengnttab_handle *h, uint32_t nr)
{
    (void)h; (void)nr;
    return 0;
}

EXPORT void *xengnttab_map_grant_ref(xengnttab_handle *h, uint32_t domid,
                                     uint32_t ref, int prot)
{
    (void)prot;
    struct sim_state *s = h->s;
    sim_count(CTR_GNTTAB_MAP);
    if (ref != GNTTAB_RESERVED_XENSTORE || domid == 0 || domid >= SIM_NR_DOMIDS) {
        sim_log("gnttab map of domain %u ref %u: not simulated", domid, ref);
        errno = EINVAL;
        return NULL;
    }
    int err = 0;
    sim_lock(s);
    struct sim_domain *d = &s->doms[domid];
    if (d->state != DOM_ALIVE)
        err = ESRCH;
    else
        d->ring_maps++;
    sim_unlock(s);
    if (err) {
        errno = err;
        return NULL;
    }
    return sim_ring(s, domid);
}

EXPORT void *xengnttab_map_grant_refs(xengnttab_handle *h, uint32_t count,
                                      uint32_t *domids, uint32_t *refs, int prot)
{
    if (count != 1) {
        errno = ENOSYS;
        return NULL;
    }
    return xengnttab_map_grant_ref(h, domids[0], refs[0], prot);
}

EXPORT void *xengnttab_map_domain_grant_refs(xengnttab_handle *h, uint32_t count,
                                             uint32_t domid, uint32_t *refs, int prot)
{
    if (count != 1) {
        errno = ENOSYS;
        return NULL;
    }
    return xengnttab_map_grant_ref(h, domid, refs[0], prot);
}

EXPORT void *xengnttab_map_grant_ref_notify(xengnttab_handle *h, uint32_t domid,
                                            uint32_t ref, int prot,
                                            uint32_t notify_offset,
                                            evtchn_port_t notify_port)
{
    (void)notify_offset; (void)notify_port;
    return xengnttab_map_grant_ref(h, domid, ref, prot);
}

/* Unmapping the last mapping of a dying domain's ring lets it go. */
EXPORT int xengnttab_unmap(xengnttab_handle *h, void *addr, uint32_t count)
{
    struct sim_state *s = h->s;
    sim_count(CTR_GNTTAB_UNMAP);
    int domid = sim_ring_domid(s, addr);
    if (domid <= 0 || count != 1) {
        errno = EINVAL;
        return -1;
    }
    sim_lock(s);
    struct sim_domain *d = &s->doms[domid];
    if (d->ring_maps)
        d->ring_maps--;
    bool gone = sim_domain_reap_locked(s, (uint32_t)domid);
    sim_unlock(s);
    if (gone)
        sim_raise_virq(s, VIRQ_DOM_EXC);
    return 0;
}

EXPORT int xengnttab_grant_copy(xengnttab_handle *h, uint32_t count,
                                xengnttab_grant_copy_segment_t *segs)
{
    (void)h; (void)count; (void)segs;
    errno = ENOSYS;
    return -1;
}

EXPORT xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger,
                                        unsigned open_flags)
{
    (void)logger; (void)open_flags;
    errno = ENOSYS;
    return NULL;
}

EXPORT int xengntshr_close(xengntshr_handle *h)
{
    (void)h;
    return 0;
}

/* ------------------------------------------------------------ /proc/xen */

static int memfd_with(const void *data, size_t len, size_t size)
{
    int fd = memfd_create("xensim-xsd", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)size) < 0 ||
        (len && pwrite(fd, data, len, 0) != (ssize_t)len)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* xenstored reads dom0's xenbus port here and maps dom0's ring page. */
static int open_xsd(const char *path, bool *handled)
{
    *handled = false;
    if (strncmp(path, "/proc/xen/xsd_", 14) != 0)
        return -1;
    struct sim_state *s = sim_state();
    if (!s)
        return -1;
    *handled = true;
    if (strcmp(path + 14, "port") == 0) {
        char buf[16];
        int n = snprintf(buf, sizeof(buf), "%u", s->xsd_port);
        return memfd_with(buf, (size_t)n, (size_t)n);
    }
    if (strcmp(path + 14, "kva") == 0)
        return memfd_with(NULL, 0, SIM_PAGE);
    errno = ENOENT;
    return -1;
}

static int forward_open(const char *sym, const char *path, int flags, mode_t mode)
{
    int (*next)(const char *, int, ...) =
        (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, sym);
    if (!next) {
        errno = ENOSYS;
        return -1;
    }
    return next(path, flags, mode);
}

EXPORT int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    bool handled;
    int fd = open_xsd(path, &handled);
    return handled ? fd : forward_open("open", path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    bool handled;
    int fd = open_xsd(path, &handled);
    return handled ? fd : forward_open("open64", path, flags, mode);
}
