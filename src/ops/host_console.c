/*
 * ops/host_console.c: the hypervisor's own console and runtime settings
 * (issue 16): reading its console ring (xl dmesg), sending it debug keys,
 * and setting its runtime parameters through the hypervisor file system.
 * It keeps no state beyond the readers it hands out, and touches no other
 * family's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xenhypfs.h>

#include "base/gc.h"
#include "base/log.h"

#include "libxl.h"

/* ------------------------------------------------------------ console ring */

/*
 * A reader of the console ring. Each read asks for at most as many
 * characters as the previous one returned (the first for a whole buffer),
 * from where the previous one ended: once a read returns nothing, every
 * later read of this reader returns nothing too, as with libxl.
 */
struct libxl__xen_console_reader {
    char *buffer;            /* size + 1 bytes: always NUL-terminated */
    unsigned int size;
    unsigned int count;      /* characters to ask for; then, obtained */
    unsigned int clear;      /* empty the ring as it is read */
    unsigned int incremental;
    uint32_t index;          /* where the next read starts in the ring */
};

#define CONSOLE_READ_SIZE 16384u

libxl_xen_console_reader *libxl_xen_console_read_start(libxl_ctx *ctx,
                                                       int clear)
{
    libxl_xen_console_reader *cr = calloc(1, sizeof(*cr));

    if (cr)
        cr->buffer = calloc(1, CONSOLE_READ_SIZE + 1);
    if (!cr || !cr->buffer) {
        LOG(ctx, ERROR, "cannot allocate a console reader");
        free(cr);
        return NULL;
    }
    cr->size = CONSOLE_READ_SIZE;
    cr->count = CONSOLE_READ_SIZE;
    cr->clear = !!clear;
    cr->incremental = 1;
    return cr;
}

/*
 * 1 and *line_r = the next piece of the ring (valid until the next call on
 * cr; the caller may write into it), 0 and *line_r = NULL when there is
 * nothing more, or ERROR_FAIL (logged).
 */
int libxl_xen_console_read_line(libxl_ctx *ctx, libxl_xen_console_reader *cr,
                                char **line_r)
{
    if (!cr) {
        LOG(ctx, ERROR, "no console reader");
        return ERROR_INVAL;
    }
    memset(cr->buffer, 0, cr->size + 1);
    if (xc_readconsolering(ctx->xch, cr->buffer, &cr->count, (int)cr->clear,
                           (int)cr->incremental, &cr->index) < 0) {
        LOGE(ctx, ERROR, "reading console ring buffer");
        return ERROR_FAIL;
    }
    if (!cr->count) {
        *line_r = NULL;
        return 0;
    }
    *line_r = cr->buffer;
    return 1;
}

void libxl_xen_console_read_finish(libxl_ctx *ctx,
                                   libxl_xen_console_reader *cr)
{
    (void)ctx;
    if (!cr)
        return;
    free(cr->buffer);
    free(cr);
}

/* ------------------------------------------------------------ debug keys */

int libxl_send_debug_keys(libxl_ctx *ctx, char *keys)
{
    if (!keys) {
        LOG(ctx, ERROR, "no debug keys to send");
        return ERROR_INVAL;
    }
    if (xc_send_debug_keys(ctx->xch, keys) < 0) {
        LOGE(ctx, ERROR, "sending debug keys");
        return ERROR_FAIL;
    }
    return 0;
}

/* ------------------------------------------------------------ parameters */

/*
 * The next "name=value" or "noname" of a space-separated list starting at
 * par (not blank): *path = "/params/name", *val = the value ("no" for the
 * second form), both from gc; returns where the item ends. NULL (logged)
 * for an item that is neither.
 */
static const char *next_parameter(libxl_ctx *ctx, libxl__gc *gc,
                                  const char *par, char **path, char **val)
{
    const char *end = strchr(par, ' ');
    const char *eq;

    if (!end)
        end = par + strlen(par);
    eq = memchr(par, '=', (size_t)(end - par));
    if (eq) {
        *path = libxl__gc_sprintf(gc, "/params/%.*s", (int)(eq - par), par);
        *val = libxl__gc_sprintf(gc, "%.*s", (int)(end - eq - 1), eq + 1);
    } else if (!strncmp(par, "no", 2)) {
        *path = libxl__gc_sprintf(gc, "/params/%.*s", (int)(end - par - 2),
                                  par + 2);
        *val = libxl__gc_strdup(gc, "no");
    } else {
        /* libxl 4.17 dereferences a NULL value here */
        LOG(ctx, ERROR, "parameter \"%.*s\" has no value", (int)(end - par),
            par);
        return NULL;
    }
    if (!*path || !*val)
        return NULL;
    return end;
}

/*
 * params: "name=value" or "noname" items separated by spaces, each written
 * to /params/name of the hypervisor file system in turn; the first that
 * fails stops the rest.
 */
int libxl_set_parameters(libxl_ctx *ctx, char *params)
{
    GC_INIT(ctx);
    xenhypfs_handle *hypfs;
    const char *par;
    int rc = 0;

    hypfs = xenhypfs_open(ctx->lg, 0);
    if (!hypfs) {
        LOGE(ctx, ERROR, "opening Xen hypfs");
        return ERROR_FAIL;
    }
    if (!params) {
        LOG(ctx, ERROR, "no parameters to set");
        rc = ERROR_INVAL;
        goto out;
    }
    for (par = params; isblank((unsigned char)*par); par++)
        ;
    while (*par) {
        char *path, *val;
        const char *end = next_parameter(ctx, gc, par, &path, &val);

        if (!end) {
            rc = ERROR_INVAL;
            goto out;
        }
        LOG(ctx, DEBUG, "setting node \"%s\" to value \"%s\"", path, val);
        if (xenhypfs_write(hypfs, path, val) < 0) {
            LOGE(ctx, ERROR, "setting parameters");
            rc = ERROR_FAIL;
            goto out;
        }
        for (par = end; isblank((unsigned char)*par); par++)
            ;
    }
out:
    xenhypfs_close(hypfs);
    return rc;
}
