/*
 * evgen/eject.c: DISK_EJECT events (libxl_evenable_disk_eject /
 * libxl_evdisable_disk_eject). It owns CTX_EJECT(ctx) (the list of the ctx's
 * eject evgens) and each evgen's two watches and cached disk description.
 *
 * xenstore layout (as libxl 4.17 uses it; FE is the frontend domain: the
 * guest, or its device-model stub domain when it has one):
 *   /local/domain/FE/device/vbd/DEVID/eject   guest-writable; the guest
 *       writes "eject" to ask for the medium to be ejected; we acknowledge
 *       by writing "" there and report DISK_EJECT (the application then
 *       empties the drive, e.g. with libxl_cdrom_insert of the event's
 *       empty disk);
 *   /libxl/FE/device/vbd/DEVID/backend        toolstack-owned pointer to
 *       the backend directory /local/domain/BE/backend/KIND/FE/DEVID,
 *       whose frontend-id, frontend, type and dev nodes the toolstack
 *       wrote when it created the disk.
 *
 * Trust. Everything under /local/domain/FE is written by the guest, so a
 * value there is an eject only if it is exactly the five bytes "eject";
 * anything else (other text, NUL bytes, oversized values, writes below the
 * node, the node's removal) is logged and ignored. The backend reported in
 * the event comes from the toolstack's pointer, cross-checked against the
 * backend directory, never from the frontend's own `backend` node.
 *
 * Cost. Everything the event needs (the disk description) is read when
 * the evgen is enabled and kept. It depends on the toolstack's pointer and
 * on the frontend-id, frontend, type and dev nodes of the backend
 * directory it names, and on nothing else; a second watch (on the
 * pointer) and a third (on that backend directory, moved when the pointer
 * changes) mark what may have changed stale (the pointer, or the node the
 * event names; every node when it names the directory itself; nothing
 * for the directory's other nodes), and what is stale is read again
 * before the next eject is reported. xenstored fires every watch at least
 * once after each change below it, so no change is missed; the events
 * arrive after the change, so a value read earlier is always marked stale
 * afterwards.
 *
 * Everything goes out on the watch connection without blocking
 * (libxl__ev_xswatch_read / _write, pipelined) and the answers come back
 * through the event loop, in order. When the eject node's watch fires,
 * its read goes out, and in the same write the reads of whatever of the
 * description is stale (the pointer with the nodes of the directory
 * watched so far: it rarely moves); if the pointer turns out to name
 * another directory, that directory is watched and then read (so a moved
 * pointer costs one more round trip, and a change in between is not
 * missed). If the value is an eject, the acknowledging write follows; the
 * event is reported once the acknowledgement has been accepted, as libxl
 * does after its xs_write, and once the description is fresh: if part of
 * it went stale again meanwhile, that part is read again first.
 * Otherwise an eject costs one read of the eject node and the
 * acknowledging write.
 *
 * Our own acknowledgement fires the watch again. On a connection that
 * keeps xenstored's order (libxl__xswatch_ordered) no read is needed for
 * an event that arrives while our write is outstanding: it was caused by
 * a write xenstored handled before ours (ours included), whose value ours
 * has replaced; a later guest write fires after the answer and is read.
 * Likewise an event that arrives while a read is outstanding is covered
 * by that read. Without that order such events are remembered and the
 * node is read once more when the outstanding request completes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "dev/devpath.h"
#include "evgen/evgen.h"

/* Hostile values beyond this many per evgen are logged at DEBUG only. */
#define LOUD_COMPLAINTS 8

/* The nodes of a disk's description (see desc_nodes below): N_DESC
 * backend nodes, then the guest's claim. */
enum { N_FE_ID, N_FE, N_TYPE, N_DEV, N_DESC, N_GUEST_BP = N_DESC, N_NODES };

/* What of the description is to be read again: node i of the backend
 * directory (1 << i), the toolstack's pointer. */
#define STALE_NODES ((1u << N_DESC) - 1)
#define STALE_PTR (1u << N_DESC)
#define STALE_ALL (STALE_NODES | STALE_PTR)

/* A value read (malloc'ed, NUL-terminated after len bytes), or v NULL. */
typedef struct { char *v; unsigned len; } desc_val;

struct libxl__evgen_disk_eject {
    libxl_ctx *ctx;
    uint32_t domid;                /* the guest */
    uint32_t fe_domid;             /* the guest or its stub domain */
    int devid;
    libxl_ev_user user;
    char *vdev;                    /* the caller's vdev (copy) */
    char *eject_path;
    char *fe_path;                 /* /local/domain/FE/device/vbd/DEVID */
    char *be_ptr_path;             /* /libxl/FE/device/vbd/DEVID/backend */
    libxl__ev_xswatch eject_watch, be_ptr_watch;
    libxl__ev_xswatch be_dir_watch;  /* on be_dir, while there is one */
    char *be_dir;                  /* the backend directory watched */
    unsigned complaints;
    bool reading, acking;          /* a request is outstanding */
    bool dirty;                    /* read again when it completes */

