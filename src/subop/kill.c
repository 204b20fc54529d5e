/*
 * subop/kill.c: signalling processes that are not the library's children
 * (contract in subop/kill.h): libxl__kill, and libxl__kill_wait on a
 * pidfd. It never reaps, and never signals by pid once it holds a pidfd.
 * It does not touch its state after calling the user's callback.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "subop/kill.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static const char *name_of(const char *what)
{
    return what ? what : "process";
}

/* ---------------------------------------------------------- libxl__kill */

int libxl__kill(libxl_ctx *ctx, pid_t pid, int sig, const char *what)
{
    int rc;

    if (pid <= 0) {
        LOG(ctx, ERROR, "%s: refusing to send signal %d to pid %d (a"
            " process group or every process)", name_of(what), sig,
            (int)pid);
        rc = ERROR_INVAL;
        goto out;
    }
    if (kill(pid, sig)) {
        if (errno == ESRCH) {
            LOG(ctx, DEBUG, "%s [%d] is already gone (signal %d not sent)",
                name_of(what), (int)pid, sig);
            rc = ERROR_NOTFOUND;
            goto out;
        }
        LOGE(ctx, ERROR, "%s [%d]: cannot send signal %d", name_of(what),
             (int)pid, sig);
        rc = ERROR_FAIL;
        goto out;
    }
    rc = 0;
out:
    return rc;
}

/* ------------------------------------------------------ libxl__kill_wait */

void libxl__kill_wait_init(libxl__kill_wait *kw)
{
    memset(kw, 0, sizeof(*kw));
    kw->pid = -1;
    kw->pidfd = NULL;
    libxl__ev_fd_init(&kw->pidfd_reg);
    libxl__ao_time_init(&kw->time);
}

void libxl__kill_wait_stop(libxl_ctx *ctx, libxl__kill_wait *kw)
{
    libxl__ev_fd_deregister(ctx, &kw->pidfd_reg);
    libxl__ao_time_deregister(ctx, &kw->time);
    libxl__carefd_close(kw->pidfd);
    kw->pidfd = NULL;
}

static void kill_wait_done(libxl__egc *egc, libxl__kill_wait *kw, int rc)
{
    libxl__kill_wait_stop(egc->ctx, kw);
    kw->callback(egc, kw, rc);
}

/* Through the pidfd: 0, or -1 with errno (ESRCH once it has been reaped
 * by its parent; a zombie still takes signals, to no effect). */
static int pidfd_signal(libxl__kill_wait *kw, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, libxl__carefd_fd(kw->pidfd),
                        sig, NULL, 0);
}

static void kill_wait_timer(libxl__egc *egc, libxl__ao_time *t, int rc);
static void kill_wait_exited(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                             short events, short revents);

