/*
 * libxl_utils.h: lightcore's helpers that libxenlight 4.17 declares in its
 * libxl_utils.h (same names and signatures), for what is implemented.
 */
#ifndef LIBXL_UTILS_H
#define LIBXL_UTILS_H

#include <string.h>
#include <sys/types.h>

#include "libxl.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * libxl_name_to_domid: the id of the domain called name. 0 on success;
 * ERROR_INVAL if no domain has that name; ERROR_FAIL if the domains could
 * not be listed. If several domains share the name, the lowest id wins.
 */
int libxl_name_to_domid(libxl_ctx *ctx, const char *name, uint32_t *domid);

/*
 * libxl_domain_qualifier_to_domid: name is a domain id (decimal digits
 * only) or a domain name. A numeric qualifier is converted without checking
 * that the domain exists; a name is looked up as libxl_name_to_domid does.
 */
int libxl_domain_qualifier_to_domid(libxl_ctx *ctx, const char *name,
                                    uint32_t *domid);

/*
 * libxl_domid_to_name: the domain's name from xenstore, malloc'ed (caller
 * frees), or NULL if the domain has none.
 */
char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid);

/* ---- strings, fds and files */

/* The last component of name (after its last '/'; "." for NULL or ""),
   malloc'ed. Programs asking for an API older than 0x040500 see it
   const (libxl.h defines LIBXL_HAVE_NONCONST_LIBXL_BASENAME_RETURN_VALUE
   for the newer ones). */
#ifndef LIBXL_HAVE_NONCONST_LIBXL_BASENAME_RETURN_VALUE
const
#endif
char *libxl_basename(const char *name);

/* *dst = a malloc'ed copy of *src, or NULL if *src is NULL. */
void libxl_string_copy(libxl_ctx *ctx, char **dst, char *const *src);

/*
 * Sets (nonzero) or clears close-on-exec / O_NONBLOCK on fd: 0 or
 * ERROR_FAIL (logged).
 */
int libxl_fd_set_cloexec(libxl_ctx *ctx, int fd, int cloexec);
int libxl_fd_set_nonblock(libxl_ctx *ctx, int fd, int nonblock);

/* pipe(2), logged when it fails: 0 or -1. */
int libxl_pipe(libxl_ctx *ctx, int pipes[2]);

/*
 * Exactly sz bytes, retrying after EINTR: 0, the errno value, or EPROTO if
 * the file ends first (read) or write returns 0. Logged through ctx (if
 * not NULL) as "... WHAT from SOURCE"; what may be NULL.
 */
int libxl_read_exactly(libxl_ctx *ctx, int fd, void *data, ssize_t sz,
                       const char *filename, const char *what);
int libxl_write_exactly(libxl_ctx *ctx, int fd, const void *data,
                        ssize_t sz, const char *filename, const char *what);

/*
 * A plain file's contents in a malloc'ed buffer: 0, or an errno value
 * (ENOENT is the only one not logged). An empty file gives NULL and 0.
 * On error *data_r and *datalen_r are unchanged; either may be NULL.
 */
int libxl_read_file_contents(libxl_ctx *ctx, const char *filename,
                             void **data_r, int *datalen_r);

/*
 * *full_name = /var/log/xen/NAME.log (malloc'ed), after rotating an
 * existing one to NAME.log.1 (and .1 to .2 ..., .10 dropped). 0, or
 * ERROR_FAIL if a rename failed.
 */
int libxl_create_logfile(libxl_ctx *ctx, const char *name, char **full_name);

/* "phy", "file", "qdisk" or "standalone" into *backend: 0 (other text is
   ignored), or ERROR_INVAL for exactly "tap". */
int libxl_string_to_backend(libxl_ctx *ctx, char *s,
                            libxl_disk_backend *backend);

/*
 * Logs at level how the child pid ("what") ended, from its wait status:
 * every status is reported as a failure.
 */
void libxl_report_child_exitstatus(libxl_ctx *ctx, xentoollog_level level,
                                   const char *what, pid_t pid, int status);

/* ---- bitmaps (libxl_bitmap, declared in libxl.h) */

/*
 * libxl_bitmap_alloc: a zeroed map of at least n_bits bits (rounded up to
 * whole bytes) in malloc'ed memory, which the caller releases with
 * libxl_bitmap_dispose; bitmap is overwritten, not disposed. 0, or
 * ERROR_INVAL for a negative n_bits (libxl aborts).
 */
