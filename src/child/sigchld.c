/*
 * child/sigchld.c: the process-wide SIGCHLD handler. It owns the list of users
 * (the write ends of the self-pipes of every ctx that currently needs
 * SIGCHLD), installing the handler when the first user arrives and
 * restoring the previous disposition when the last one leaves.
 *
 * Async-signal safety. The handler walks the users' list and write()s one
 * byte to each pipe; it preserves errno. The list is guarded not by a
 * pthread mutex (not async-signal-safe) but by a lock made of a pipe
 * holding one byte: read the byte to lock, write it back to unlock; both
 * are async-signal-safe. A mutator takes the lock with every signal
 * blocked on its own thread, so the handler cannot interrupt its own
 * thread's lock holder; on another thread the handler simply waits in
 * read() for the short edit to finish.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "child/child.h"

struct sigchld_global {
    int lock[2];                /* the pipe lock; -1 until first use */
    int *wfds;                  /* users; guarded by the pipe lock */
    int nwfds, capwfds;
    bool installed;
    struct sigaction old;       /* the disposition we replaced */
};

static struct sigchld_global G = { .lock = { -1, -1 } };
static pthread_once_t lock_once = PTHREAD_ONCE_INIT;
static bool lock_ok;

/*
 * The lock's fd numbers are published with atomics (lock-free, so
 * async-signal-safe): the handler may run on any thread, and nothing else
 * orders its reads after the pipe's creation.
 */
static bool make_lock_fds(void)
{
    char token = 'L';
    int p[2];
    if (pipe2(p, O_CLOEXEC)) return false;
    if (write(p[1], &token, 1) != 1) { close(p[0]); close(p[1]); return false; }
    __atomic_store_n(&G.lock[1], p[1], __ATOMIC_RELEASE);
    __atomic_store_n(&G.lock[0], p[0], __ATOMIC_RELEASE);
    return true;
}

static void make_lock(void) { lock_ok = make_lock_fds(); }

/* Async-signal-safe. */
static bool pipelock_take(void)
{
    int fd = __atomic_load_n(&G.lock[0], __ATOMIC_ACQUIRE);
    char token;
    ssize_t r;
    if (fd < 0) return false;
    do r = read(fd, &token, 1); while (r < 0 && errno == EINTR);
    return r == 1;
}

static void pipelock_give(void)
{
    int fd = __atomic_load_n(&G.lock[1], __ATOMIC_ACQUIRE);
    char token = 'L';
    ssize_t r;
    do r = write(fd, &token, 1); while (r < 0 && errno == EINTR);
}

static void sigchld_handler(int sig)
{
    int saved_errno = errno;
    char byte = 0;

    (void)sig;
    if (pipelock_take()) {
        for (int i = 0; i < G.nwfds; i++) {
            /* non-blocking; EAGAIN means that ctx is already woken */
            ssize_t r = write(G.wfds[i], &byte, 1);
            (void)r;
        }
        pipelock_give();
    }
    errno = saved_errno;
}

/* Block every signal on this thread and take the pipe lock. */
static int mutator_begin(libxl_ctx *ctx, sigset_t *saved)
{
    sigset_t all;

    pthread_once(&lock_once, make_lock);
    if (!lock_ok) {
        LOGE(ctx, ERROR, "cannot create the SIGCHLD lock pipe");
        return ERROR_FAIL;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, saved);
    if (!pipelock_take()) {
        LOGE(ctx, ERROR, "cannot take the SIGCHLD lock");
        pthread_sigmask(SIG_SETMASK, saved, NULL);
        return ERROR_FAIL;
    }
    return 0;
}

static void mutator_end(const sigset_t *saved)
{
    pipelock_give();
    pthread_sigmask(SIG_SETMASK, saved, NULL);
}

/* Lock held. */
static void install(libxl_ctx *ctx)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sigchld_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    if (sigaction(SIGCHLD, &sa, &G.old)) {
        LOGE(ctx, ERROR, "cannot install the SIGCHLD handler");
        return;
    }
    if ((G.old.sa_flags & SA_SIGINFO) ||
        (G.old.sa_handler != SIG_DFL && G.old.sa_handler != SIG_IGN))
        LOG(ctx, WARN, "replacing the application's SIGCHLD handler (it"
            " will be restored when the library no longer needs SIGCHLD);"
            " see libxl_childproc_setmode");
    G.installed = true;
}

/* Lock held. */
static void uninstall(void)
{
    if (!G.installed) return;
    sigaction(SIGCHLD, &G.old, NULL);
    G.installed = false;
}

int libxl__sigchld_user_add(libxl_ctx *ctx, int wfd)
{
    sigset_t saved;
    int rc = mutator_begin(ctx, &saved);
    if (rc) return rc;

    if (G.nwfds == G.capwfds) {
        int cap = G.capwfds ? G.capwfds * 2 : 8;
        int *n = realloc(G.wfds, sizeof(*n) * (size_t)cap);
        if (!n) {
            LOGE(ctx, ERROR, "cannot grow the SIGCHLD users' list");
            rc = ERROR_NOMEM;
            goto out;
        }
        G.wfds = n;
        G.capwfds = cap;
    }
    G.wfds[G.nwfds++] = wfd;
    if (!G.installed) install(ctx);
    rc = G.installed ? 0 : ERROR_FAIL;
    if (rc) G.nwfds--;
out:
    mutator_end(&saved);
    return rc;
}

void libxl__sigchld_user_remove(libxl_ctx *ctx, int wfd)
{
    sigset_t saved;
    if (mutator_begin(ctx, &saved)) return;
    for (int i = 0; i < G.nwfds; i++) {
        if (G.wfds[i] != wfd) continue;
        G.wfds[i] = G.wfds[--G.nwfds];
        break;
    }
    if (!G.nwfds) uninstall();
    mutator_end(&saved);
}

bool libxl__sigchld_installed(void)
{
    sigset_t saved;
    bool installed;
    if (mutator_begin(NULL, &saved)) return false;
    installed = G.installed;
    mutator_end(&saved);
    return installed;
}

void libxl__sigchld_postfork(void)
{
    /*
     * One thread only. Whoever held the pipe lock in the parent, the pipe
     * is shared with it: make a fresh lock for this process and forget
     * the parent's users (their pipes are closed with the carefds).
     */
    int old0 = __atomic_load_n(&G.lock[0], __ATOMIC_ACQUIRE);
    int old1 = __atomic_load_n(&G.lock[1], __ATOMIC_ACQUIRE);
    uninstall();
    G.nwfds = 0;
    if (old0 < 0) return;           /* never used: nothing inherited */
    close(old0);
    close(old1);
    __atomic_store_n(&G.lock[0], -1, __ATOMIC_RELEASE);
    __atomic_store_n(&G.lock[1], -1, __ATOMIC_RELEASE);
    lock_ok = make_lock_fds();
}
