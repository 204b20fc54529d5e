/*
 * ops/userdata.c: a domain's userdata files (libxl_userdata_store,
 * _retrieve, _unlink) with libxl 4.17's names, locks and atomic writes, so
 * that lightcore and libxl read and write each other's files; and the
 * shared pieces of the stored-configuration family (ops/userdata.h). It
 * touches only LIBXL__USERDATA_DIR and the hypervisor's domain records.
 *
 * Unlike libxl, nothing here takes the ctx lock: no library state is
 * read or written, and a lock held by another process can be waited for
 * without stopping the ctx's other threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/gc.h"
#include "base/log.h"
#include "ops/userdata.h"
#include "libxl_utils.h"

int libxl__userdata_dom_find(libxl__gc *gc, uint32_t domid,
                             libxl__userdata_dom *dom)
{
    libxl_dominfo info;
    int rc;

    libxl_dominfo_init(&info);
    rc = libxl_domain_info(CTX, &info, domid);
    if (rc) {
        LOGE(CTX, ERROR, "unable to find domain info for domain %u", domid);
        goto out;
    }
    dom->domid = domid;
    snprintf(dom->uuid, sizeof(dom->uuid), LIBXL_UUID_FMT,
             LIBXL_UUID_BYTES(info.uuid));
out:
    libxl_dominfo_dispose(&info);
    return rc;
}

void libxl__userdata_destroyall(libxl__gc *gc, const libxl__userdata_dom *dom)
{
    const char *pattern = libxl__userdata_path(gc, dom, "*", "?");
    glob_t gl = { 0 };
    int r;

    if (!pattern) return;
    r = glob(pattern, GLOB_ERR | GLOB_NOSORT | GLOB_MARK, NULL, &gl);
    if (r == GLOB_NOMATCH) return;
    if (r) LOGE(CTX, ERROR, "glob failed for %s", pattern);
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        /* the userdata lock is its holder's to remove */
        if (strstr(gl.gl_pathv[i], LIBXL__LOCK_USERDATA)) continue;
        if (unlink(gl.gl_pathv[i]) < 0 && errno != ENOENT)
            LOGE(CTX, ERROR, "failed to remove userdata file %s",
                 gl.gl_pathv[i]);
    }
    globfree(&gl);
}

const char *libxl__userdata_path(libxl__gc *gc, const libxl__userdata_dom *dom,
                                 const char *userid, const char *wh)
{
    /* A NULL userid is named as glibc's printf names it, as in libxl. */
    return GCSPRINTF(LIBXL__USERDATA_DIR "/userdata-%s.%u.%s.%s", wh,
                     dom->domid, dom->uuid, userid ? userid : "(null)");
}

/* ------------------------------------------------------------- locks */

/* Holds the lock on lk->path: 0, or -1 (logged; nothing held). */
static int lock_file(libxl__gc *gc, libxl__userdata_flock *lk)
{
    struct stat by_fd, by_name;

    for (;;) {
        lk->fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (lk->fd < 0) {
            LOGE(CTX, ERROR, "cannot open lockfile %s, errno=%d", lk->path,
                 errno);
            return -1;
        }
        while (flock(lk->fd, LOCK_EX)) {
            if (errno == EINTR) continue;
            LOGE(CTX, ERROR,
                 "unexpected error while trying to lock %s, fd=%d, errno=%d",
                 lk->path, lk->fd, errno);
            goto fail;
        }
        if (fstat(lk->fd, &by_fd)) {
            LOGE(CTX, ERROR, "cannot fstat %s, fd=%d, errno=%d", lk->path,
                 lk->fd, errno);
            goto fail;
        }
        /* The holder before us removes the file before it unlocks: the
         * lock is ours only if the name still leads to what we locked. */
        if (stat(lk->path, &by_name) == 0) {
            if (by_name.st_dev == by_fd.st_dev &&
                by_name.st_ino == by_fd.st_ino)
                return 0;
        } else if (errno != ENOENT) {
            LOGE(CTX, ERROR, "cannot stat %s, errno=%d", lk->path, errno);
            goto fail;
        }
        close(lk->fd);
    }

fail:
    /* As libxl: a failed attempt removes the file too. */
    unlink(lk->path);
    close(lk->fd);
    lk->fd = -1;
    return -1;
}