int libxl__kill_wait_start(libxl__kill_wait *kw)
{
    libxl_ctx *ctx = kw->ao->ctx;
    uint32_t domid = kw->ao->domid;
    const char *what = name_of(kw->what);
    int sig, fd, first_ms, rc;

    kw->sigkill_sent = false;
    kw->gone = false;
    if (kw->pid <= 0 || kw->timeout_ms <= 0 || kw->grace_ms >= kw->timeout_ms
        || !kw->callback) {
        LOGD(ctx, ERROR, domid, "%s: internal error: cannot kill pid %d with"
             " grace %d ms and timeout %d ms", what, (int)kw->pid,
             kw->grace_ms, kw->timeout_ms);
        rc = ERROR_INVAL;
        goto out;
    }

    /* pidfd_open always makes the fd close-on-exec. */
    fd = (int)syscall(SYS_pidfd_open, kw->pid, 0);
    if (fd < 0) {
        if (errno == ESRCH) {
            /* Gone already: say so from the event loop, not from here. */
            LOGD(ctx, DEBUG, domid, "%s [%d] is already gone", what,
                 (int)kw->pid);
            kw->gone = true;
            rc = libxl__ao_time_register(kw->ao, &kw->time, kill_wait_timer,
                                         0);
            goto out;
        }
        if (errno == ENOSYS)
            LOGD(ctx, ERROR, domid, "%s [%d]: cannot wait for it to exit:"
                 " this kernel has no pidfd_open (Linux 5.3 or later is"
                 " needed)", what, (int)kw->pid);
        else if (errno == EINVAL)
            LOGED(ctx, ERROR, domid, "%s [%d]: pidfd_open refused the pid"
                  " (a thread, not a process?)", what, (int)kw->pid);
        else
            LOGED(ctx, ERROR, domid, "%s [%d]: pidfd_open failed", what,
                  (int)kw->pid);
        rc = ERROR_FAIL;
        goto out;
    }
    kw->pidfd = libxl__carefd_opened(ctx, fd);
    if (!kw->pidfd) {                 /* closed and logged */
        rc = ERROR_NOMEM;
        goto out;
    }

    /* Everything that can fail first, so that a failure signals nothing. */
    rc = libxl__ev_fd_register(ctx, &kw->pidfd_reg, kill_wait_exited,
                               libxl__carefd_fd(kw->pidfd), POLLIN);
    if (rc) goto out;
    first_ms = kw->grace_ms > 0 ? kw->grace_ms : kw->timeout_ms;
    rc = libxl__ao_time_register(kw->ao, &kw->time, kill_wait_timer,
                                 first_ms);
    if (rc) goto out;

    sig = kw->grace_ms > 0 ? SIGTERM : SIGKILL;
    if (pidfd_signal(kw, sig) && errno != ESRCH) {
        LOGED(ctx, ERROR, domid, "%s [%d]: cannot send signal %d", what,
              (int)kw->pid, sig);
        rc = ERROR_FAIL;
        goto out;
    }
    kw->sigkill_sent = sig == SIGKILL;
    LOGD(ctx, DEBUG, domid, "%s [%d]: sent signal %d, waiting up to %d ms"
         " for it to exit", what, (int)kw->pid, sig, kw->timeout_ms);
    rc = 0;
out:
    if (rc) libxl__kill_wait_stop(ctx, kw);
    return rc;
}

/* The grace period, then the deadline, passed; or the ao was aborted. */
static void kill_wait_timer(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    libxl__kill_wait *kw = CONTAINER_OF(t, libxl__kill_wait, time);
    libxl_ctx *ctx = egc->ctx;
    uint32_t domid = kw->ao->domid;
    const char *what = name_of(kw->what);

    if (rc == ERROR_ABORTED) {
        LOGD(ctx, DEBUG, domid, "%s [%d]: no longer waiting for it to exit"
             " (operation aborted)", what, (int)kw->pid);
        goto out;
    }
    if (kw->gone) {
        rc = 0;
        goto out;
    }
    if (kw->sigkill_sent) {
        LOGD(ctx, ERROR, domid, "%s [%d] is still there %d ms after it was"
             " told to exit; giving up", what, (int)kw->pid, kw->timeout_ms);
        rc = ERROR_TIMEDOUT;
        goto out;
    }

    LOGD(ctx, WARN, domid, "%s [%d] did not exit within %d ms of SIGTERM:"
         " sending SIGKILL", what, (int)kw->pid, kw->grace_ms);
    if (pidfd_signal(kw, SIGKILL) && errno != ESRCH) {
        LOGED(ctx, ERROR, domid, "%s [%d]: cannot send SIGKILL", what,
              (int)kw->pid);
        rc = ERROR_FAIL;
        goto out;
    }
    kw->sigkill_sent = true;
    rc = libxl__ao_time_register(kw->ao, &kw->time, kill_wait_timer,
                                 kw->timeout_ms - kw->grace_ms);
    if (rc) goto out;
    return;

out:
    kill_wait_done(egc, kw, rc);
}

static void kill_wait_exited(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                             short events, short revents)
{
    libxl__kill_wait *kw = CONTAINER_OF(ev, libxl__kill_wait, pidfd_reg);
    libxl_ctx *ctx = egc->ctx;
    int rc;

    (void)fd; (void)events;
    if (!(revents & (POLLIN | POLLHUP))) {
        LOGD(ctx, ERROR, kw->ao->domid, "%s [%d]: unexpected poll events"
             " %#x on its pidfd", name_of(kw->what), (int)kw->pid,
             (unsigned)revents);
        rc = ERROR_FAIL;
        goto out;
    }
    LOGD(ctx, DEBUG, kw->ao->domid, "%s [%d] has exited%s",
         name_of(kw->what), (int)kw->pid,
         kw->sigkill_sent ? " (after SIGKILL)" : "");
    rc = 0;
out:
    kill_wait_done(egc, kw, rc);
}