    /* The disk as the toolstack described it (valid if have_backend),
     * from the values of be_dir's nodes last read; what may have changed
     * since (STALE_* bits) is read again before use. */
    unsigned stale;
    bool dir_unwatched;            /* be_dir's watch failed: read it all */
    desc_val nodes[N_DESC];
    bool have_backend;
    uint32_t be_domid;
    libxl_disk_backend be_kind;
    char *configured_vdev;         /* the backend's dev node, or NULL */

    /* Reading it again without waiting (refresh_start). */
    unsigned rf_due;               /* answers still due; 0: not reading */
    bool rf_failed;                /* a request could not be made */
    bool rf_ptr_read;              /* the pointer is being read */
    char *rf_dir;                  /* the directory whose nodes are read */
    desc_val rf_ptr;               /* the pointer's value */
    desc_val rf_guest;             /* the guest's claim */
    unsigned reports_due;          /* acknowledged, not yet reported */

    XEN_LIST_ENTRY(libxl_evgen_disk_eject) link;   /* on CTX_EJECT(ctx) */
};

/* ------------------------------------------------------------- vdevs */

/* "a".."z", "aa".. as a disk index (bijective base 26); -1 if invalid.
 * *end_r points past the letters. */
static long disk_letters(const char *s, const char **end_r)
{
    long n = 0;
    const char *p = s;

    while (*p >= 'a' && *p <= 'z') {
        n = n * 26 + (*p - 'a' + 1);
        if (n > (1L << 20)) return -1;
        p++;
    }
    if (p == s) return -1;
    *end_r = p;
    return n - 1;
}

/* A partition number: empty (0) or decimal without leading zeros. */
static long partition_of(const char *s)
{
    char *end;

    if (!*s) return 0;
    if (!isdigit((unsigned char)*s) || (s[0] == '0' && s[1])) return -1;
    errno = 0;
    long p = strtol(s, &end, 10);
    if (errno || *end) return -1;
    return p;
}

/* The Xen virtual device number of a vdev (docs/misc/vbd-interface.txt):
 * xvdX[N], hdX[N], sdX[N], dDpN / dD, or a plain number. -1 if invalid. */
static int vdev_to_devid(const char *vdev)
{
    const char *rest;
    long disk, part;
    char *end;

    if (!strncmp(vdev, "xvd", 3)) {
        disk = disk_letters(vdev + 3, &rest);
        if (disk < 0) return -1;
        part = partition_of(rest);
        goto xvd;
    }
    if (!strncmp(vdev, "hd", 2)) {
        disk = disk_letters(vdev + 2, &rest);
        part = disk < 0 ? -1 : partition_of(rest);
        if (disk < 0 || disk > 3 || part < 0 || part > 63) return -1;
        return ((disk < 2 ? 3 : 22) << 8) | ((disk & 1) << 6) | part;
    }
    if (!strncmp(vdev, "sd", 2)) {
        disk = disk_letters(vdev + 2, &rest);
        part = disk < 0 ? -1 : partition_of(rest);
        if (disk < 0 || disk > 15 || part < 0 || part > 15) return -1;
        return (8 << 8) | (disk << 4) | part;
    }
    if (vdev[0] == 'd' && isdigit((unsigned char)vdev[1])) {
        errno = 0;
        disk = strtol(vdev + 1, &end, 10);
        if (errno) return -1;
        if (*end == 'p') part = partition_of(end + 1);
        else if (!*end) part = 0;
        else return -1;
        if (*end == 'p' && !end[1]) return -1;
        goto xvd;
    }
    if (isdigit((unsigned char)vdev[0])) {
        errno = 0;
        long n = strtol(vdev, &end, 10);
        if (errno || *end || n < 0 || n > (1L << 30)) return -1;
        return (int)n;
    }
    return -1;

xvd:
    if (part < 0) return -1;
    if (disk <= 15 && part <= 15) return (202 << 8) | (disk << 4) | part;
    if (disk < (1L << 20) && part <= 255) return (1 << 28) | (disk << 8) | part;
    return -1;
}

/* ---------------------------------------------------------- xenstore */

/* Read path as a NUL-terminated string of at most max bytes without
 * embedded NULs; NULL if absent, unreadable or not such a string. */
static char *read_str(libxl_ctx *ctx, const char *path, unsigned max)
{
    unsigned len;
    char *v = xs_read(ctx->xsh, XBT_NULL, path, &len);

    if (!v) return NULL;
    if (len > max || strlen(v) != len) { free(v); return NULL; }
    return v;
}

