/*
 * subop/async_exec.c: running a program as a child of an operation
 * (contract in subop/async_exec.h). Children, timeouts and aborts are the
 * child layer's (libxl__ev_child_start_ao); this file fills in the spec,
 * says in the log how the program ended, and never touches its state
 * after calling the user's callback.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "base/log.h"
#include "base/util.h"
#include "subop/async_exec.h"

void libxl__async_exec_init(libxl__async_exec_state *aes)
{
    memset(aes, 0, sizeof(*aes));
    aes->stdfds[0] = aes->stdfds[1] = aes->stdfds[2] = -1;
    aes->pid = -1;
    libxl__ev_child_init(&aes->child);
}

static void async_exec_exited(libxl__egc *egc, libxl__ev_child *ch,
                              pid_t pid, int status, int rc);

int libxl__async_exec_start(libxl__egc *egc, libxl__async_exec_state *aes)
{
    libxl_ctx *ctx = egc->ctx;
    const char *what = aes->what ? aes->what : "program";
    libxl__child_spec spec;
    int rc;

    if (!aes->path || !aes->argv || !aes->callback) {
        LOGD(ctx, ERROR, aes->ao->domid, "%s: internal error: no program,"
             " arguments or callback to run it with", what);
        rc = ERROR_INVAL;
        goto out;
    }
    libxl__child_spec_init(&spec);
    spec.path = aes->path;
    spec.argv = aes->argv;
    spec.envp = aes->envp;
    for (int i = 0; i < 3; i++) spec.stdfd[i] = aes->stdfds[i];
    spec.timeout_ms = aes->timeout_ms;
    spec.kill_grace_ms = aes->kill_grace_ms;

    if (aes->survives_abort) {
        rc = libxl__ev_child_start(egc, &aes->child, &spec,
                                   async_exec_exited);
        if (!rc) libxl__ao_hold(aes->ao);
    } else {
        rc = libxl__ev_child_start_ao(egc, aes->ao, &aes->child, &spec,
                                      async_exec_exited);
    }
    if (rc) {
        if (rc == ERROR_ABORTED)
            LOGD(ctx, DEBUG, aes->ao->domid, "%s: not started, the operation"
                 " is being aborted", what);
        else
            LOGD(ctx, ERROR, aes->ao->domid, "%s: cannot run %s", what,
                 aes->path);
        goto out;
    }
    aes->pid = aes->child.pid;
    LOGD(ctx, DEBUG, aes->ao->domid, "%s: running %s [%d]", what, aes->path,
         (int)aes->pid);
out:
    return rc;
}

/* What the log says about a program that ended by itself. */
static void report_status(libxl_ctx *ctx, const libxl__async_exec_state *aes,
                          const char *what, pid_t pid, int status)
{
    uint32_t domid = aes->ao->domid;

    if (WIFEXITED(status)) {
        if (WEXITSTATUS(status))
            /* as libxl_report_child_exitstatus: no domain named */
            LOG(ctx, ERROR, "%s [%d] exited with error status %d", what,
                (int)pid, WEXITSTATUS(status));
        else
            LOGD(ctx, DEBUG, domid, "%s [%d] exited successfully", what,
                 (int)pid);
    } else if (WIFSIGNALED(status)) {
        const char *name = sigabbrev_np(WTERMSIG(status));
        LOGD(ctx, ERROR, domid, "%s [%d] died from signal %d (SIG%s)%s",
             what, (int)pid, WTERMSIG(status), name ? name : "?",
             WCOREDUMP(status) ? ", core dumped" : "");
    } else {
        LOGD(ctx, ERROR, domid, "%s [%d] ended with wait status %#x", what,
             (int)pid, (unsigned)status);
    }
}

static void async_exec_exited(libxl__egc *egc, libxl__ev_child *ch,
                              pid_t pid, int status, int rc)
{
    libxl__async_exec_state *aes =
        CONTAINER_OF(ch, libxl__async_exec_state, child);
    libxl_ctx *ctx = egc->ctx;
    const char *what = aes->what ? aes->what : "program";

    aes->pid = pid;
    switch (rc) {
    case 0:
        report_status(ctx, aes, what, pid, status);
        break;
    case ERROR_TIMEDOUT:
        LOGD(ctx, ERROR, aes->ao->domid, "%s [%d] timed out after %d ms and"
             " was killed", what, (int)pid, aes->timeout_ms);
        break;
    case ERROR_ABORTED:
        LOGD(ctx, DEBUG, aes->ao->domid, "%s [%d] killed: the operation was"
             " aborted", what, (int)pid);
        break;
    default:
        break;
    }
    if (aes->survives_abort) {
        libxl__ao *ao = aes->ao;       /* aes may be gone after the call */
        aes->callback(egc, aes, rc, status);
        libxl__ao_release(egc, ao);
        return;
    }
    aes->callback(egc, aes, rc, status);
}
