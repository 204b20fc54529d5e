/*
 * child_testutil.h: helpers shared by the child-process tests
 * (test_childproc*.c, test_sigchld*.c, test_forklock*.c, test_pty*.c):
 * bounded waits on the internal event loop, a recording death callback,
 * child functions made of raw system calls, and zombie checks.
 */
#ifndef CHILD_TESTUTIL_H
#define CHILD_TESTUTIL_H

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ev/ev_testutil.h"

/* path index for TEST_LOOP: 0 = pidfd, 1 = SIGCHLD fallback */
static inline void t_set_path(libxl_ctx *ctx, int path)
{
    CTX_LOCK(ctx);
    libxl__childproc_force_sigchld(ctx, path == 1);
    CTX_UNLOCK(ctx);
}

typedef struct {
    bool (*pred)(void *arg);
    void *arg;
    bool timed_out;
} t_waitstate;

static inline bool t_wait_done(libxl__egc *egc, void *arg)
{
    t_waitstate *ws = arg;
    (void)egc;
    return ws->timed_out || ws->pred(ws->arg);
}

static inline void t_wait_timeout(libxl__egc *egc, libxl__ev_time *ev,
                           const struct timeval *abs, int rc)
{
    t_waitstate *ws = *(t_waitstate **)(ev + 1);
    (void)egc; (void)abs; (void)rc;
    ws->timed_out = true;
}

/* Run ctx's event loop until pred(arg) or ms pass; true if pred. */
static inline bool t_wait(libxl_ctx *ctx, bool (*pred)(void *), void *arg,
                          int ms)
{
    struct { libxl__ev_time t; t_waitstate *ws; } tm;
    t_waitstate ws = { pred, arg, false };
    int rc;
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    libxl__ev_time_init(&tm.t);
    tm.ws = &ws;
    ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &tm.t, t_wait_timeout,
                                                 ms), 0);
    rc = libxl__eventloop_wait(egc, t_wait_done, &ws);
    libxl__ev_time_deregister(ctx, &tm.t);
    CTX_UNLOCK_EGC_FREE;
    ck_assert_int_eq(rc, 0);
    return !ws.timed_out;
}

/* A recording child handle. */
typedef struct {
    libxl__ev_child ch;
    int calls;
    pid_t pid;
    int status, rc;
    int expect_exit;          /* for stress tests; -1 = don't check */
} t_child;

static inline void t_child_death(libxl__egc *egc, libxl__ev_child *ch, pid_t pid,
                          int status, int rc)
{
    t_child *tc = (t_child *)ch;
    (void)egc;
    tc->calls++;
    tc->pid = pid;
    tc->status = status;
    tc->rc = rc;
}

static inline bool t_child_called(void *arg)
{
    return ((t_child *)arg)->calls > 0;
}

/* Start spec on tc (lock taken here). Returns the rc. */
static inline int t_start(libxl_ctx *ctx, t_child *tc,
                          const libxl__child_spec *spec)
{
    int rc;
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    libxl__ev_child_init(&tc->ch);
    tc->calls = 0;
    tc->status = tc->rc = -12345;
    rc = libxl__ev_child_start(egc, &tc->ch, spec, t_child_death);
    CTX_UNLOCK_EGC_FREE;
    return rc;
}

/* child functions: raw system calls only */
static inline void t_fn_exit(void *arg)
{
    syscall(SYS_exit_group, (int)(intptr_t)arg);
}

static inline void t_fn_block_forever(void *arg)
{
    (void)arg;
    for (;;) syscall(SYS_ppoll, NULL, 0, NULL, NULL, 8);
}

static inline void t_fn_ignore_term_block(void *arg)
{
    struct { void (*h)(int); unsigned long f; void (*r)(void); uint64_t m; }
        ign = { SIG_IGN, 0, NULL, 0 };
    syscall(SYS_rt_sigaction, SIGTERM, &ign, NULL, 8);
    t_fn_block_forever(arg);
}

static inline void t_spec_fn(libxl__child_spec *spec, void (*fn)(void *),
                             void *arg)
{
    libxl__child_spec_init(spec);
    spec->child_fn = fn;
    spec->child_arg = arg;
}

/* No zombie, no child at all (of any kind) is left. */
static inline void t_assert_no_children(void)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    int r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL);
    ck_assert_msg(r < 0 && errno == ECHILD,
                  "a child is left (r=%d pid=%d)", r, (int)si.si_pid);
}

static inline int t_stress_factor(void)
{
    const char *s = getenv("LIGHTCORE_STRESS");
    int f = s ? atoi(s) : 1;
    return f > 0 ? f : 1;
}

#endif