/* A printable excerpt of an untrusted value, for log messages. */
static void excerpt(const char *v, unsigned len, char *buf, size_t size)
{
    size_t o = 0;

    for (unsigned i = 0; i < len && o + 5 < size; i++) {
        unsigned char c = v[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') buf[o++] = c;
        else o += snprintf(buf + o, size - o, "\\x%02x", c);
    }
    buf[o < size ? o : size - 1] = '\0';
}

/* Log about a hostile or unexpected value: loudly for the first few per
 * evgen, then at DEBUG only, so a guest cannot flood the log. */
#define COMPLAIN(evg, ...)                                                 \
    libxl__log((evg)->ctx, (evg)->complaints++ < LOUD_COMPLAINTS ?        \
               XTL_WARN : XTL_DEBUG, -1, LIBXL__FILE, __LINE__, __func__,  \
               (evg)->domid, __VA_ARGS__)

static void be_dir_cb(libxl__egc *egc, libxl__ev_xswatch *w,
                      const char *watch_path, const char *event_path);

/* Watch dir (or nothing, if NULL) for changes of the backend nodes the
 * description depends on. 0 or a libxl error code (then nothing is
 * watched, and the description stays stale). */
static int be_dir_watch_set(libxl_evgen_disk_eject *evg, const char *dir)
{
    libxl_ctx *ctx = evg->ctx;
    int rc;

    if (dir && evg->be_dir && !strcmp(dir, evg->be_dir)) return 0;
    libxl__ev_xswatch_deregister(ctx, &evg->be_dir_watch);
    free(evg->be_dir);
    evg->be_dir = NULL;
    if (!dir) return 0;
    evg->be_dir = strdup(dir);
    if (!evg->be_dir) return ERROR_NOMEM;
    rc = libxl__ev_xswatch_register(ctx, &evg->be_dir_watch, be_dir_cb,
                                    evg->be_dir);
    if (rc) {
        free(evg->be_dir);
        evg->be_dir = NULL;
    }
    return rc;
}

/* ------------------------------------------------------- description */

/*
 * The disk as the toolstack described it comes from the toolstack's
 * pointer under /libxl, then from these nodes of the backend directory it
 * names, which must point back at this frontend; and the guest's own claim
 * (the frontend's backend node) is read to be compared, for the log only,
 * whenever the pointer is.
 */
static const struct {
    const char *name;
    unsigned max;        /* longest value taken */
    bool frontend;       /* under the frontend, not the backend */
} desc_nodes[N_NODES] = {
    [N_FE_ID] = { "frontend-id", 16, false },
    [N_FE] = { "frontend", 200, false },
    [N_TYPE] = { "type", 16, false },
    [N_DEV] = { "dev", 32, false },
    [N_GUEST_BP] = { "backend", XENSTORE_PAYLOAD_MAX, true },
};

/* Path of node i of the description, for the backend directory dir. */
static void desc_node_path(libxl_evgen_disk_eject *evg, const char *dir,
                           int i, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", desc_nodes[i].frontend ? evg->fe_path : dir,
             desc_nodes[i].name);
}

static void desc_vals_free(desc_val *vals, int n)
{
    for (int i = 0; i < n; i++) {
        free(vals[i].v);
        vals[i].v = NULL;
        vals[i].len = 0;
    }
}

/* Take a value read (len bytes at data, or none if data is NULL) into
 * *v. false if out of memory (*v is then absent). */
static bool desc_val_set(desc_val *v, const char *data, unsigned len)
{
    desc_vals_free(v, 1);
    if (!data) return true;
    v->v = malloc(len + 1);
    if (!v->v) return false;
    memcpy(v->v, data, len);
    v->v[len] = '\0';
    v->len = len;
    return true;
}

/* v as a string of at most max bytes without embedded NULs, or NULL. */
static const char *desc_str(const desc_val *v, unsigned max)
{
    if (!v->v || v->len > max || strlen(v->v) != v->len) return NULL;
    return v->v;
}

/* The backend directory the toolstack's pointer (value ptr) names, if it
 * is this disk's: 0, with *be set; else -1, logged. */
static int desc_pointer(libxl_evgen_disk_eject *evg, const desc_val *ptr,
                        libxl__backend_path *be)
{
    libxl_ctx *ctx = evg->ctx;
    const char *bp = desc_str(ptr, 200);

    if (!bp) {
        LOGD(ctx, DEBUG, evg->domid, "no toolstack record %s for vdev %s",
             evg->be_ptr_path, evg->vdev);
        return -1;
    }
    if (!libxl__backend_path_parse(bp, be) ||
        be->frontend_domid != evg->fe_domid ||
        be->devid != (uint32_t)evg->devid) {
        LOGD(ctx, WARN, evg->domid, "toolstack backend pointer %s for vdev %s"
             " does not name this disk's backend; ignoring the disk", bp,
             evg->vdev);
        return -1;
    }
    return 0;
}

