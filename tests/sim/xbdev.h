/*
 * xbdev.h: what the simulated device drivers share (backend.c in dom0,
 * frontend.c in guests): xenbus states, strict reads of xenstore values
 * (they may come from a guest), directory listings, and "guarded" writes
 * that land only while the device's directory still exists, in one
 * transaction, as Linux's xenbus_switch_state does.
 */
#ifndef XENSIM_XBDEV_H
#define XENSIM_XBDEV_H

#include <stdbool.h>
#include <stddef.h>

#include "xsclient.h"

enum xb_state {
    XB_UNKNOWN = 0, XB_INITIALISING = 1, XB_INITWAIT = 2, XB_INITIALISED = 3,
    XB_CONNECTED = 4, XB_CLOSING = 5, XB_CLOSED = 6, XB_RECONFIGURING = 7,
    XB_RECONFIGURED = 8,
};

/* One key and its value. */
struct xb_kv {
    const char *key, *value;
};

/* Read path as a decimal integer in [0, max]; 0, ENOENT, EINVAL (not a
 * number, out of range) or the xenstore errno. */
int xb_read_uint(struct xsc *c, const char *path, unsigned max, unsigned *out);
/* A device state node: its state, XB_UNKNOWN if absent or malformed (as
 * xenbus_read_driver_state). *exists (if not NULL) says whether it exists. */
int xb_read_state(struct xsc *c, const char *path, bool *exists);
/* List a directory: *names is one allocation of *n NUL-terminated strings
 * (free(*names)); 0 or errno (ENOENT when absent). */
int xb_list(struct xsc *c, const char *path, char **names, unsigned *n);
/* In one transaction, when dir/state still exists: write every kv under
 * dir, then dir/state = state (state < 0: leave it). 0, ENOENT (the
 * device is gone: nothing written) or errno. */
int xb_guarded_write(struct xsc *c, const char *dir, const struct xb_kv *kv, size_t n,
                     int state);
/* The same, only if dir/state still holds expect when the transaction
 * reads it (a malformed value reads as XB_UNKNOWN): else nothing is
 * written and the answer is ESTALE (somebody else switched the state
 * since the caller looked; the watch event of that write is on its way). */
int xb_guarded_switch(struct xsc *c, const char *dir, const struct xb_kv *kv, size_t n,
                      int expect, int state);
int xb_unwatch(struct xsc *c, const char *path, const char *token);
/* Is s a plain decimal number that fits in max? */
bool xb_parse_uint(const char *s, unsigned max, unsigned *out);
/* Is s a device kind name libxl could write (lower case, digits, _)? */
bool xb_kind_ok(const char *s);

#endif
