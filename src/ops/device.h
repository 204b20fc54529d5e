/*
 * ops/device.h: the devices family's machinery, shared by every device
 * kind's public functions (ops/dev_<kind>.c): what the machinery needs to
 * know of a kind (libxl__devtype), and the generic operations built on it
 * (add with rollback in device_add.c, remove and destroy in
 * device_remove.c, listing in device_list.c, hotplug scripts in
 * device_hotplug.c, the stored configuration's device arrays in
 * device_config.c). A kind adds a devtype and its entry table
 * (dev/entries.h); it writes no xenstore code of its own.
 */
#ifndef LIGHTCORE_OPS_DEVICE_H
#define LIGHTCORE_OPS_DEVICE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxl.h"

#include "ao/ao.h"
#include "base/gc.h"
#include "dev/device.h"
#include "dev/entries.h"

/* Per-ctx state of the device family (CTX_DEVICES(ctx), ops/ops.h). */
typedef struct libxl__devices_state {
    /* The domain this process runs in, plus one, once read from xenstore
     * ("domid", relative to the connection; it cannot change while the
     * process lives); 0 until then. Atomic: read and set unlocked. */
    _Atomic uint64_t own_domid_plus1;
} libxl__devices_state;

typedef struct libxl__devtype libxl__devtype;

/* Which hotplug script a kind's backend runs, when its backend is in the
 * toolstack's own domain. */
typedef enum {
    LIBXL__HOTPLUG_NONE,
    LIBXL__HOTPLUG_BLOCK,            /* vbd: [script, add|remove], once */
    LIBXL__HOTPLUG_VIF,              /* vif: [script, online|offline,
                                        type_if=vif] */
} libxl__hotplug_kind;

struct libxl__devtype {
    const char *name;                /* "disk", for messages */
    libxl__devkind kind;             /* of its records (/libxl/D/device/K) */
    size_t size;                     /* sizeof(libxl_device_X) */
    /* its array in libxl_domain_config: offsets of the pointer and of the
     * count (an int) */
    size_t cfg_array, cfg_num;
    void (*init)(void *dev);
    void (*dispose)(void *dev);
    void (*copy)(libxl_ctx *ctx, void *dst, const void *src);
    /* whether a and b name the same device (libxl's compare) */
    bool (*same)(const void *a, const void *b);
    /* libxl's setdefault, on the caller's struct; hotplug: an add to a
     * running domain. NULL: none. */
    int (*setdefault)(libxl__gc *gc, uint32_t domid,
                      libxl_domain_type type, void *dev, bool hotplug);
    /* a free devid for a device that has none yet (libxl's
     * update_devid); NULL: none */
    int (*update_devid)(libxl__gc *gc, uint32_t domid, void *dev);
    /* what the stored configuration keeps of the defaults set (libxl's
     * update_config: the devid, a generated mac...); NULL: nothing */
    void (*update_config)(libxl__gc *gc, void *saved, const void *dev);
    /* the device's address; 0 or ERROR_INVAL (logged). NULL: the plain
     * one, frontend and backend of this kind, the backend domain and the
     * devid from the fields at backend_domid_off and devid_off */
    int (*to_addr)(libxl__gc *gc, uint32_t domid, const void *dev,
                   libxl__devaddr *addr);
    size_t backend_domid_off;       /* uint32_t, when to_addr is NULL */
    size_t devid_off;               /* libxl_devid, when to_addr is NULL */
    /* NULL, or what an add uses instead of to_addr (a kind whose add
     * logs a bad address its own way) */
    int (*add_to_addr)(libxl__gc *gc, uint32_t domid, const void *dev,
                       libxl__devaddr *addr);
    libxl__dev_entries entries;
    /* completes a device read back from its record after the table's
     * entries (NULL: nothing to add); get(key) reads the record */
    int (*from_record)(libxl__gc *gc, const libxl__devaddr *addr,
                       const char *(*get)(const char *key, void *user),
                       void *user, void *dev);
    libxl__hotplug_kind hotplug;
    /* NULL, or which kind the domain's records are under, when that
     * depends on the domain (disks: vbd or virtio_disk) */
    int (*records_kind)(libxl__gc *gc, uint32_t domid,
                        libxl__devkind *kind);
    /* NULL, or what a retrieved configuration's stored device takes
     * from the live one (libxl's merge) */
    void (*merge)(libxl_ctx *ctx, const void *live, void *stored);
    /* which entries are read back, from where: 0, the backend's from the
     * record; LIBXL__DEVENT_FRONT, the frontend's from the frontend
     * directory the record names (guest-written: hostile);
     * LIBXL__DEVENT_BACK, the backend's from the backend directory the
     * record names, which must be one (libxl's vkb list trusts the
     * backend's nodes: QEMU adds features there) */
    unsigned read_where;
    /* libxl's synchronous add (its libxl__device_add, which vkb and vfb
     * use): defaults, devid and nodes only (an existing record is
     * overwritten, not refused); no stored configuration, no wait, no
     * script. */
    bool add_nodes_only;
    /* setdefault and the entries need not the guest's type: add looks no
     * domain up before it takes the userdata lock (libxl's vtpm: a domain
     * that does not exist fails there, ERROR_LOCK_FAIL) */
    bool setdefault_untyped;
    /* NULL, or a check of the stored configuration with dev in it, made
     * under the userdata lock before any node is written (libxl's
     * device-model checks); 0 or an error (logged) that ends the add */
    int (*check)(libxl__gc *gc, uint32_t domid,
                 const libxl_domain_config *d_config, const void *dev);
    /* NULL, or what a removal does first, inside its operation, before
     * the backend is asked to close (a controller's own devices); an
     * error ends the removal there, with nothing else done */
    int (*pre_remove)(libxl__gc *gc, uint32_t domid, const void *dev);
    /* NULL, or for a device that is only a record (backend kind NONE:
     * the device model's), what gives it to the device model once the
     * record is written (libxl's QMP device_add), instead of the backend
     * wait and the script; an error undoes the add */
    int (*dm_add)(libxl__gc *gc, uint32_t domid, const void *dev);
    /* NULL, or how the domain's live devices are listed when they are not
     * records under /libxl (pci: its backend's numbered entries); a
     * malloc'ed array of *num devices, as libxl__device_list */
    void *(*list)(libxl__gc *gc, uint32_t domid, int *num);
};

