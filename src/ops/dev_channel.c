/*
 * ops/dev_channel.c: channels, the named secondary consoles domain
 * creation adds (console devices 1, 2 ... whose record has a "name"):
 * libxl_device_channel_list and libxl_device_channel_getinfo, read from the
 * toolstack's console records and the guest's frontends as libxl 4.17
 * reads them. Reads only: libxl has no channel hotplug.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ops/device.h"
#include "ops/device_devid.h"
#include "xs/paths.h"

/* A value of the toolstack's own records (/libxl): bounded by what
 * xenstore can hold at all. */
static const char *record_value(libxl__gc *gc, const char *rec,
                                const char *key)
{
    const char *path = GCSPRINTF("%s/%s", rec, key);
    return path ? libxl__xs_read_checked(gc, XBT_NULL, path,
                                         XENSTORE_PAYLOAD_MAX)
                : NULL;
}

/* A malloc'ed copy of s (NULL stays NULL); false when out of memory. */
static bool dup_into(char **dst, const char *s)
{
    *dst = s ? strdup(s) : NULL;
    return !s || *dst;
}

/* The channel of console record rec (which has name): its name and
 * connection. ERROR_INVAL for a connection libxl does not know (libxl
 * itself dereferences a missing one). */
static int channel_of_record(libxl__gc *gc, const char *rec,
                             const char *name, libxl_device_channel *channel)
{
    const char *conn = record_value(gc, rec, "connection");

    if (!dup_into(&channel->name, name)) return ERROR_NOMEM;
    if (conn && !strcmp(conn, "pty")) {
        channel->connection = LIBXL_CHANNEL_CONNECTION_PTY;
        return 0;
    }
    if (conn && !strcmp(conn, "socket")) {
        channel->connection = LIBXL_CHANNEL_CONNECTION_SOCKET;
        if (!dup_into(&channel->u.socket.path,
                      record_value(gc, rec, "path")))
            return ERROR_NOMEM;
        return 0;
    }
    if (!conn)
        LOG(gc->ctx, ERROR, "channel %s has no connection (%s/connection)",
            name, rec);
    return ERROR_INVAL;
}

libxl_device_channel *libxl_device_channel_list(libxl_ctx *ctx,
                                                uint32_t domid, int *num)
{
    GC_INIT(ctx);
    const char *dir = libxl__dev_records_dir(gc, domid,
                                             LIBXL__DEVKIND_CONSOLE);
    libxl_device_channel *list = NULL;
    unsigned n = 0;
    char **names;
    int count = 0, rc = 0;

    *num = 0;
    names = dir ? libxl__gc_adopt(gc, xs_directory(ctx->xsh, XBT_NULL, dir,
                                                   &n))
                : NULL;
    if (!names || !n) return NULL;
    list = calloc(n, sizeof(*list));
    if (!list) {
        rc = ERROR_NOMEM;
        goto out;
    }
    for (unsigned i = 0; i < n; i++) {
        const char *rec = GCSPRINTF("%s/%s", dir, names[i]);
        const char *name = rec ? record_value(gc, rec, "name") : NULL;

        /* a console without a name is not a channel */
        if (!name) continue;
        libxl_device_channel_init(&list[count]);
        count++;
        rc = channel_of_record(gc, rec, name, &list[count - 1]);
        if (rc) goto out;
        /* channels are numbered in the order listed, as libxl */
        list[count - 1].devid = count - 1;
    }
out:
    if (rc) {
        LOGD(ctx, ERROR, domid, "Unable to list channels");
        for (int i = 0; i < count; i++)
            libxl_device_channel_dispose(&list[i]);
        count = 0;
    }
    if (!count) {
        free(list);
        return NULL;
    }
    *num = count;
    return list;
}

int libxl_device_channel_getinfo(libxl_ctx *ctx, uint32_t domid,
                                 const libxl_device_channel *channel,
                                 libxl_channelinfo *channelinfo)
{
    GC_INIT(ctx);
    /* channel N is console N+1; these paths are libxl's for any devid
     * (console 0 included: no special case here) */
    long devid = (long)channel->devid + 1;
    const char *fe = GCSPRINTF("/local/domain/%u/device/console/%ld", domid,
                               devid);
    const char *rec = GCSPRINTF("/libxl/%u/device/console/%ld", domid,
                                devid);
    const char *tty;

    if (!fe || !rec) return ERROR_NOMEM;
    channelinfo->devid = channel->devid;
    channelinfo->backend = xs_read(ctx->xsh, XBT_NULL,
                                   GCSPRINTF("%s/backend", rec), NULL);
    if (!channelinfo->backend) return ERROR_FAIL;
    if (libxl__device_backend_domid(gc, channelinfo->backend,
                                    &channelinfo->backend_id))
        return ERROR_FAIL;
    channelinfo->state = libxl__device_fe_number(gc, fe, "state");
    channelinfo->frontend = strdup(fe);
    if (!channelinfo->frontend) return ERROR_NOMEM;
    channelinfo->frontend_id = domid;
    channelinfo->rref = libxl__device_fe_number(gc, fe, "ring-ref");
    channelinfo->evtch = libxl__device_fe_number(gc, fe, "port");
    channelinfo->connection = channel->connection;
    if (channel->connection == LIBXL_CHANNEL_CONNECTION_PTY) {
        /* read-only to the guest, but the guest may remove it */
        tty = libxl__xs_read_checked(gc, XBT_NULL, GCSPRINTF("%s/tty", fe),
                                     XENSTORE_PAYLOAD_MAX);
        channelinfo->u.pty.path = strdup(tty ? tty : "/NO-SUCH-PATH");
        if (!channelinfo->u.pty.path) return ERROR_NOMEM;
    }
    return 0;
}