/* Forget the description (the disk counts as removed until it is read
 * again). */
static void desc_clear(libxl_evgen_disk_eject *evg)
{
    evg->have_backend = false;
    free(evg->configured_vdev);
    evg->configured_vdev = NULL;
}

/* Describe the disk from the nodes of the backend directory bp (which
 * the pointer named, as parsed into be) last read, and compare the
 * guest's claim if it was read (guest not NULL). Anything inconsistent
 * leaves have_backend false, with a log line. */
static void desc_apply(libxl_evgen_disk_eject *evg, const char *bp,
                       const libxl__backend_path *be, const desc_val *guest)
{
    libxl_ctx *ctx = evg->ctx;
    const desc_val *n = evg->nodes;
    const char *fe_id = desc_str(&n[N_FE_ID], desc_nodes[N_FE_ID].max);
    const char *fe = desc_str(&n[N_FE], desc_nodes[N_FE].max);
    const char *type = desc_str(&n[N_TYPE], desc_nodes[N_TYPE].max);
    const char *dev = desc_str(&n[N_DEV], desc_nodes[N_DEV].max);
    char want_id[16];

    desc_clear(evg);
    snprintf(want_id, sizeof(want_id), "%u", evg->fe_domid);
    if (!fe_id || strcmp(fe_id, want_id) || (fe && strcmp(fe, evg->fe_path))) {
        LOGD(ctx, WARN, evg->domid, "backend %s for vdev %s does not point"
             " back at frontend %s; ignoring the disk", bp, evg->vdev,
             evg->fe_path);
        return;
    }

    if (type && !strcmp(type, "phy")) evg->be_kind = LIBXL_DISK_BACKEND_PHY;
    else if (type && !strcmp(type, "qdisk")) evg->be_kind = LIBXL_DISK_BACKEND_QDISK;
    else if (type && !strcmp(type, "tap")) evg->be_kind = LIBXL_DISK_BACKEND_TAP;
    else if (!strcmp(be->kind, "qdisk")) evg->be_kind = LIBXL_DISK_BACKEND_QDISK;
    else if (!strcmp(be->kind, "vbd") || !strcmp(be->kind, "vbd3") || !strcmp(be->kind, "tap"))
        evg->be_kind = LIBXL_DISK_BACKEND_TAP;
    else evg->be_kind = LIBXL_DISK_BACKEND_UNKNOWN;
    evg->be_domid = be->backend_domid;

    /* Without memory for the copy the event names the caller's vdev. */
    if (dev && vdev_to_devid(dev) == evg->devid)
        evg->configured_vdev = strdup(dev);

    /* The guest's own claim is only compared, for the log. */
    if (guest && guest->v &&
        (guest->len != strlen(bp) || memcmp(guest->v, bp, guest->len))) {
        char ex[80], path[256];
        excerpt(guest->v, guest->len, ex, sizeof(ex));
        desc_node_path(evg, bp, N_GUEST_BP, path, sizeof(path));
        LOGD(ctx, WARN, evg->domid, "frontend node %s says \"%s\" but the"
             " toolstack says %s; using the toolstack's", path, ex, bp);
    }
    evg->have_backend = true;
}

/* Move the backend directory's watch to dir (NULL: none). 0, or the
 * registration's error: then nothing is watched and the description is
 * read again, pointer first, before every eject. */
static int desc_watch(libxl_evgen_disk_eject *evg, const char *dir)
{
    int rc = be_dir_watch_set(evg, dir);
    evg->dir_unwatched = rc != 0;
    if (!rc) return 0;
    LOGD(evg->ctx, ERROR, evg->domid, "cannot watch backend %s of vdev %s"
         " (error %d); reading it again at every eject", dir, evg->vdev, rc);
    return rc;
}

/*
 * Read the description synchronously (at enable: libxl reads it there
 * too), through libxenstore and one batch. Also moves the backend
 * directory's watch to the directory named. Returns 0, or the error of
 * that watch's registration: the description is read all the same, but
 * stays stale, so it is read again before every eject.
 */
