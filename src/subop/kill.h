/*
 * subop/kill.h: signalling processes that are not the library's children
 * (whose pid the toolstack learnt elsewhere, e.g. from xenstore): a
 * logging kill(2), and the asynchronous "kill and wait until gone"
 * sub-operation on a pidfd. Children of the library are signalled and
 * reaped by the child layer instead; nothing here reaps anything.
 */
#ifndef LIGHTCORE_SUBOP_KILL_H
#define LIGHTCORE_SUBOP_KILL_H

#include <stdbool.h>
#include <sys/types.h>

#include "ao/ao.h"
#include "child/child.h"

/*
 * Send sig to the process pid (what names it in the log). Returns
 *  - 0: sent;
 *  - ERROR_NOTFOUND: there is no such process (ESRCH), logged only at
 *    DEBUG: it is already gone, which is what a caller killing it wants;
 *  - ERROR_INVAL (logged) for pid <= 0, which kill(2) would take as a
 *    process group or every process: refused;
 *  - ERROR_FAIL (logged with errno) for any other failure (EPERM...).
 * By pid: the pid may have been reused since it was learnt; when that
 * matters use libxl__kill_wait, which signals through a pidfd. Needs no
 * lock.
 */
int libxl__kill(libxl_ctx *ctx, pid_t pid, int sig, const char *what);

/*
 * Kill a process that is not the library's child and wait until it has
 * exited, without blocking: pidfd_open(pid) first, then every signal
 * through that pidfd (pidfd_send_signal), so a pid recycled meanwhile is
 * never signalled; the pidfd polls readable once the process has exited
 * (a zombie that its own parent has not reaped yet counts as exited).
 *
 * The caller fills in the public fields (after libxl__kill_wait_init) and
 * calls _start, which sends SIGTERM (SIGKILL at once if grace_ms <= 0)
 * and returns
 *  - 0: callback(egc, kw, rc) follows exactly once, from the event loop
 *    (never from inside _start):
 *     - rc 0: the process has exited (or was already gone at _start);
 *       sigkill_sent says whether it took SIGKILL;
 *     - ERROR_TIMEDOUT (logged): still there timeout_ms after _start;
 *     - ERROR_ABORTED: ao was aborted; the wait stops at once and no
 *       further signal is sent (what was sent stays sent);
 *     - ERROR_FAIL (logged): SIGKILL could not be sent (EPERM...), or the
 *       pidfd reported an error.
 *    grace_ms after the SIGTERM, if the process is still there, it is
 *    sent SIGKILL (logged as a warning). By the time the callback runs kw
 *    is Idle (its pidfd closed): the callback may free or reuse it.
 *  - an error (logged, except ERROR_ABORTED), with nothing registered,
 *    no pidfd open and no callback: ERROR_INVAL for pid <= 0, timeout_ms <= 0, grace_ms >=
 *    timeout_ms or no callback; ERROR_ABORTED if ao is already aborting
 *    (nothing signalled); ERROR_FAIL if the kernel has no pidfd_open
 *    (Linux < 5.3), the pid names a thread rather than a process, or the
 *    process cannot be signalled (EPERM: not ours to kill); ERROR_NOMEM.
 *
 * The pidfd is close-on-exec and on the careful-fd list (child/child.h).
 */
typedef struct libxl__kill_wait libxl__kill_wait;
typedef void libxl__kill_wait_callback(libxl__egc *egc, libxl__kill_wait *kw,
                                       int rc);
struct libxl__kill_wait {
    /* set by the caller before _start */
    libxl__ao *ao;
    const char *what;                 /* for log messages */
    pid_t pid;
    int grace_ms;                     /* SIGTERM -> SIGKILL; <= 0: SIGKILL */
    int timeout_ms;                   /* from _start to ERROR_TIMEDOUT */
    libxl__kill_wait_callback *callback;
    /* results */
    bool sigkill_sent;
    /* private */
    libxl__carefd *pidfd;
    libxl__ev_fd pidfd_reg;
    libxl__ao_time time;              /* the grace, then the deadline */
    bool gone;                        /* already gone at _start */
};

/* Idle, every field set (ao NULL, pid -1). */
void libxl__kill_wait_init(libxl__kill_wait *kw);
int libxl__kill_wait_start(libxl__kill_wait *kw);
/* Stop waiting, with no callback and no further signal (Idle again). */
void libxl__kill_wait_stop(libxl_ctx *ctx, libxl__kill_wait *kw);
static inline bool libxl__kill_wait_inuse(const libxl__kill_wait *kw)
{ return libxl__ao_time_isregistered(&kw->time); }

#endif /* LIGHTCORE_SUBOP_KILL_H */
