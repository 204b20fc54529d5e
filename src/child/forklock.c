/*
 * child/forklock.c: the no-fork lock (taken by pthread_atfork handlers, so no
 * application fork() can run while the library holds it), careful fds
 * (close-on-exec discipline and the process-wide close list), and
 * libxl_postfork_child_noexec, which closes that list and resets the
 * process-wide child state in a forked child.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "child/child.h"

struct libxl__carefd {
    int fd;
    XEN_LIST_ENTRY(libxl__carefd) link;   /* on carefds */
};

static pthread_mutex_t no_forking = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static XEN_LIST_HEAD(, libxl__carefd) carefds;   /* the close list;
                                                    no_forking */

static void atfork_prepare(void) { pthread_mutex_lock(&no_forking); }
static void atfork_parent(void) { pthread_mutex_unlock(&no_forking); }
static void atfork_child(void) { pthread_mutex_unlock(&no_forking); }

static void atfork_setup(void)
{
    int r = pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    if (r) abort(); /* ENOMEM at first use: nothing sensible to do */
}

void libxl__forklock_acquire(void)
{
    pthread_once(&atfork_once, atfork_setup);
    if (pthread_mutex_lock(&no_forking)) abort();
}

void libxl__forklock_release(void)
{
    if (pthread_mutex_unlock(&no_forking)) abort();
}

/* --------------------------------------------------------- carefds */

void libxl__carefd_begin(void) { libxl__forklock_acquire(); }
void libxl__carefd_unlock(void) { libxl__forklock_release(); }

/* no_forking held */
static libxl__carefd *carefd_add_locked(libxl_ctx *ctx, int fd)
{
    libxl__carefd *cf = malloc(sizeof(*cf));
    if (!cf) {
        LOGE(ctx, ERROR, "cannot record fd %d", fd);
        close(fd);
        return NULL;
    }
    cf->fd = fd;
    XEN_LIST_INSERT_HEAD(&carefds, cf, link);
    return cf;
}

libxl__carefd *libxl__carefd_record(libxl_ctx *ctx, int fd)
{
    int flags, r;

    if (fd < 0) return NULL;
    flags = fcntl(fd, F_GETFD);
    r = flags < 0 ? -1 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    if (r < 0) {
        LOGE(ctx, ERROR, "cannot make fd %d close-on-exec", fd);
        close(fd);
        return NULL;
    }
    return carefd_add_locked(ctx, fd);
}

libxl__carefd *libxl__carefd_opened(libxl_ctx *ctx, int fd)
{
    libxl__carefd *cf;

    if (fd < 0) return NULL;
    libxl__forklock_acquire();
    cf = carefd_add_locked(ctx, fd);
    libxl__forklock_release();
    return cf;
}

int libxl__carefd_fd(const libxl__carefd *cf) { return cf ? cf->fd : -1; }

static void carefd_unlink(libxl__carefd *cf)
{
    libxl__forklock_acquire();
    XEN_LIST_REMOVE(cf, link);
    libxl__forklock_release();
}

void libxl__carefd_close(libxl__carefd *cf)
{
    int saved = errno;
    if (!cf) return;
    carefd_unlink(cf);
    close(cf->fd);
    free(cf);
    errno = saved;
}

int libxl__carefd_release(libxl__carefd *cf)
{
    int fd;
    if (!cf) return -1;
    carefd_unlink(cf);
    fd = cf->fd;
    free(cf);
    return fd;
}

void libxl__carefd_postfork_closeall(void)
{
    /* One thread only: the atfork child handler has released the lock. */
    libxl__forklock_acquire();
    libxl__carefd *cf;
    XEN_LIST_FOREACH(cf, &carefds, link)
        close(cf->fd);      /* the records themselves are leaked */
    XEN_LIST_INIT(&carefds);
    libxl__forklock_release();
}

/* ------------------------------------------------------- postfork */

void libxl_postfork_child_noexec(libxl_ctx *ctx)
{
    /*
     * Every ctx inherited from the parent is dead from now on; ctx itself
     * is not even locked (another parent thread may have held its lock
     * at fork time). Order: stop the handler writing into the parent's
     * pipes first, then forget the children, then close the fds.
     */
    sigset_t all, saved;

    (void)ctx;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    libxl__sigchld_postfork();
    libxl__childproc_postfork();
    libxl__carefd_postfork_closeall();
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}