static int backend_refresh(libxl_evgen_disk_eject *evg)
{
    libxl_ctx *ctx = evg->ctx;
    desc_val ptr = { 0 }, guest = { 0 };
    libxl__xs_req q[N_NODES];
    char paths[N_NODES][256];
    libxl__backend_path be;
    int rc = 0;

    /* Changes from now on are reported by watch events still to come. */
    evg->stale = 0;
    desc_clear(evg);
    desc_vals_free(evg->nodes, N_DESC);
    ptr.v = xs_read(ctx->xsh, XBT_NULL, evg->be_ptr_path, &ptr.len);
    if (desc_pointer(evg, &ptr, &be)) {
        /* No backend directory to watch: the pointer's watch suffices. */
        rc = be_dir_watch_set(evg, NULL);
        goto out;
    }
    /* Watched whatever it holds: a repair must be noticed too. */
    rc = desc_watch(evg, ptr.v);

    for (int i = 0; i < N_NODES; i++) {
        desc_node_path(evg, ptr.v, i, paths[i], sizeof(paths[i]));
        q[i] = (libxl__xs_req){ .type = LIBXL__XS_READ, .path = paths[i] };
    }
    libxl__xs_batch(ctx, q, N_NODES);
    for (int i = 0; i < N_NODES; i++) {
        /* A failed read counts as an absent node. */
        desc_val *v = i < N_DESC ? &evg->nodes[i] : &guest;
        v->v = q[i].err ? NULL : q[i].data;
        v->len = q[i].err ? 0 : q[i].len;
        if (q[i].err) free(q[i].data);
    }
    desc_apply(evg, ptr.v, &be, &guest);

out:
    free(ptr.v);
    free(guest.v);
    return rc;
}

/*
 * The same without waiting, on the watch connection, when the description
 * is stale as an eject comes. Only what may have changed is read: the
 * backend directory's watch events name the node that changed (or the
 * directory itself: then all of its nodes), and nodes the description
 * does not use are ignored. If the pointer may have changed it is read
 * together with the stale nodes of the directory watched so far (the
 * pointer rarely moves); if it then names another directory, that one is
 * watched and then read in full. The answers come to refresh_reply.
 */
enum {
    TAG_READ,            /* the eject node */
    TAG_ACK,             /* our acknowledgement */
    TAG_PTR,             /* the toolstack's pointer */
    TAG_NODE,            /* TAG_NODE + i: node i of the description */
};

static void eject_reply(libxl__egc *egc, libxl__ev_xswatch *w, unsigned tag,
                        int err, const char *data, unsigned len);

/* Ask for what want says (STALE_* bits; with the pointer, the guest's
 * claim too) of the directory dir (NULL: none). 0, or a libxl error code
 * (then the refresh fails: the answers to what was sent are taken, but
 * the disk counts as unknown and everything as stale). */
static int refresh_send(libxl__egc *egc, libxl_evgen_disk_eject *evg,
                        unsigned want, const char *dir)
{
    libxl__ev_xswatch *w = &evg->eject_watch;
    char path[256];
    int rc = 0;

    free(evg->rf_dir);
    evg->rf_dir = dir ? strdup(dir) : NULL;
    if (dir && !evg->rf_dir) rc = ERROR_NOMEM;
    if (!rc && (want & STALE_PTR)) {
        rc = libxl__ev_xswatch_read(egc->ctx, w, evg->be_ptr_path, TAG_PTR,
                                    eject_reply);
        if (!rc) evg->rf_due++;
    }
    for (int i = 0; !rc && i < N_NODES; i++) {
        bool wanted = i == N_GUEST_BP ? (want & STALE_PTR) != 0
                                      : dir && (want & (1u << i));
        if (!wanted) continue;
        desc_node_path(evg, dir, i, path, sizeof(path));
        rc = libxl__ev_xswatch_read(egc->ctx, w, path, TAG_NODE + i,
                                    eject_reply);
        if (!rc) evg->rf_due++;
    }
    if (rc) {
        LOGD(egc->ctx, ERROR, evg->domid, "cannot read the description of"
             " vdev %s (error %d)", evg->vdev, rc);
        evg->rf_failed = true;
    }
    return rc;
}

static void refresh_done(libxl__egc *egc, libxl_evgen_disk_eject *evg);

static void refresh_start(libxl__egc *egc, libxl_evgen_disk_eject *evg)
{
    if (evg->rf_due) return;                  /* one at a time */
    unsigned want = evg->stale;
    /* Unwatched, or nothing known: from the pointer on. */
    if (evg->dir_unwatched) want = STALE_ALL;
    if (!evg->be_dir) want |= STALE_PTR;
    /* Changes from now on are reported by watch events still to come. */
    evg->stale = 0;
    evg->rf_failed = false;
    evg->rf_ptr_read = want & STALE_PTR;
    refresh_send(egc, evg, want, evg->be_dir);
    if (!evg->rf_due) refresh_done(egc, evg);   /* nothing could be sent */
}

static void report_due(libxl__egc *egc, libxl_evgen_disk_eject *evg);

/* The last answer of a refresh's requests is in (or none could be
 * asked for). */
