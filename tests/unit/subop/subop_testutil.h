/*
 * subop_testutil.h: helpers shared by the sub-operation tests
 * (test_*.c here): an operation (an ao with a completion callback) that
 * a test starts around one sub-operation, completes from the
 * sub-operation's callback, aborts, and waits for with a deadline.
 */
#ifndef SUBOP_TESTUTIL_H
#define SUBOP_TESTUTIL_H

#include "base/util.h"
#include "child/child_testutil.h"

/* One test operation. calls / rc are its completion; no_children is
 * whether no child of any kind existed when the completion arrived. */
typedef struct {
    libxl_asyncop_how how;
    int calls, rc;
    bool no_children;
} t_op;

static inline bool t_no_children_now(void)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 &&
           errno == ECHILD;
}

static inline void t_op_completed(libxl_ctx *ctx, int rc, void *arg)
{
    t_op *op = arg;
    (void)ctx;
    op->calls++;
    op->rc = rc;
    op->no_children = t_no_children_now();
}

/* Create an ao and call start(egc, ao, arg) in it, as an operation's
 * initiator would: its rc is the call's (then nothing may be running). */
typedef int t_op_starter(libxl__egc *egc, libxl__ao *ao, void *arg);
static inline int t_op_start(libxl_ctx *ctx, t_op *op, t_op_starter *start,
                             void *arg)
{
    memset(op, 0, sizeof(*op));
    op->rc = -99999;
    op->how.callback = t_op_completed;
    op->how.u.for_callback = op;
    AO_CREATE(ctx, 0, &op->how);
    int rc = start(egc, ao, arg);
    if (rc) return AO_CREATE_FAIL(rc);
    return AO_INPROGRESS;
}

static inline bool t_op_is_done(void *arg) { return ((t_op *)arg)->calls > 0; }

/* The operation's rc once its completion has arrived (within ms). */
static inline int t_op_wait(libxl_ctx *ctx, t_op *op, int ms)
{
    ck_assert_msg(t_wait(ctx, t_op_is_done, op, ms),
                  "the operation did not complete within %d ms", ms);
    ck_assert_int_eq(op->calls, 1);
    return op->rc;
}

static inline int t_op_abort(libxl_ctx *ctx, t_op *op)
{
    return libxl_ao_abort(ctx, &op->how);
}

#endif
