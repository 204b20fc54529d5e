/* testev.c: the event wait declared in testev.h. */
#include <check.h>
#include <poll.h>
#include <time.h>

#include <libxl_event.h>

#include "testev.h"
#include "testmain.h"

libxl_event *testev_wait(libxl_ctx *ctx, uint64_t mask, int ms)
{
    uint64_t deadline = test_now_ms() + (uint64_t)ms;
    int fd;

    ck_assert_int_eq(libxl_osevent_fd(ctx, &fd), 0);
    for (;;) {
        libxl_event *ev = NULL;
        int r = libxl_event_check(ctx, &ev, mask, NULL, NULL);
        if (!r) return ev;
        ck_assert_int_eq(r, ERROR_NOT_READY);
        uint64_t now = test_now_ms();
        if (now >= deadline) return NULL;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, (int)(deadline - now));
        ck_assert_int_eq(libxl_osevent_dispatch(ctx), 0);
    }
}

bool testev_drive_until(libxl_ctx *ctx, bool (*done)(void), int ms)
{
    uint64_t deadline = test_now_ms() + (uint64_t)ms;
    int fd;

    ck_assert_int_eq(libxl_osevent_fd(ctx, &fd), 0);
    while (!done()) {
        uint64_t now = test_now_ms();
        if (now >= deadline) return false;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, (int)(deadline - now));
        ck_assert_int_eq(libxl_osevent_dispatch(ctx), 0);
    }
    return true;
}