static void refresh_done(libxl__egc *egc, libxl_evgen_disk_eject *evg)
{
    libxl__backend_path be;
    const char *bp = evg->rf_ptr_read ? evg->rf_ptr.v : evg->be_dir;

    if (evg->rf_failed) {
        /* As when the records cannot be read: no disk, for now. */
        desc_clear(evg);
        evg->stale = STALE_ALL;
        goto out;
    }
    if (evg->rf_ptr_read) {
        if (desc_pointer(evg, &evg->rf_ptr, &be)) {
            desc_clear(evg);
            desc_vals_free(evg->nodes, N_DESC);
            desc_watch(evg, NULL);
            goto out;
        }
        if (!evg->rf_dir || strcmp(evg->rf_dir, bp)) {
            /* Moved: watch the new directory first, then read it (in
             * that order on the connection, so no change in between is
             * missed). */
            desc_watch(evg, bp);
            refresh_send(egc, evg, STALE_ALL, bp);
            if (evg->rf_due) return;
            desc_clear(evg);
            evg->stale = STALE_ALL;
            goto out;
        }
    } else if (!bp || !libxl__backend_path_parse(bp, &be)) {
        /* Cannot be: be_dir is a pointer's value that was parsed. */
        desc_clear(evg);
        evg->stale = STALE_ALL;
        goto out;
    }
    desc_apply(evg, bp, &be, evg->rf_ptr_read ? &evg->rf_guest : NULL);

out:
    desc_vals_free(&evg->rf_ptr, 1);
    desc_vals_free(&evg->rf_guest, 1);
    free(evg->rf_dir);
    evg->rf_dir = NULL;
    report_due(egc, evg);
}

static void refresh_reply(libxl__egc *egc, libxl_evgen_disk_eject *evg,
                          unsigned tag, int err, const char *data,
                          unsigned len)
{
    unsigned i = tag - TAG_NODE;
    desc_val *v = tag == TAG_PTR ? &evg->rf_ptr
                : i == N_GUEST_BP ? &evg->rf_guest : &evg->nodes[i];

    /* A failed read counts as an absent node, as in backend_refresh. */
    if (!desc_val_set(v, err ? NULL : data, len)) evg->rf_failed = true;
    if (--evg->rf_due == 0) refresh_done(egc, evg);
}

/* ------------------------------------------------------------ events */

static libxl_event *eject_event(libxl_evgen_disk_eject *evg)
{
    libxl_event *ev = malloc(sizeof(*ev));
    if (!ev) return NULL;
    libxl_event_init(ev);
    libxl_event_init_type(ev, LIBXL_EVENT_TYPE_DISK_EJECT);
    ev->domid = evg->domid;
    ev->for_user = evg->user;

    libxl_device_disk *disk = &ev->u.disk_eject.disk;
    ev->u.disk_eject.vdev = strdup(evg->vdev);
    disk->vdev = strdup(evg->configured_vdev ? evg->configured_vdev : evg->vdev);
    disk->pdev_path = strdup("");
    disk->backend_domid = evg->be_domid;
    disk->backend = evg->be_kind;
    disk->format = LIBXL_DISK_FORMAT_EMPTY;
    disk->removable = 1;
    disk->readwrite = 0;
    disk->is_cdrom = 1;
    if (!ev->u.disk_eject.vdev || !disk->vdev || !disk->pdev_path) {
        libxl_event_dispose(ev);
        free(ev);
        return NULL;
    }
    return ev;
}

/* Report the ejects acknowledged so far, once the description is fresh:
 * if it is stale, it is read first (and this is called again then). */
static void report_due(libxl__egc *egc, libxl_evgen_disk_eject *evg)
{
    libxl_ctx *ctx = egc->ctx;

    if (!evg->reports_due || evg->rf_due) return;
    /* Stale by events: read again. Stale as the reading failed: the
     * disk counts as unknown this time, and is read at the next eject. */
    if (evg->stale && !evg->rf_failed) {
        refresh_start(egc, evg);    /* calls this again when done */
        return;
    }
    for (; evg->reports_due; evg->reports_due--) {
        if (!evg->have_backend) {
            LOGD(ctx, WARN, evg->domid, "eject request for vdev %s ignored:"
                 " the toolstack has no valid record of that disk"
                 " (removed?)", evg->vdev);
            continue;
        }
        libxl_event *ev = eject_event(evg);
        if (!ev) {
            libxl__event_disaster(egc, "out of memory for a disk eject event",
                                  ENOMEM, LIBXL_EVENT_TYPE_DISK_EJECT);
            continue;
        }
        libxl__event_occurred(egc, ev);
    }
}

static void start_read(libxl__egc *egc, libxl_evgen_disk_eject *evg)
{
    int rc = libxl__ev_xswatch_read(egc->ctx, &evg->eject_watch,
                                    evg->eject_path, TAG_READ, eject_reply);
    if (rc) {
        LOGD(egc->ctx, ERROR, evg->domid, "cannot read %s (error %d)",
             evg->eject_path, rc);
        return;
    }
    evg->reading = true;
    /* Most likely an eject: what its event needs goes in the same write. */
    if (evg->stale || evg->dir_unwatched) refresh_start(egc, evg);
}