int libxl_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *bitmap, int n_bits);
/* A copy of sptr into dptr, allocated (dptr is overwritten). */
void libxl_bitmap_copy_alloc(libxl_ctx *ctx, libxl_bitmap *dptr,
                             const libxl_bitmap *sptr);
/* Copies the bits into dptr, which must have sptr's size (else abort). */
void libxl_bitmap_copy(libxl_ctx *ctx, libxl_bitmap *dptr,
                       const libxl_bitmap *sptr);
/* Every bit set / no bit set (both true of an empty map). */
int libxl_bitmap_is_full(const libxl_bitmap *bitmap);
int libxl_bitmap_is_empty(const libxl_bitmap *bitmap);
/* Bits outside the map read 0 and are not written. */
int libxl_bitmap_test(const libxl_bitmap *bitmap, int bit);
void libxl_bitmap_set(libxl_bitmap *bitmap, int bit);
void libxl_bitmap_reset(libxl_bitmap *bitmap, int bit);
int libxl_bitmap_count_set(const libxl_bitmap *bitmap);
/*
 * The union (sized as the larger map) or intersection (sized as the
 * smaller) of two maps, allocated into the result, which is overwritten
 * and may be one of the operands. 0.
 */
int libxl_bitmap_or(libxl_ctx *ctx, libxl_bitmap *or_map,
                    const libxl_bitmap *map1, const libxl_bitmap *map2);
int libxl_bitmap_and(libxl_ctx *ctx, libxl_bitmap *and_map,
                     const libxl_bitmap *map1, const libxl_bitmap *map2);
/* "0x" then two hex digits a byte, the last byte first (malloc'ed). */
char *libxl_bitmap_to_hex_string(libxl_ctx *ctx, const libxl_bitmap *bitmap);

static inline void libxl_bitmap_set_any(libxl_bitmap *bitmap)
{
    memset(bitmap->map, -1, bitmap->size);
}

static inline void libxl_bitmap_set_none(libxl_bitmap *bitmap)
{
    memset(bitmap->map, 0, bitmap->size);
}

/* Whether bit lies inside the map. */
static inline int libxl_bitmap_cpu_valid(libxl_bitmap *bitmap, int bit)
{
    return bit >= 0 && (uint32_t)bit < bitmap->size * 8;
}

/* var (signed or not) runs over every bit index of map / over the set
   ones. */
#define libxl_for_each_bit(var, map) \
    for (var = 0; (long long)(var) < (long long)(map).size * 8; var++)
#define libxl_for_each_set_bit(v, m) \
    for (v = 0; (long long)(v) < (long long)(m).size * 8; v++) \
        if (libxl_bitmap_test(&(m), v))

/* Whether the first nr_bits bits agree (0: all bits of the larger map;
   bits past a map's end read 0). */
static inline int libxl_bitmap_equal(const libxl_bitmap *ba,
                                     const libxl_bitmap *bb,
                                     int nr_bits)
{
    int i;

    if (nr_bits == 0)
        nr_bits = ba->size > bb->size ? ba->size * 8 : bb->size * 8;
    for (i = 0; i < nr_bits; i++) {
        if (libxl_bitmap_test(ba, i) != libxl_bitmap_test(bb, i))
            return 0;
    }
    return 1;
}

/*
 * Bitmaps sized for the host: max bits, or with max == 0 as many as the
 * hypervisor says the host has (CPUs: highest CPU id + 1; nodes: highest
 * node id + 1; sockets: CPUs / threads per core / cores per socket). 0;
 * ERROR_INVAL for a negative max; ERROR_FAIL if the hypervisor could not
 * be asked. The map is overwritten, not disposed.
 */
int libxl_cpu_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *cpumap, int max_cpus);
int libxl_node_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *nodemap,
                            int max_nodes);
int libxl_socket_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *socketmap,
                              int max_sockets);

/*
 * The host's highest CPU id + 1 and highest NUMA node id + 1 (the
 * hypervisor is asked once per process), or ERROR_FAIL. libxl 4.17
 * declares these two in libxl.h.
 */
int libxl_get_max_cpus(libxl_ctx *ctx);
int libxl_get_max_nodes(libxl_ctx *ctx);
/* ==================================================================
 * The rest of libxl 4.17's libxl_utils.h (see libxl.h, "The rest of
 * libxl 4.17's interface", for what a placeholder does).
 * ================================================================== */

