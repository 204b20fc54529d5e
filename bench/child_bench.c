/*
 * child_bench.c: spawn-and-reap throughput, in one run: the library's
 * pidfd path (clone3 + pidfd, reaped through the event loop), its SIGCHLD
 * fallback (fork, self-pipe, waitpid), and a bare posix_spawn + waitpid
 * loop as the baseline. Every child execs /bin/true (the realistic case)
 * and, separately, _exits at once without exec (the library's own cost).
 * Usage: child_bench [N]   (default 2000 children per measurement)
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "ops/ops.h"
#include "subop/xswait.h"

extern char **environ;
static char *const true_argv[] = { "/bin/true", NULL };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fn_exit(void *arg) { (void)arg; syscall(SYS_exit_group, 0); }

static int done;
static void death(libxl__egc *egc, libxl__ev_child *ch, pid_t pid, int status,
                  int rc)
{
    (void)egc; (void)ch; (void)pid;
    if (rc || status) { fprintf(stderr, "child failed\n"); exit(1); }
    done = 1;
}
static bool is_done(libxl__egc *egc, void *arg) { (void)egc; (void)arg; return done; }

static double run_library(libxl_ctx *ctx, int n, bool exec)
{
    libxl__child_spec spec;
    libxl__ev_child ch;
    double t0 = now();

    libxl__child_spec_init(&spec);
    if (exec) { spec.path = true_argv[0]; spec.argv = true_argv; }
    else spec.child_fn = fn_exit;
    for (int i = 0; i < n; i++) {
        EGC_INIT(ctx);
        CTX_LOCK(ctx);
        libxl__ev_child_init(&ch);
        done = 0;
        if (libxl__ev_child_start(egc, &ch, &spec, death)) exit(1);
        if (libxl__eventloop_wait(egc, is_done, NULL)) exit(1);
        CTX_UNLOCK_EGC_FREE;
    }
    return n / (now() - t0);
}

static double run_bare(int n, bool exec)
{
    double t0 = now();
    for (int i = 0; i < n; i++) {
        pid_t pid;
        int status;
        if (exec) {
            if (posix_spawn(&pid, true_argv[0], NULL, NULL, true_argv, environ))
                exit(1);
        } else {
            pid = fork();
            if (pid == 0) _exit(0);
        }
        if (waitpid(pid, &status, 0) != pid || status) exit(1);
    }
    return n / (now() - t0);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    libxl_ctx *ctx;

    if (n <= 0 || libxl__ctx_alloc_bare(&ctx, NULL)) return 1;
    bool pidfd = libxl__childproc_uses_pidfd(ctx);
    printf("child_bench: %d children per measurement (children/s)\n", n);
    for (int exec = 1; exec >= 0; exec--) {
        const char *what = exec ? "exec /bin/true" : "_exit, no exec";
        libxl__childproc_force_sigchld(ctx, false);
        double p = run_library(ctx, n, exec);
        libxl__childproc_force_sigchld(ctx, true);
        double s = run_library(ctx, n, exec);
        double b = run_bare(n, exec);
        printf("  %-16s pidfd path%s %9.0f   SIGCHLD path %9.0f   bare %s+waitpid %9.0f\n",
               what, pidfd ? "" : " (unavailable: fell back)", p, s,
               exec ? "posix_spawn" : "fork", b);
    }
    libxl_ctx_free(ctx);
    return 0;
}