/* After a request completed: a read that events during it still need. */
static void read_again_if_needed(libxl__egc *egc, libxl_evgen_disk_eject *evg)
{
    if (evg->reading || evg->acking || !evg->dirty) return;
    evg->dirty = false;
    start_read(egc, evg);
}

static void read_done(libxl__egc *egc, libxl_evgen_disk_eject *evg,
                      int err, const char *v, unsigned len)
{
    libxl_ctx *ctx = egc->ctx;
    char ex[80];

    if (err) {
        if (err == ENOENT)
            COMPLAIN(evg, "eject node %s of vdev %s is gone; ignored",
                     evg->eject_path, evg->vdev);
        else
            LOGD(ctx, ERROR, evg->domid, "cannot read %s: %s",
                 evg->eject_path, strerror(err));
        return;
    }
    if (len == 0) return;                       /* idle, or our own ack */
    if (len != 5 || memcmp(v, "eject", 5)) {
        excerpt(v, len < 32 ? len : 32, ex, sizeof(ex));
        COMPLAIN(evg, "ignoring value \"%s\" at %s (%u bytes): not an eject",
                 ex, evg->eject_path, len);
        return;
    }
    /* Acknowledge, as libxl does, whatever we then report. */
    int rc = libxl__ev_xswatch_write(ctx, &evg->eject_watch, evg->eject_path,
                                     "", 0, TAG_ACK, eject_reply);
    if (rc) {
        libxl__event_disaster(egc, "cannot acknowledge a disk eject",
                              rc == ERROR_NOMEM ? ENOMEM : EIO,
                              LIBXL_EVENT_TYPE_DISK_EJECT);
        return;
    }
    evg->acking = true;
}

static void ack_done(libxl__egc *egc, libxl_evgen_disk_eject *evg, int err)
{
    if (err) {
        libxl__event_disaster(egc, "cannot acknowledge a disk eject", err,
                              LIBXL_EVENT_TYPE_DISK_EJECT);
        return;
    }
    evg->reports_due++;
    report_due(egc, evg);
}

static void eject_reply(libxl__egc *egc, libxl__ev_xswatch *w, unsigned tag,
                        int err, const char *data, unsigned len)
{
    libxl_evgen_disk_eject *evg =
        CONTAINER_OF(w, libxl_evgen_disk_eject, eject_watch);

    switch (tag) {
    case TAG_READ:
        evg->reading = false;
        read_done(egc, evg, err, data, len);
        break;
    case TAG_ACK:
        evg->acking = false;
        ack_done(egc, evg, err);
        break;
    default:
        refresh_reply(egc, evg, tag, err, data, len);
        return;
    }
    /* The callbacks above only queue events: evg is still there. */
    read_again_if_needed(egc, evg);
}

static void eject_cb(libxl__egc *egc, libxl__ev_xswatch *w,
                     const char *watch_path, const char *event_path)
{
    libxl_evgen_disk_eject *evg =
        CONTAINER_OF(w, libxl_evgen_disk_eject, eject_watch);

    if (strcmp(watch_path, event_path)) {
        COMPLAIN(evg, "ignoring a write to %s below the eject node of vdev"
                 " %s", event_path, evg->vdev);
        return;
    }
    if (evg->reading || evg->acking) {
        /* Covered by the outstanding request, if the order holds (see
         * the top of this file); else read once more after it. */
        if (!libxl__xswatch_ordered(egc->ctx)) evg->dirty = true;
        return;
    }
    start_read(egc, evg);
}

static void be_ptr_cb(libxl__egc *egc, libxl__ev_xswatch *w,
                      const char *watch_path, const char *event_path)
{
    libxl_evgen_disk_eject *evg =
        CONTAINER_OF(w, libxl_evgen_disk_eject, be_ptr_watch);
    (void)egc; (void)watch_path; (void)event_path;
    evg->stale |= STALE_PTR;
}

/* The event names the node that changed, or something below it, or the
 * directory itself (its first event; its removal, or an ancestor's):
 * then every node may have changed. Nodes the description does not use
 * (state, params...) do not make it stale. */
static void be_dir_cb(libxl__egc *egc, libxl__ev_xswatch *w,
                      const char *watch_path, const char *event_path)
{
    libxl_evgen_disk_eject *evg =
        CONTAINER_OF(w, libxl_evgen_disk_eject, be_dir_watch);
    const char *rel = event_path + strlen(watch_path);
    (void)egc;

    if (*rel != '/') {
        evg->stale |= STALE_NODES;
        return;
    }
    rel++;
    size_t len = strcspn(rel, "/");
    for (int i = 0; i < N_DESC; i++)
        if (strlen(desc_nodes[i].name) == len &&
            !memcmp(rel, desc_nodes[i].name, len))
            evg->stale |= 1u << i;
}

/* ------------------------------------------------------------ evgens */

