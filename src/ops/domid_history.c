/*
 * ops/domid_history.c: the record of recently destroyed domids under
 * /var/run/xen (see ops/domid_history.h) and libxl_clear_domid_history.
 * It touches only domid-history, .new and .lock in that directory, and
 * keeps no state.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/gc.h"
#include "base/log.h"
#include "ops/domid_history.h"

#include "libxl.h"

#define RUN_DIR "/var/run/xen"

/* What the reader gives at the end of the file (libxl's INVALID_DOMID). */
#define NO_DOMID ((unsigned int)INVALID_DOMID)

/* Seconds a destroyed domid stays recent unless the environment says. */
#define REUSE_TIMEOUT_DEFAULT 60

static const char *history_path(libxl__gc *gc, const char *suffix)
{
    return GCSPRINTF(RUN_DIR "/domid-history%s", suffix);
}

int libxl_clear_domid_history(libxl_ctx *ctx)
{
    GC_INIT(ctx);
    const char *path = history_path(gc, "");

    if (unlink(path) && errno != ENOENT) {
        /* libxl's line, with its trailing newline */
        LOGE(ctx, ERROR, "failed to remove '%s'\n", path);
        return ERROR_FAIL;
    }
    return 0;
}

/* ------------------------------------------------------------- reading */

typedef struct {
    const char *path;
    FILE *f;                    /* NULL: there is no file */
    unsigned long now;          /* CLOCK_MONOTONIC, seconds */
    unsigned long timeout;
} history;

/* The timeout as libxl reads it: strtol's value as an unsigned int. */
static unsigned long reuse_timeout(void)
{
    const char *env = getenv("LIBXL_DOMID_REUSE_TIMEOUT");

    return env ? (unsigned int)strtol(env, NULL, 0) : REUSE_TIMEOUT_DEFAULT;
}

static int history_open(libxl__gc *gc, history *h)
{
    struct timespec ts;

    h->timeout = reuse_timeout();
    h->path = history_path(gc, "");
    h->f = fopen(h->path, "re");
    if (!h->f && errno != ENOENT) {
        LOGE(CTX, ERROR, "failed to open '%s'", h->path);
        return ERROR_FAIL;
    }
    if (clock_gettime(CLOCK_MONOTONIC, &ts)) {
        LOGE(CTX, ERROR, "failed to get time");
        if (h->f) fclose(h->f);
        h->f = NULL;
        return ERROR_FAIL;
    }
    h->now = (unsigned long)ts.tv_sec;
    return 0;
}

static int history_close(libxl__gc *gc, history *h)
{
    int r;

    if (!h->f) return 0;
    r = fclose(h->f);
    h->f = NULL;
    if (r == EOF) {
        LOGE(CTX, ERROR, "failed to close '%s'", h->path);
        return ERROR_FAIL;
    }
    return 0;
}

/*
 * The next live entry: 0 with *domid = NO_DOMID at the end, or
 * ERROR_FAIL (logged). An entry is live when it names a guest's domid and
 * is at most timeout seconds old (one stamped in the future, by the
 * unsigned difference, is not). Text that is no number is skipped to the
 * end of its line (libxl's reader would never get past it).
 */
static int history_next(libxl__gc *gc, history *h, unsigned long *sec,
                        unsigned int *domid)
{
    *domid = NO_DOMID;
    if (!h->f) return 0;
    for (;;) {
        int r = fscanf(h->f, "%lu %u", sec, domid);

        if (r == EOF) {
            if (ferror(h->f)) {
                LOGE(CTX, ERROR, "failed to read from '%s'", h->path);
                return ERROR_FAIL;
            }
            *domid = NO_DOMID;
            return 0;
        }
        if (r == 2 && libxl_domid_valid_guest(*domid) &&
            h->now - *sec <= h->timeout)
            return 0;
        if (r == 0 && fscanf(h->f, "%*[^\n]") == EOF && ferror(h->f)) {
            LOGE(CTX, ERROR, "failed to read from '%s'", h->path);
            return ERROR_FAIL;
        }
        if (r == 0 && fgetc(h->f) == EOF && ferror(h->f)) {
            LOGE(CTX, ERROR, "failed to read from '%s'", h->path);
            return ERROR_FAIL;
        }
    }
}

