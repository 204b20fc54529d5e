/*
 * child/exitstatus.c: libxl_report_child_exitstatus, a child's wait status
 * described in the log at the caller's level, every status being taken as
 * a failure (a zero exit is "unexpected").
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "base/log.h"

#include "libxl_utils.h"

#define REPORT(ctx, level, ...) \
    libxl__log((ctx), (level), -1, LIBXL__FILE, __LINE__, __func__, \
               LIBXL__NO_DOMID, __VA_ARGS__)

void libxl_report_child_exitstatus(libxl_ctx *ctx, xentoollog_level level,
                                   const char *what, pid_t pid, int status)
{
    long id = (long)pid;

    if (!what)
        what = "(null)";
    if (WIFEXITED(status)) {
        if (WEXITSTATUS(status))
            REPORT(ctx, level, "%s [%ld] exited with error status %d",
                   what, id, WEXITSTATUS(status));
        else
            REPORT(ctx, level, "%s [%ld] unexpectedly exited status zero",
                   what, id);
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *name = strsignal(sig);
        const char *core = WCOREDUMP(status) ? " (core dumped)" : "";

        if (name)
            REPORT(ctx, level, "%s [%ld] died due to fatal signal %s%s",
                   what, id, name, core);
        else
            REPORT(ctx, level, "%s [%ld] died due to unknown fatal signal "
                   "number %d%s", what, id, sig, core);
    } else {
        REPORT(ctx, level, "%s [%ld] gave unknown wait status 0x%x",
               what, id, (unsigned)status);
    }
}
