/*
 * base/fd_utils.c: libxl 4.17's public fd helpers: close-on-exec and
 * non-blocking flags, a logged pipe(2), and reading or writing a whole
 * buffer. They take a ctx only to log through its logger (NULL: silent).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/log.h"

#include "libxl_utils.h"

/* Sets (on) or clears one flag of fd through fcntl's get/set pair. */
static int change_fd_flag(libxl_ctx *ctx, int fd, int get, int set,
                          const char *which, int flag, int on)
{
    int flags = fcntl(fd, get);

    if (flags == -1) {
        LOGE(ctx, ERROR, "fcntl(,F_GET%s) failed", which);
        return ERROR_FAIL;
    }
    flags = on ? flags | flag : flags & ~flag;
    if (fcntl(fd, set, flags) == -1) {
        LOGE(ctx, ERROR, "fcntl(,F_SET%s) failed", which);
        return ERROR_FAIL;
    }
    return 0;
}

int libxl_fd_set_cloexec(libxl_ctx *ctx, int fd, int cloexec)
{
    return change_fd_flag(ctx, fd, F_GETFD, F_SETFD, "FD", FD_CLOEXEC,
                          cloexec);
}

int libxl_fd_set_nonblock(libxl_ctx *ctx, int fd, int nonblock)
{
    return change_fd_flag(ctx, fd, F_GETFL, F_SETFL, "FL", O_NONBLOCK,
                          nonblock);
}

/* As libxl: -1 (not a libxl error code) when pipe(2) fails. */
int libxl_pipe(libxl_ctx *ctx, int pipes[2])
{
    if (pipe(pipes) < 0) {
        LOGE(ctx, ERROR, "Failed to create a pipe");
        return -1;
    }
    return 0;
}

/*
 * The whole of sz bytes, retrying after EINTR: 0, errno, or EPROTO when
 * the file ends (read) or write(2) returns 0. source and what only name
 * the file in the log ("failed to read WHAT from SOURCE").
 */
int libxl_read_exactly(libxl_ctx *ctx, int fd, void *data, ssize_t sz,
                       const char *source, const char *what)
{
    char *p = data;

    while (sz > 0) {
        ssize_t got = read(fd, p, (size_t)sz);

        if (got < 0) {
            if (errno == EINTR)
                continue;
            LOGE(ctx, ERROR, "failed to read %s%s%s", what ? what : "",
                 what ? " from " : "", source);
            return errno;
        }
        if (got == 0) {
            LOG(ctx, ERROR, "file/stream truncated reading %s%s%s",
                what ? what : "", what ? " from " : "", source);
            return EPROTO;
        }
        p += got;
        sz -= got;
    }
    return 0;
}

int libxl_write_exactly(libxl_ctx *ctx, int fd, const void *data,
                        ssize_t sz, const char *source, const char *what)
{
    const char *p = data;

    while (sz > 0) {
        ssize_t put = write(fd, p, (size_t)sz);

        if (put < 0) {
            if (errno == EINTR)
                continue;
            LOGE(ctx, ERROR, "failed to write %s%s%s", what ? what : "",
                 what ? " from " : "", source);
            return errno;
        }
        if (put == 0) {
            LOG(ctx, ERROR, "file/stream write returned 0! writing %s%s%s",
                what ? what : "", what ? " from " : "", source);
            return EPROTO;
        }
        p += put;
        sz -= put;
    }
    return 0;
}