/* The kinds whose devices libxl_retrieve_domain_configuration checks
 * against xenstore, in libxl's order; NULL-terminated (device_types.c).
 * Each kind's file defines its libxl__<kind>_devtype. */
extern const libxl__devtype *const libxl__device_types[];
extern const libxl__devtype libxl__disk_devtype;
extern const libxl__devtype libxl__nic_devtype;
extern const libxl__devtype libxl__vdispl_devtype;
extern const libxl__devtype libxl__vsnd_devtype;
extern const libxl__devtype libxl__vtpm_devtype;
extern const libxl__devtype libxl__usbctrl_devtype;
extern const libxl__devtype libxl__usbdev_devtype;
extern const libxl__devtype libxl__pci_devtype;

/*
 * The live part of a retrieved configuration's devices (the caller holds
 * the domain's userdata lock): for every kind of libxl__device_types, a
 * stored device that xenstore no longer has is dropped (logged as
 * libxl), and one it has takes what the kind's merge says.
 */
void libxl__device_merge_live(libxl__gc *gc, uint32_t domid,
                              libxl_domain_config *d_config);

/* The device at index i of an array of dt's structs. */
static inline void *libxl__devtype_elem(const libxl__devtype *dt, void *array,
                                        int i)
{ return (char *)array + (size_t)i * dt->size; }

/* ------------------------------------------------ the generic operations */

/*
 * libxl_device_X_add: an asynchronous operation that
 *  1. sets dt's defaults on dev (the caller's struct, as libxl) and finds
 *     its address;
 *  2. under the domain's userdata lock: adds dev (as it was given, with
 *     what update_config keeps) to the stored configuration; in one
 *     xenstore transaction, refuses a device that exists
 *     (ERROR_DEVICE_EXISTS) and writes its record, frontend and backend
 *     (dt->entries); then stores the configuration;
 *  3. waits for the backend to reach InitWait (not for a QEMU backend);
 *  4. runs its hotplug script, if the backend is in this domain.
 * If any step after 2 fails or the operation is aborted, everything done
 * is undone (the script's "remove" if its "add" ran, the nodes, the
 * configuration entry), and the call ends with the step's error, as
 * libxl's (which leaves all of it behind).
 */
int libxl__device_add(libxl_ctx *ctx, uint32_t domid,
                      const libxl__devtype *dt, void *dev,
                      const libxl_asyncop_how *ao_how);