int libxl__userdata_lock(libxl__gc *gc, const libxl__userdata_dom *dom,
                         const char *lockid, libxl__userdata_flock *lk,
                         libxl_dominfo *info_r)
{
    lk->fd = -1;
    lk->path = libxl__userdata_path(gc, dom, lockid, "l");
    if (!lk->path || lock_file(gc, lk))
        return ERROR_LOCK_FAIL;

    /* The domain may have gone (and its files with it) while we waited. */
    if (libxl_domain_info(CTX, info_r, dom->domid)) {
        if (!strcmp(lockid, LIBXL__LOCK_DEVICES))
            LOGD(CTX, ERROR, dom->domid, "Failed to grab lock for %s", lockid);
        libxl__userdata_unlock(lk);
        return ERROR_LOCK_FAIL;
    }
    return 0;
}

void libxl__userdata_unlock(libxl__userdata_flock *lk)
{
    if (lk->fd < 0) return;
    /* Remove the name first: whoever opens it after this makes a new file
     * (and a new lock); whoever opened it before sees it replaced. */
    unlink(lk->path);
    close(lk->fd);
    lk->fd = -1;
}

/* ---------------------------------------------------------- the files */

int libxl__userdata_read(libxl__gc *gc, const libxl__userdata_dom *dom,
                         const char *userid, uint8_t **data_r,
                         int *datalen_r)
{
    const char *path = libxl__userdata_path(gc, dom, userid, "d");
    void *data = NULL;
    int datalen = 0, e;

    if (!path) return ERROR_NOMEM;
    e = libxl_read_file_contents(CTX, path, data_r ? &data : NULL, &datalen);
    if (e && e != ENOENT) return ERROR_FAIL;
    if (!e && !datalen) {
        LOG(CTX, ERROR, "userdata file %s is empty", path);
        return ERROR_FAIL;
    }
    if (data_r) *data_r = data;
    if (datalen_r) *datalen_r = datalen;
    return 0;
}

/* Removes path; 0 or the errno value (libxl returns it as is). */
static int remove_file(libxl__gc *gc, const char *path)
{
    if (unlink(path)) {
        int e = errno;
        LOGE(CTX, ERROR, "remove failed for %s", path);
        return e;
    }
    return 0;
}

int libxl__userdata_write(libxl__gc *gc, const libxl__userdata_dom *dom,
                          const char *userid, const uint8_t *data,
                          int datalen)
{
    const char *path = libxl__userdata_path(gc, dom, userid, "d");
    const char *next;
    int fd, rc = ERROR_FAIL;

    if (!path) return ERROR_NOMEM;
    /* libxl: storing nothing removes the file. */
    if (!datalen) return remove_file(gc, path);

    next = libxl__userdata_path(gc, dom, userid, "n");
    if (!next) return ERROR_NOMEM;

    fd = open(next, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) goto out;
    /* A negative length writes nothing, as libxl's loop does. */
    if (libxl_write_exactly(CTX, fd, data, datalen, "userdata", next)) {
        int e = errno;
        close(fd);
        errno = e;
        goto out;
    }
    if (close(fd)) goto out;
    if (rename(next, path)) goto out;
    rc = 0;
out:
    if (rc)
        LOGE(CTX, ERROR, "cannot write/rename %s for %s", next, path);
    return rc;
}

/* ------------------------------------------ the stored configuration */