static void evgen_free(libxl_ctx *ctx, libxl_evgen_disk_eject *evg)
{
    libxl__ev_xswatch_deregister(ctx, &evg->eject_watch);
    libxl__ev_xswatch_deregister(ctx, &evg->be_ptr_watch);
    libxl__ev_xswatch_deregister(ctx, &evg->be_dir_watch);
    free(evg->be_dir);
    free(evg->vdev);
    free(evg->eject_path);
    free(evg->fe_path);
    free(evg->be_ptr_path);
    free(evg->configured_vdev);
    free(evg->rf_dir);
    desc_vals_free(&evg->rf_ptr, 1);
    desc_vals_free(&evg->rf_guest, 1);
    desc_vals_free(evg->nodes, N_DESC);
    free(evg);
}

/* The frontend domain: the stub domain running the guest's device model,
 * if the guest has one, else the guest (as libxl_get_stubdom_id). */
static uint32_t frontend_domid(libxl_ctx *ctx, uint32_t domid)
{
    char path[64], *v, *end;
    unsigned long id;

    snprintf(path, sizeof(path), "/local/domain/%u/image/device-model-domid",
             domid);
    v = read_str(ctx, path, 16);
    if (!v) return domid;
    errno = 0;
    id = strtoul(v, &end, 10);
    if (errno || *end || end == v || id == 0 || id >= 0x7FF0) id = domid;
    free(v);
    return id;
}

int libxl_evenable_disk_eject(libxl_ctx *ctx, uint32_t domid,
                              const char *vdev, libxl_ev_user user,
                              libxl_evgen_disk_eject **evgen_out)
{
    libxl_evgen_disk_eject *evg = NULL;
    int rc;

    CTX_LOCK(ctx);

    if (!ctx->xsh || libxl__xswatch_conn_lost(ctx)) {
        LOGD(ctx, ERROR, domid, "cannot watch for ejects: no xenstore"
             " connection");
        rc = ERROR_FAIL;
        goto out;
    }
    if (!vdev) { rc = ERROR_INVAL; goto out; }
    int devid = vdev_to_devid(vdev);
    if (devid < 0) {
        LOGD(ctx, ERROR, domid, "invalid virtual disk name %s", vdev);
        rc = ERROR_INVAL;
        goto out;
    }

    evg = calloc(1, sizeof(*evg));
    if (!evg) { rc = ERROR_NOMEM; goto out; }
    evg->ctx = ctx;
    evg->domid = domid;
    evg->devid = devid;
    evg->user = user;
    libxl__ev_xswatch_init(&evg->eject_watch);
    libxl__ev_xswatch_init(&evg->be_ptr_watch);
    libxl__ev_xswatch_init(&evg->be_dir_watch);
    evg->fe_domid = frontend_domid(ctx, domid);
    evg->vdev = strdup(vdev);
    if (!evg->vdev ||
        asprintf(&evg->fe_path, "/local/domain/%u/device/vbd/%d",
                 evg->fe_domid, devid) < 0 ||
        asprintf(&evg->eject_path, "%s/eject", evg->fe_path) < 0 ||
        asprintf(&evg->be_ptr_path, "/libxl/%u/device/vbd/%d/backend",
                 evg->fe_domid, devid) < 0) {
        rc = ERROR_NOMEM;
        goto out;
    }
    rc = backend_refresh(evg);
    if (rc) goto out;

    rc = libxl__ev_xswatch_register(ctx, &evg->be_ptr_watch, be_ptr_cb,
                                    evg->be_ptr_path);
    if (rc) goto out;
    rc = libxl__ev_xswatch_register(ctx, &evg->eject_watch, eject_cb,
                                    evg->eject_path);
    if (rc) goto out;

    XEN_LIST_INSERT_HEAD(&CTX_EJECT(ctx)->evgens, evg, link);
    *evgen_out = evg;
    evg = NULL;
    rc = 0;

out:
    if (evg) evgen_free(ctx, evg);
    CTX_UNLOCK(ctx);
    return rc;
}

void libxl_evdisable_disk_eject(libxl_ctx *ctx, libxl_evgen_disk_eject *evg)
{
    if (!evg) return;
    CTX_LOCK(ctx);
    XEN_LIST_REMOVE(evg, link);
    evgen_free(ctx, evg);
    CTX_UNLOCK(ctx);
}

/* ------------------------------------------------------- ctx lifetime */

static void eject_state_init(libxl_ctx *ctx)
{
    XEN_LIST_INIT(&CTX_EJECT(ctx)->evgens);
}

static void eject_state_dispose(libxl_ctx *ctx)
{
    libxl_evgen_disk_eject *evg;

    while ((evg = XEN_LIST_FIRST(&CTX_EJECT(ctx)->evgens)))
        libxl_evdisable_disk_eject(ctx, evg);
}

const libxl__module libxl__module_eject = {
    .name = "eject", .init = eject_state_init, .dispose = eject_state_dispose,
};