/*
 * Shadow memory (KiB) an HVM guest of maxmem_kb and smp_cpus vcpus
 * needs: 1 MiB per vcpu plus 8 KiB per MiB of guest memory, the same
 * figure libxl 4.17 gives. Implemented; needs no ctx.
 */
unsigned long libxl_get_required_shadow_memory(unsigned long maxmem_kb,
    unsigned int smp_cpus);

/*
 * Cpupool names and ids. qualifier_to_cpupoolid takes a decimal id or a
 * name (*was_name_r, if not NULL, says which it was). cpupoolid_to_name
 * returns a malloc'ed name or NULL; cpupoolid_is_valid answers 1 or 0
 * (0 also when it cannot tell).
 */
int libxl_cpupool_qualifier_to_cpupoolid(libxl_ctx *ctx, const char *p,
    uint32_t *poolid_r, int *was_name_r);
int libxl_name_to_cpupoolid(libxl_ctx *ctx, const char *name,
                            uint32_t *poolid);
char *libxl_cpupoolid_to_name(libxl_ctx *ctx, uint32_t poolid);
int libxl_cpupoolid_is_valid(libxl_ctx *ctx, uint32_t poolid);

/*
 * Stub domains: get_stubdom_id returns the id of the device-model stub
 * domain serving guest_domid, or 0 if it has none; is_stubdom answers 1
 * or 0 and, for a stub domain, stores its guest's id in *target_domid
 * (if not NULL).
 */
int libxl_get_stubdom_id(libxl_ctx *ctx, int guest_domid);
int libxl_is_stubdom(libxl_ctx *ctx, uint32_t domid, uint32_t *target_domid);

/*
 * Finding one device of a domain by what identifies it (MAC address,
 * devid, virtual device name, uuid, USB controller and port): fills in
 * the caller's initialised struct, which it disposes of as usual.
 */
int libxl_mac_to_device_nic(libxl_ctx *ctx, uint32_t domid, const char *mac,
                            libxl_device_nic *nic);
int libxl_devid_to_device_nic(libxl_ctx *ctx, uint32_t domid, int devid,
                              libxl_device_nic *nic);
int libxl_vdev_to_device_disk(libxl_ctx *ctx, uint32_t domid, const char *vdev,
                              libxl_device_disk *disk);
int libxl_uuid_to_device_vtpm(libxl_ctx *ctx, uint32_t domid, libxl_uuid *uuid,
                              libxl_device_vtpm *vtpm);
int libxl_devid_to_device_vtpm(libxl_ctx *ctx, uint32_t domid, int devid,
                               libxl_device_vtpm *vtpm);
int libxl_devid_to_device_usbctrl(libxl_ctx *ctx, uint32_t domid, int devid,
                                  libxl_device_usbctrl *usbctrl);
int libxl_devid_to_device_vkb(libxl_ctx *ctx, uint32_t domid, int devid,
                              libxl_device_vkb *vkb);
int libxl_devid_to_device_vdispl(libxl_ctx *ctx, uint32_t domid, int devid,
                                 libxl_device_vdispl *vdispl);
int libxl_devid_to_device_vsnd(libxl_ctx *ctx, uint32_t domid, int devid,
                               libxl_device_vsnd *vsnd);
int libxl_ctrlport_to_device_usbdev(libxl_ctx *ctx, uint32_t domid, int ctrl,
                                    int port, libxl_device_usbdev *usbdev);

/*
 * Host topology as bitmaps: the sockets that have an online cpu, and
 * conversions between node maps and cpu maps (the destination map must
 * be allocated by the caller, e.g. libxl_cpu_bitmap_alloc).
 */
int libxl_get_online_socketmap(libxl_ctx *ctx, libxl_bitmap *socketmap);
int libxl_nodemap_to_cpumap(libxl_ctx *ctx, const libxl_bitmap *nodemap,
                            libxl_bitmap *cpumap);
int libxl_node_to_cpumap(libxl_ctx *ctx, int node, libxl_bitmap *cpumap);
int libxl_cpumap_to_nodemap(libxl_ctx *ctx, const libxl_bitmap *cpumap,
                            libxl_bitmap *nodemap);

/* A size in KiB as whole MiB, rounded up. */
static inline uint32_t libxl__sizekb_to_mb(uint32_t s)
{
    return (s + 1023) / 1024;
}

/* Sets every byte of object (an lvalue, not a pointer) to zero. */
#define LIBXL_FILLZERO(object) (memset(&(object), 0, sizeof(object)))

#ifdef __cplusplus
}
#endif

#endif /* LIBXL_UTILS_H */
