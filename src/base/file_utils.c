/*
 * base/file_utils.c: libxl 4.17's public file helpers: reading a whole
 * plain file, rotating and naming a log file under Xen's log directory,
 * and a path's last component. A ctx is used only to log.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/gc.h"
#include "base/log.h"

#include "libxl_utils.h"

/* Where libxl_create_logfile puts logs (Debian's Xen uses this too). */
#define XEN_LOG_DIR "/var/log/xen"

char *libxl_basename(const char *name)
{
    const char *slash;

    if (!name || !*name)
        return strdup(".");
    slash = strrchr(name, '/');
    return strdup(slash ? slash + 1 : name);
}

/*
 * 0 with the contents in a malloc'ed buffer (NULL for an empty file), or
 * an errno value: ENOENT (not logged), ENOTTY for anything but a plain
 * file, EFBIG past INT_MAX bytes, EPROTO if the file shrank while read
 * (libxl returns whatever errno held then); *data_r and *datalen_r are
 * set only on success, and either may be NULL.
 */
int libxl_read_file_contents(libxl_ctx *ctx, const char *filename,
                             void **data_r, int *datalen_r)
{
    FILE *f;
    struct stat st;
    void *data = NULL;
    int len, e;

    f = fopen(filename, "r");
    if (!f) {
        e = errno;
        if (e != ENOENT)
            LOGE(ctx, ERROR, "failed to open %s", filename);
        return e;
    }
    if (fstat(fileno(f), &st)) {
        e = errno;
        LOGE(ctx, ERROR, "failed to fstat %s", filename);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        e = ENOTTY;
        /* libxl logs errno here, whatever it holds */
        LOGE(ctx, ERROR, "%s is not a plain file", filename);
        goto fail;
    }
    if (st.st_size > INT_MAX) {
        e = EFBIG;
        LOG(ctx, ERROR, "file %s is far too large", filename);
        goto fail;
    }
    len = (int)st.st_size;
    if (len && data_r) {
        data = malloc((size_t)len);
        if (!data) {
            e = ENOMEM;
            goto fail;
        }
        if (fread(data, 1, (size_t)len, f) != (size_t)len) {
            if (ferror(f)) {
                e = errno ? errno : EIO;
                LOGE(ctx, ERROR, "failed to read %s", filename);
            } else {
                e = EPROTO;
                LOG(ctx, ERROR, "%s changed size while we were reading it",
                    filename);
            }
            goto fail;
        }
    }
    if (fclose(f)) {
        e = errno;
        f = NULL;
        LOGE(ctx, ERROR, "failed to close %s", filename);
        goto fail;
    }
    if (data_r)
        *data_r = data;
    if (datalen_r)
        *datalen_r = len;
    return 0;

fail:
    if (f)
        fclose(f);
    free(data);
    return e;
}

/* Renames old to new; a missing old is fine. */
static int rotate_one(libxl_ctx *ctx, const char *old, const char *new)
{
    if (rename(old, new) && errno != ENOENT) {
        LOGE(ctx, ERROR, "failed to rotate logfile - could not rename %s to %s",
             old, new);
        return ERROR_FAIL;
    }
    return 0;
}

/*
 * *full_name = XEN_LOG_DIR/NAME.log (malloc'ed) for the caller to create.
 * If it exists, the old logs move down first: NAME.log.10 is removed,
 * NAME.log.N becomes NAME.log.N+1 and NAME.log becomes NAME.log.1. 0, or
 * ERROR_FAIL if a rename failed (nothing is returned then).
 */
int libxl_create_logfile(libxl_ctx *ctx, const char *name, char **full_name)
{
    GC_INIT(ctx);
    const char *log = GCSPRINTF(XEN_LOG_DIR "/%s.log", name);
    struct stat st;
    int rc;

    if (!log)
        return ERROR_NOMEM;
    if (stat(log, &st) == 0) {
        const char *oldest = GCSPRINTF("%s.10", log);

        if (!oldest)
            return ERROR_NOMEM;
        unlink(oldest);
        for (int i = 9; i >= 0; i--) {
            const char *from = i ? GCSPRINTF("%s.%d", log, i) : log;
            const char *to = GCSPRINTF("%s.%d", log, i + 1);

            if (!from || !to)
                return ERROR_NOMEM;
            rc = rotate_one(ctx, from, to);
            if (rc)
                return rc;
        }
    } else if (errno != ENOENT) {
        LOGE(ctx, WARN, "problem checking existence of logfile %s, "
             "which might have needed to be rotated", name);
    }
    *full_name = strdup(log);
    return *full_name ? 0 : ERROR_NOMEM;
}