/*
 * Steps 1 and 2 of libxl__device_add only, synchronously, inside another
 * operation (a device some other add needs): defaults on dev, the stored
 * configuration and the nodes. Waits for no backend and runs no script.
 * 0, or an error with nothing left behind. libxl__device_unadd takes
 * such a device out again (nodes and configuration entry), for an undo.
 */
int libxl__device_add_records(libxl__gc *gc, uint32_t domid,
                              const libxl__devtype *dt, void *dev);
int libxl__device_unadd(libxl__gc *gc, uint32_t domid,
                        const libxl__devtype *dt, const void *dev);

/*
 * libxl_device_X_remove, _destroy and _safe_remove, as
 * libxl 4.17: the backend is asked to close (online 0, state Closing) and
 * awaited until Closed (a remove that times out is forced: the frontend
 * is removed and the backend awaited once more), the hotplug script's
 * "remove" runs, and the device's nodes are removed. The stored
 * configuration is left as it is (libxl drops a removed device from it
 * when it is retrieved).
 */
typedef enum {
    LIBXL__FORCE_AUTO,               /* _remove: forced after a timeout */
    LIBXL__FORCE_ON,                 /* _destroy */
    LIBXL__FORCE_OFF,                /* _safe_remove: never forced */
} libxl__devforce;
int libxl__device_remove(libxl_ctx *ctx, uint32_t domid,
                         const libxl__devtype *dt, const void *dev,
                         libxl__devforce force,
                         const libxl_asyncop_how *ao_how);

/*
 * The same removal as a step of another operation (ao): the device at
 * addr, of kind dt (NULL: known only by its backend, as libxl's removal of
 * every device of a dying domain knows it: the hotplug script is then
 * chosen by the backend's kind alone). No pre_remove step. cb(egc, arg,
 * rc) is called once, when it is over (perhaps before this returns); the
 * lock is held.
 */
typedef void libxl__device_removed_cb(libxl__egc *egc, void *arg, int rc);
void libxl__device_remove_sub(libxl__egc *egc, libxl__ao *ao,
                              const libxl__devtype *dt,
                              const libxl__devaddr *addr,
                              libxl__devforce force,
                              libxl__device_removed_cb *cb, void *arg);

/*
 * Every device of domid removed, forced, as libxl's domain destroy removes
 * them: the devices the toolstack's records name, all at once (each as
 * libxl__device_remove_sub with LIBXL__FORCE_ON and no kind, but a usb
 * controller, whose usb devices go first); consoles and vuarts only lose
 * their nodes. cb(egc, arg, rc) once all are over (perhaps before this
 * returns), rc the first failure; the lock is held.
 */
typedef void libxl__devices_destroyed_cb(libxl__egc *egc, void *arg, int rc);
void libxl__devices_destroy(libxl__egc *egc, libxl__ao *ao, uint32_t domid,
                            libxl__devices_destroyed_cb *cb, void *arg);

/*
 * libxl_device_X_list: every device of dt's kind the domain has a record
 * of, read back through dt->entries, in xenstore's order; a malloc'ed
 * array of *num structs (NULL, *num 0 when there is none or on error,
 * logged). Free with libxl__device_list_free.
 */
void *libxl__device_list(libxl__gc *gc, const libxl__devtype *dt,
                         uint32_t domid, int *num);
void libxl__device_list_free(const libxl__devtype *dt, void *list, int num);

/*
 * Reads the device at record into dev (initialised by the caller): the
 * table's entries, then dt->from_record. 0 or ERROR_FAIL (logged).
 */
int libxl__device_from_record(libxl__gc *gc, const libxl__devtype *dt,
                              const libxl__devaddr *addr, void *dev);

/*
 * Reads the entries of table that go to `where` from the directory dir
 * into dev (initialised by the caller), one bounded read each
 * (libxl__dev_entries_read: a missing entry that is not OPTIONAL, a node
 * that cannot be read, or a value its codec refuses is ERROR_FAIL,
 * logged). For a struct other than a device's (a getinfo's).
 */
int libxl__device_read_entries(libxl__gc *gc, const libxl__dev_entries *table,
                               unsigned where, const char *dir, void *dev);

/*
 * libxl's dm_check_start: ERROR_FAIL (logged) when d_config has a device
 * this domain's QEMU serves (a vfb, a 9pfs, a qdisk or qusb backend or a
 * channel in this domain) and the guest has no device model running; 0
 * otherwise.
 */
int libxl__device_dm_check_start(libxl__gc *gc, uint32_t domid,
                                 const libxl_domain_config *d_config);

