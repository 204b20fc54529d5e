/*
 * ev_testutil.h: helpers shared by the event core's unit tests
 * (test_ev_*.c, test_osevent_*.c): a bare ctx, pipes, events, deadlines.
 */
#ifndef EV_TESTUTIL_H
#define EV_TESTUTIL_H

#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "ops/ops.h"
#include "subop/xswait.h"
#include "testlog.h"

static inline libxl_ctx *t_ctx(xentoollog_logger *lg)
{
    libxl_ctx *ctx = NULL;
    ck_assert_int_eq(libxl__ctx_alloc_bare(&ctx, lg), 0);
    return ctx;
}

static inline void t_pipe(int p[2])
{
    ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
}

static inline void t_write1(int fd)
{
    char c = 'x';
    ck_assert_int_eq(write(fd, &c, 1), 1);
}

static inline int t_drain(int fd)
{
    char buf[256];
    int n = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0) n += (int)r;
    return n;
}

static inline libxl_event *t_event(uint64_t for_user)
{
    libxl_event *ev = calloc(1, sizeof(*ev));
    ck_assert_ptr_nonnull(ev);
    libxl_event_init(ev);
    ev->type = LIBXL_EVENT_TYPE_OPERATION_COMPLETE;
    ev->for_user = for_user;
    return ev;
}

/* Queue an event as a generator would (takes the lock, runs the egc). */
static inline void t_occur(libxl_ctx *ctx, libxl_event *ev)
{
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    libxl__event_occurred(egc, ev);
    CTX_UNLOCK_EGC_FREE;
}

static inline struct timeval t_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv;
}

static inline struct timeval t_add_ms(struct timeval tv, long ms)
{
    long long us = (long long)tv.tv_sec * 1000000 + tv.tv_usec + ms * 1000;
    tv.tv_sec = (time_t)(us / 1000000);
    tv.tv_usec = (suseconds_t)(us % 1000000);
    return tv;
}

static inline int t_fd_is_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    return fl >= 0 && (fl & FD_CLOEXEC);
}

#endif
