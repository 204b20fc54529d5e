/*
 * base/timeheap.h: the intrusive min-heap of monotonic-ns deadlines (FIFO on
 * ties) and the wall-clock <-> monotonic conversions used at the API boundary.
 * Owns no timer callbacks and no clock state.
 */
#ifndef LIGHTCORE_BASE_TIMEHEAP_H
#define LIGHTCORE_BASE_TIMEHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/*
 * An entry is embedded in the caller's struct; the heap stores pointers to
 * entries and never allocates or frees them. Fields are read-only for the
 * caller (deadline_ns may be read while active). index is the entry's
 * position in the heap, LIBXL__TIMEHEAP_NONE when not in any heap. An
 * entry is in at most one heap at a time, and an active entry must not be
 * freed or moved in memory.
 *
 * Order: earliest deadline_ns first; among equal deadlines, the one
 * inserted first (seq, taken from the heap's counter at insert time).
 *
 * Not thread-safe: the owner serialises every call (the ctx lock).
 */
#define LIBXL__TIMEHEAP_NONE ((size_t)-1)

typedef struct libxl__timeheap_entry {
    uint64_t deadline_ns;
    uint64_t seq;
    size_t index;
} libxl__timeheap_entry;

typedef struct libxl__timeheap {
    /* all private */
    libxl__timeheap_entry **v;
    size_t n, cap;
    uint64_t next_seq;
} libxl__timeheap;

/* Empty heap; allocates nothing, cannot fail. */
void libxl__timeheap_init(libxl__timeheap *h);
/* Frees the array only. Entries still in the heap are NOT touched (their
 * index stays set): the caller re-initialises them if it reuses them.
 * Afterwards h is empty and may be used again. */
void libxl__timeheap_dispose(libxl__timeheap *h);

/* index = NONE (deadline and seq zeroed). */
void libxl__timeheap_entry_init(libxl__timeheap_entry *e);
/* True while e is in a heap. */
bool libxl__timeheap_entry_active(const libxl__timeheap_entry *e);

/* Add e (initialised, not active) with the given deadline. O(log n),
 * amortised. Returns 0, or -1 with errno ENOMEM (out of memory) or EINVAL
 * (e already active), changing nothing. */
int libxl__timeheap_insert(libxl__timeheap *h, libxl__timeheap_entry *e,
                           uint64_t deadline_ns);
/* Take e out of h (its index becomes NONE). No-op if e is not active.
 * e, if active, must be in h (asserted). O(log n). */
void libxl__timeheap_remove(libxl__timeheap *h, libxl__timeheap_entry *e);
/* The earliest entry, left in the heap, or NULL if empty. O(1). */
libxl__timeheap_entry *libxl__timeheap_peek(const libxl__timeheap *h);
/* The earliest entry if its deadline_ns <= now_ns, removed from the heap
 * (inactive on return), else NULL. O(log n). */
libxl__timeheap_entry *libxl__timeheap_pop_due(libxl__timeheap *h,
                                               uint64_t now_ns);
/* Number of entries in h. */
size_t libxl__timeheap_count(const libxl__timeheap *h);

/* CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t libxl__clock_now_ns(void);

/*
 * Clock conversions. Both take one simultaneous sample of the two clocks
 * (now_wall, now_mono_ns) and shift by the difference, with saturating
 * arithmetic: no input, however large, negative or unnormalised (tv_usec
 * outside [0, 1e6)), overflows.
 *
 * libxl__timeval_to_mono_ns: the monotonic deadline for the wall-clock
 * deadline abs_wall, clamped to [0, UINT64_MAX]. A deadline in the past
 * maps to <= now_mono_ns (keeping how far in the past, down to 0); one at
 * now_wall maps to exactly now_mono_ns.
 *
 * libxl__mono_ns_to_timeval: the wall-clock struct timeval for a monotonic
 * deadline, normalised (tv_usec in [0, 1e6)), tv_sec clamped to the range
 * of time_t. Nanoseconds are rounded UP to whole microseconds, so an
 * application timer set to the result never fires before the monotonic
 * deadline: timeval_to_mono_ns(mono_ns_to_timeval(d, m, w), w, m) >= d
 * (unless clamped).
 */
uint64_t libxl__timeval_to_mono_ns(struct timeval abs_wall,
                                   struct timeval now_wall,
                                   uint64_t now_mono_ns);
struct timeval libxl__mono_ns_to_timeval(uint64_t deadline_ns,
                                         uint64_t now_mono_ns,
                                         struct timeval now_wall);

/* Milliseconds from now_ns until deadline_ns for poll(): 0 if due
 * (deadline_ns <= now_ns), else rounded UP (so a poll never returns before
 * the deadline), clamped to INT_MAX. */
int libxl__ms_until(uint64_t deadline_ns, uint64_t now_ns);

#endif /* LIGHTCORE_BASE_TIMEHEAP_H */