int libxl__userdata_config_read(libxl__gc *gc, const libxl__userdata_dom *dom,
                                libxl_domain_config *d_config)
{
    uint8_t *data = NULL;
    char *text = NULL;
    int len = 0, rc;

    rc = libxl__userdata_read(gc, dom, LIBXL__USERDATA_CONFIG, &data, &len);
    if (rc) {
        libxl__log(CTX, XTL_ERROR, rc, LIBXL__FILE, __LINE__, __func__,
                   dom->domid, "failed to retrieve domain configuration");
        rc = ERROR_FAIL;
        goto out;
    }
    if (!len) {
        /* No file: not necessarily an error for the caller; no log. */
        rc = ERROR_JSON_CONFIG_EMPTY;
        goto out;
    }
    /* libxl stores the text with its NUL; a file without one still ends. */
    text = malloc((size_t)len + 1);
    if (!text) {
        rc = ERROR_NOMEM;
        goto out;
    }
    memcpy(text, data, (size_t)len);
    text[len] = '\0';
    rc = libxl_domain_config_from_json(CTX, d_config, text);
out:
    free(text);
    free(data);
    return rc;
}

int libxl__userdata_config_write(libxl__gc *gc,
                                 const libxl__userdata_dom *dom,
                                 libxl_domain_config *d_config)
{
    char *json = libxl_domain_config_to_json(CTX, d_config);
    int rc;

    if (!json) {
        LOGD(CTX, ERROR, dom->domid, "failed to convert domain configuration"
             " to JSON");
        return ERROR_FAIL;
    }
    rc = libxl__userdata_write(gc, dom, LIBXL__USERDATA_CONFIG,
                               (const uint8_t *)json, (int)strlen(json) + 1);
    free(json);
    if (rc) {
        LOGD(CTX, ERROR, dom->domid, "failed to store domain configuration");
        rc = ERROR_FAIL;
    }
    return rc;
}

/* ------------------------------------------------ the public functions */

/* The domain's identity and its userdata lock, as each public call starts:
 * ERROR_LOCK_FAIL when either fails (libxl's rc for both), else 0. */
static int lock_dom(libxl__gc *gc, uint32_t domid, libxl__userdata_dom *dom,
                    libxl__userdata_flock *lk)
{
    if (libxl__userdata_dom_find(gc, domid, dom) ||
        libxl__userdata_lock(gc, dom, LIBXL__LOCK_USERDATA, lk, NULL))
        return ERROR_LOCK_FAIL;
    return 0;
}

int libxl_userdata_store(libxl_ctx *ctx, uint32_t domid,
                         const char *userdata_userid,
                         const uint8_t *data, int datalen)
{
    GC_INIT(ctx);
    libxl__userdata_dom dom;
    libxl__userdata_flock lk;
    int rc;

    rc = lock_dom(gc, domid, &dom, &lk);
    if (rc)
        return rc;
    rc = libxl__userdata_write(gc, &dom, userdata_userid, data, datalen);
    libxl__userdata_unlock(&lk);
    return rc;
}

int libxl_userdata_retrieve(libxl_ctx *ctx, uint32_t domid,
                            const char *userdata_userid,
                            uint8_t **data_r, int *datalen_r)
{
    GC_INIT(ctx);
    libxl__userdata_dom dom;
    libxl__userdata_flock lk;
    int rc;

    rc = lock_dom(gc, domid, &dom, &lk);
    if (rc)
        return rc;
    rc = libxl__userdata_read(gc, &dom, userdata_userid, data_r, datalen_r);
    libxl__userdata_unlock(&lk);
    return rc;
}

int libxl_userdata_unlink(libxl_ctx *ctx, uint32_t domid,
                          const char *userdata_userid)
{
    GC_INIT(ctx);
    libxl__userdata_dom dom;
    libxl__userdata_flock lk;
    const char *path;
    int rc;

    rc = lock_dom(gc, domid, &dom, &lk);
    if (rc)
        return rc;
    path = libxl__userdata_path(gc, &dom, userdata_userid, "d");
    if (!path) {
        rc = ERROR_FAIL;
    } else if (unlink(path)) {
        LOGE(CTX, ERROR, "error deleting userdata file: %s", path);
        rc = ERROR_FAIL;
    }
    libxl__userdata_unlock(&lk);
    return rc;
}
