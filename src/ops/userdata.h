/*
 * ops/userdata.h: the stored-configuration family's shared pieces
 * (userdata.c): the names of a domain's files under /var/lib/xen, the
 * per-domain lock files, and reading one userdata file. Used by
 * userdata.c's public functions, by retrieve_config.c and by memory.c (the
 * memory setters read the stored configuration under the lock); nothing
 * else.
 */
#ifndef LIGHTCORE_OPS_USERDATA_H
#define LIGHTCORE_OPS_USERDATA_H

#include <stdint.h>

#include "libxl.h"

#include "base/gc.h"

/* Where libxl 4.17 keeps userdata files and their locks. */
#define LIBXL__USERDATA_DIR "/var/lib/xen"

/* The userdata id under which libxl keeps a domain's configuration. */
#define LIBXL__USERDATA_CONFIG "libxl-json"

/* The lock of a domain's userdata, and the lock held across device
 * changes (the userdata ids of their lock files, as libxl names them). */
#define LIBXL__LOCK_USERDATA "domain-userdata-lock"
#define LIBXL__LOCK_DEVICES  "libxl-device-changes-lock"

/* A domain as its userdata files name it: domid and uuid. */
typedef struct {
    uint32_t domid;
    char uuid[37];
} libxl__userdata_dom;

/*
 * Looks domid up in the hypervisor. 0, or ERROR_DOMAIN_NOTFOUND /
 * ERROR_FAIL, logged as libxl logs a domain it cannot find there.
 */
int libxl__userdata_dom_find(libxl__gc *gc, uint32_t domid,
                             libxl__userdata_dom *dom);

/* LIBXL__USERDATA_DIR/userdata-WH.DOMID.UUID.USERID, owned by gc (NULL
 * only when out of memory). wh is "d" (data), "n" (the next data, before
 * its rename), "l" (a lock). */
const char *libxl__userdata_path(libxl__gc *gc, const libxl__userdata_dom *dom,
                                 const char *userid, const char *wh);

/* Removes every userdata file of dom (any userid, data or not yet
 * renamed), as libxl's destroy does, but the userdata lock file, which
 * its holder removes. Failures are logged. Call with dom's userdata lock
 * held (and without the ctx lock: it touches files). */
void libxl__userdata_destroyall(libxl__gc *gc, const libxl__userdata_dom *dom);

/* A held lock file. */
typedef struct {
    int fd;                       /* -1: not held */
    const char *path;             /* owned by the gc given to _lock */
} libxl__userdata_flock;

/*
 * Takes dom's lock named lockid (LIBXL__LOCK_*) as libxl does: flock(2)
 * on LIBXL__USERDATA_DIR/userdata-l.DOMID.UUID.LOCKID, waiting as long as
 * another process (or thread) holds it, and again if the file was
 * replaced meanwhile; then checks that the domain still exists (the lock
 * is released if not). info_r, if not NULL, receives the domain's
 * information from that check (the caller disposes it when 0 is
 * returned). 0 or ERROR_LOCK_FAIL (logged where libxl logs). Blocks:
 * call without the ctx lock.
 */
int libxl__userdata_lock(libxl__gc *gc, const libxl__userdata_dom *dom,
                         const char *lockid, libxl__userdata_flock *lk,
                         libxl_dominfo *info_r);
/* Releases a lock taken by _lock (removing its file first, as libxl);
 * nothing if not held. */
void libxl__userdata_unlock(libxl__userdata_flock *lk);

/*
 * Reads dom's userdata userid (the caller holds its userdata lock). 0 with
 * *data_r malloc'ed (the caller frees) and *datalen_r its length; a file
 * that does not exist is 0 with no data (NULL, 0), as in libxl; an empty
 * file, or one that cannot be read, is ERROR_FAIL (logged). data_r and
 * datalen_r may be NULL.
 */
int libxl__userdata_read(libxl__gc *gc, const libxl__userdata_dom *dom,
                         const char *userid, uint8_t **data_r,
                         int *datalen_r);

/*
 * Stores data as dom's userdata userid (the caller holds its userdata
 * lock): written to the "n" file and renamed over the "d" file, so a
 * reader sees the old data or the new, never a part; no data removes the
 * file, as in libxl. 0, ERROR_NOMEM, ERROR_FAIL (logged), or the errno
 * value of a failed removal (libxl returns it as is).
 */
int libxl__userdata_write(libxl__gc *gc, const libxl__userdata_dom *dom,
                          const char *userid, const uint8_t *data,
                          int datalen);

/*
 * dom's stored configuration (its "libxl-json" userdata), the caller
 * holding its userdata lock: 0 with d_config filled (initialised by the
 * caller); ERROR_JSON_CONFIG_EMPTY (not logged) when there is none;
 * ERROR_FAIL (logged as libxl) when it cannot be read, or the JSON
 * parser's error.
 */
int libxl__userdata_config_read(libxl__gc *gc, const libxl__userdata_dom *dom,
                                libxl_domain_config *d_config);
/* Stores d_config as dom's configuration, as libxl (its JSON with the
 * terminating NUL), the caller holding the userdata lock. 0, or
 * ERROR_FAIL / ERROR_NOMEM (logged). */
int libxl__userdata_config_write(libxl__gc *gc,
                                 const libxl__userdata_dom *dom,
                                 libxl_domain_config *d_config);

#endif /* LIGHTCORE_OPS_USERDATA_H */