/* ------------------------------------------------------------ tunables */

/*
 * The deadlines of the device operations, libxl's unless the environment
 * says otherwise (for tests): LIGHTCORE_DEVICE_INIT_TIMEOUT_MS (the
 * backend reaching InitWait, 10 s), LIGHTCORE_DEVICE_HOTPLUG_TIMEOUT_MS
 * (a hotplug script, 40 s), LIGHTCORE_DEVICE_DESTROY_TIMEOUT_MS (the
 * backend closing, 10 s).
 */
typedef enum {
    LIBXL__DEVTIMEOUT_INIT,
    LIBXL__DEVTIMEOUT_HOTPLUG,
    LIBXL__DEVTIMEOUT_DESTROY,
} libxl__devtimeout;
int libxl__device_timeout_ms(libxl__devtimeout which);

/* The address of dev, a device of kind dt of domain domid: dt->to_addr's,
 * or the plain one. 0 or ERROR_INVAL (logged). */
int libxl__device_addr_of(libxl__gc *gc, const libxl__devtype *dt,
                          uint32_t domid, const void *dev,
                          libxl__devaddr *addr);

/* For a kind's from_record: the domain of the backend the record points
 * at ("backend"), as libxl reads it; ERROR_FAIL (logged as libxl logs a
 * failed read) when the record has none. */
int libxl__device_record_backend_domid(libxl__gc *gc,
                                       const libxl__devaddr *addr,
                                       const char *(*get)(const char *,
                                                          void *),
                                       void *user, uint32_t *domid);

/* ------------------------------------------------- shared by the above */

/* A number the guest wrote in its frontend directory fe (key), read as
 * libxl's _getinfo calls read it (strtoul into an int), or -1 when it is
 * absent (device_lookup.c). */
int libxl__device_fe_number(libxl__gc *gc, const char *fe, const char *key);

/* The domid of the domain this process runs in (its xenstore "domid"),
 * read once per ctx: 0 or ERROR_FAIL (logged). */
int libxl__device_own_domid(libxl__gc *gc, uint32_t *domid);

/*
 * Removes the device's frontend, record and backend directories with the
 * parents they leave empty, in one transaction, as libxl__device_destroy:
 * a toolstack in dom0 removes all three; elsewhere, only the backend when
 * it is in this domain. 0 or ERROR_FAIL.
 */
int libxl__device_destroy_nodes(libxl__gc *gc, const libxl__devaddr *addr);

/*
 * The stored configuration's array of dt's devices (device_config.c),
 * the caller holding the userdata lock and d_config read:
 *  - _put: dev replaces the device dt->same says is the same, or is
 *    appended; *replaced_r (if not NULL) receives a malloc'ed copy of the
 *    replaced one (NULL if none), for an undo;
 *  - _drop: the device that is the same as dev is removed (if any);
 *    if restore is not NULL, it takes its place (or is appended).
 * 0 or ERROR_NOMEM.
 */
int libxl__device_config_put(libxl__gc *gc, const libxl__devtype *dt,
                             libxl_domain_config *d_config, const void *dev,
                             void **replaced_r);
int libxl__device_config_drop(libxl__gc *gc, const libxl__devtype *dt,
                              libxl_domain_config *d_config, const void *dev,
                              const void *restore);

/*
 * A hotplug script's run for addr with action "add" or "remove" (hotplug
 * step num_exec, as libxl counts them): 1 with path, argv and envp filled
 * (owned by gc) when there is one to run, 0 when there is none, or an
 * error (logged). The script and its arguments come from the toolstack's
 * record of the device, never from nodes the guest or the backend can
 * write. dt may be NULL: the backend's kind alone then says whether a
 * script runs (vbd: block, vif: vif), as for libxl's removal of every
 * device of a dying domain.
 */
int libxl__device_hotplug_args(libxl__gc *gc, const libxl__devtype *dt,
                               const libxl__devaddr *addr, bool add,
                               int num_exec, const char **path,
                               char ***argv, char ***envp);
/* The same for a driver domain serving addr's backend (any backend kind:
 * vbd and vif have scripts): read from the backend directory, which only
 * this domain and dom0 can write (the toolstack's records are dom0's). */
int libxl__device_hotplug_args_backend(libxl__gc *gc,
                                       const libxl__devaddr *addr, bool add,
                                       int num_exec, const char **path,
                                       char ***argv, char ***envp);

#endif /* LIGHTCORE_OPS_DEVICE_H */