int libxl__is_domid_recent(libxl__gc *gc, uint32_t domid, bool *recent)
{
    history h = { 0 };
    unsigned long sec;
    unsigned int val;
    int rc;

    rc = history_open(gc, &h);
    if (rc) return rc;
    *recent = false;
    for (;;) {
        rc = history_next(gc, &h, &sec, &val);
        if (rc || val == NO_DOMID) break;
        if (val == domid) {
            *recent = true;
            break;
        }
    }
    if (rc) {
        if (h.f) fclose(h.f);
        return rc;
    }
    return history_close(gc, &h);
}

/* ------------------------------------------------------------- writing */

/*
 * Holds the lock file path (flock, then a check that the name still leads
 * to the file locked: a holder removes it before unlocking). The fd, or
 * -1 (logged).
 */
static int lock_take(libxl__gc *gc, const char *path)
{
    struct stat by_fd, by_name;

    for (;;) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

        if (fd < 0) {
            LOGE(CTX, ERROR, "cannot open lockfile %s, errno=%d", path,
                 errno);
            return -1;
        }
        while (flock(fd, LOCK_EX)) {
            if (errno == EINTR) continue;
            LOGE(CTX, ERROR,
                 "unexpected error while trying to lock %s, fd=%d, errno=%d",
                 path, fd, errno);
            goto fail;
        }
        if (fstat(fd, &by_fd)) {
            LOGE(CTX, ERROR, "cannot fstat %s, fd=%d, errno=%d", path, fd,
                 errno);
            goto fail;
        }
        if (stat(path, &by_name) == 0) {
            if (by_name.st_dev == by_fd.st_dev &&
                by_name.st_ino == by_fd.st_ino)
                return fd;
        } else if (errno != ENOENT) {
            LOGE(CTX, ERROR, "cannot stat %s, errno=%d", path, errno);
            goto fail;
        }
        close(fd);
        continue;
    fail:
        unlink(path);
        close(fd);
        return -1;
    }
}

/* Releases it: the name goes first, so that a waiter sees a new file. */
static void lock_drop(const char *path, int fd)
{
    unlink(path);
    close(fd);
}

int libxl__mark_domid_recent(libxl__gc *gc, uint32_t domid)
{
    const char *lock_path = history_path(gc, ".lock");
    const char *new_path = history_path(gc, ".new");
    history h = { 0 };
    FILE *nf = NULL;
    int lock_fd, rc;

    lock_fd = lock_take(gc, lock_path);
    if (lock_fd < 0) {
        LOGED(CTX, ERROR, domid, "failed to acquire lock");
        return ERROR_FAIL;
    }
    rc = history_open(gc, &h);
    if (rc) goto out;

    /* (appending, as libxl: what a crashed writer left there stays) */
    nf = fopen(new_path, "ae");
    if (!nf) {
        LOGED(CTX, ERROR, domid, "failed to open '%s'", new_path);
        goto out;                          /* rc 0, as libxl */
    }
    for (;;) {
        unsigned long sec;
        unsigned int val;

        rc = history_next(gc, &h, &sec, &val);
        if (rc) goto out;
        if (val == NO_DOMID) break;
        if (fprintf(nf, "%lu %u\n", sec, val) < 0) {
            LOGED(CTX, ERROR, domid, "failed to write to '%s'", new_path);
            goto out;                      /* rc 0, as libxl */
        }
    }
    if (fprintf(nf, "%lu %u\n", h.now, domid) < 0) {
        LOGED(CTX, ERROR, domid, "failed to write to '%s'", new_path);
        goto out;
    }
    rc = fclose(nf);
    nf = NULL;
    if (rc == EOF) {
        LOGED(CTX, ERROR, domid, "failed to close '%s'", new_path);
        rc = 0;                            /* as libxl */
        goto out;
    }
    rc = history_close(gc, &h);
    if (rc) goto out;
    if (rename(new_path, h.path)) {
        LOGE(CTX, ERROR, "failed to rename '%s' -> '%s'", new_path, h.path);
        rc = ERROR_FAIL;
    }

out:
    if (nf) fclose(nf);
    if (h.f) fclose(h.f);
    lock_drop(lock_path, lock_fd);
    return rc;
}
