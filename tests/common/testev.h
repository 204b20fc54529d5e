/*
 * testev.h: waiting for a library event in a test, driving the ctx through
 * its single pollable fd (libxl_osevent_fd / libxl_osevent_dispatch), with a
 * bounded deadline.
 */
#ifndef TESTEV_H
#define TESTEV_H

#include <stdbool.h>
#include <stdint.h>
#include <libxl.h>

/* The first queued event whose type is in mask, waiting up to ms; NULL at
 * the deadline. The caller owns (and frees) the event. */
libxl_event *testev_wait(libxl_ctx *ctx, uint64_t mask, int ms);

/* Drive ctx until done() is true (checked before each wait), up to ms:
 * true, or false at the deadline. */
bool testev_drive_until(libxl_ctx *ctx, bool (*done)(void), int ms);

#endif
