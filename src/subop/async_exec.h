/*
 * subop/async_exec.h: running a program (a script, a helper) as a child
 * of an operation and hearing how it ended: a reusable asynchronous
 * sub-operation on libxl__ev_child_start_ao, called with the ctx lock
 * held. It knows nothing of what the program is for.
 */
#ifndef LIGHTCORE_SUBOP_ASYNC_EXEC_H
#define LIGHTCORE_SUBOP_ASYNC_EXEC_H

#include <stdbool.h>

#include "ao/ao.h"
#include "child/child.h"

/*
 * Run path with argv as a child of ao. The caller fills in the public
 * fields (after libxl__async_exec_init) and calls _start, which returns
 *  - 0: the program runs and callback(egc, aes, rc, status) follows
 *    exactly once, from the event loop (never from inside _start):
 *     - rc 0, status its wait status: it exited (or died from a signal)
 *       by itself. A non-zero exit or a death by signal is logged (ERROR)
 *       with `what` and the pid; the caller decides what the status means;
 *     - rc ERROR_TIMEDOUT, status its wait status: timeout_ms passed and
 *       it was killed (logged): SIGKILL, or SIGTERM first and SIGKILL
 *       kill_grace_ms later if kill_grace_ms > 0 (a program that exits on
 *       the SIGTERM still counts as timed out);
 *     - rc ERROR_ABORTED, status -1: ao was aborted; the program has been
 *       sent SIGKILL. The callback is made at once, and the operation may
 *       complete from it: ao stays held until the child has been reaped,
 *       so its completion is delivered only once the program is gone.
 *    By the time the callback runs aes is Idle: the callback may free or
 *    reuse it.
 *  - an error (logged), with nothing running or registered and no
 *    callback: ERROR_ABORTED if ao is already aborting, ERROR_INVAL for a
 *    missing path / argv / callback, ERROR_FAIL or ERROR_NOMEM if the
 *    child could not be created.
 *
 * With survives_abort (for clean-up work that must run to its end, such
 * as undoing what an aborted operation did), the program is not tied to
 * the ao's abort: it runs even if ao is already aborting, is not killed
 * when ao is aborted, and ends only by itself or at timeout_ms (which
 * should then be set); ao is held until it has been reaped and the
 * callback has returned.
 *
 * The child's fds 0-2 are stdfds[] (each an fd of the caller's, dup'ed in
 * the child, or -1 for /dev/null; stdin is normally -1); every other fd of
 * the library is close-on-exec. Signals with a handler are reset to
 * SIG_DFL in the child; ignored ones stay ignored (see child/child.h).
 * The strings and arrays given need only last until _start returns.
 */
typedef struct libxl__async_exec_state libxl__async_exec_state;
typedef void libxl__async_exec_callback(libxl__egc *egc,
                                        libxl__async_exec_state *aes,
                                        int rc, int status);
struct libxl__async_exec_state {
    /* set by the caller before _start */
    libxl__ao *ao;
    const char *what;                 /* for log messages */
    const char *path;
    char *const *argv;
    char *const *envp;                /* NULL: this process's environment */
    int stdfds[3];                    /* -1: /dev/null */
    int timeout_ms;                   /* > 0: killed when it passes */
    int kill_grace_ms;                /* > 0: SIGTERM first, then SIGKILL */
    bool survives_abort;              /* see above */
    libxl__async_exec_callback *callback;
    /* results: the pid while it runs (also during the callback) */
    pid_t pid;
    /* private */
    libxl__ev_child child;
};

/* Idle, every field set: stdfds all -1, no timeout, ao NULL. */
void libxl__async_exec_init(libxl__async_exec_state *aes);
int libxl__async_exec_start(libxl__egc *egc, libxl__async_exec_state *aes);
static inline bool libxl__async_exec_inuse(const libxl__async_exec_state *aes)
{ return libxl__ev_child_inuse(&aes->child); }

#endif /* LIGHTCORE_SUBOP_ASYNC_EXEC_H */
