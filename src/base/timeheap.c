/*
 * base/timeheap.c: the intrusive deadline heap and the monotonic/wall-clock
 * conversions (contracts in base/timeheap.h). Owns only the heap's pointer
 * array; never allocates, frees or calls back into the entries.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "base/timeheap.h"

#define INITIAL_CAP 16
#define NS_PER_US UINT64_C(1000)
#define US_PER_S INT64_C(1000000)
#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_S UINT64_C(1000000000)

/* ------------------------------------------------------------------ heap */

/* a goes before b */
static inline bool before(const libxl__timeheap_entry *a,
                          const libxl__timeheap_entry *b)
{
    if (a->deadline_ns != b->deadline_ns)
        return a->deadline_ns < b->deadline_ns;
    return a->seq < b->seq;
}

static inline void place(libxl__timeheap *h, size_t i, libxl__timeheap_entry *e)
{
    h->v[i] = e;
    e->index = i;
}

/* Move e, destined for the hole at i, up to where it belongs. */
static void sift_up(libxl__timeheap *h, size_t i, libxl__timeheap_entry *e)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(e, h->v[parent]))
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, e);
}

/* Move e, destined for the hole at i, down to where it belongs. */
static void sift_down(libxl__timeheap *h, size_t i, libxl__timeheap_entry *e)
{
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && before(h->v[child + 1], h->v[child]))
            child++;
        if (!before(h->v[child], e))
            break;
        place(h, i, h->v[child]);
        i = child;
    }
    place(h, i, e);
}

void libxl__timeheap_init(libxl__timeheap *h)
{
    h->v = NULL;
    h->n = 0;
    h->cap = 0;
    h->next_seq = 0;
}

void libxl__timeheap_dispose(libxl__timeheap *h)
{
    free(h->v);
    libxl__timeheap_init(h);
}

void libxl__timeheap_entry_init(libxl__timeheap_entry *e)
{
    e->deadline_ns = 0;
    e->seq = 0;
    e->index = LIBXL__TIMEHEAP_NONE;
}

bool libxl__timeheap_entry_active(const libxl__timeheap_entry *e)
{
    return e->index != LIBXL__TIMEHEAP_NONE;
}

int libxl__timeheap_insert(libxl__timeheap *h, libxl__timeheap_entry *e,
                           uint64_t deadline_ns)
{
    if (libxl__timeheap_entry_active(e)) {
        errno = EINVAL;
        return -1;
    }
    if (h->n == h->cap) {
        size_t ncap = h->cap ? h->cap * 2 : INITIAL_CAP;
        libxl__timeheap_entry **nv = NULL;
        if (ncap > h->cap && ncap <= SIZE_MAX / sizeof(*nv))
            nv = realloc(h->v, ncap * sizeof(*nv));
        if (!nv) {
            errno = ENOMEM;
            return -1;
        }
        h->v = nv;
        h->cap = ncap;
    }
    e->deadline_ns = deadline_ns;
    e->seq = h->next_seq++;
    h->n++;
    sift_up(h, h->n - 1, e);
    return 0;
}

void libxl__timeheap_remove(libxl__timeheap *h, libxl__timeheap_entry *e)
{
    if (!libxl__timeheap_entry_active(e))
        return;
    size_t i = e->index;
    assert(i < h->n && h->v[i] == e);

    libxl__timeheap_entry *last = h->v[--h->n];
    e->index = LIBXL__TIMEHEAP_NONE;
    if (last == e)
        return;
    /* last fills the hole at i: it may need to go either way. */
    if (i > 0 && before(last, h->v[(i - 1) / 2]))
        sift_up(h, i, last);
    else
        sift_down(h, i, last);
}

libxl__timeheap_entry *libxl__timeheap_peek(const libxl__timeheap *h)
{
    return h->n ? h->v[0] : NULL;
}

libxl__timeheap_entry *libxl__timeheap_pop_due(libxl__timeheap *h,
                                               uint64_t now_ns)
{
    libxl__timeheap_entry *e = libxl__timeheap_peek(h);
    if (!e || e->deadline_ns > now_ns)
        return NULL;
    libxl__timeheap_remove(h, e);
    return e;
}

size_t libxl__timeheap_count(const libxl__timeheap *h)
{
    return h->n;
}

/* ------------------------------------------------------------- clocks */

uint64_t libxl__clock_now_ns(void)
{
    struct timespec ts;
    /* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
    int r = clock_gettime(CLOCK_MONOTONIC, &ts);
    assert(r == 0);
    (void)r;
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t sat_mul(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
    return r;
}

/* a timeval as microseconds since the epoch (saturating) */
static int64_t tv_to_us(struct timeval tv)
{
    return sat_add(sat_mul((int64_t)tv.tv_sec, US_PER_S),
                   (int64_t)tv.tv_usec);
}

/* floor(a / b) for b > 0 */
static int64_t div_floor(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

uint64_t libxl__timeval_to_mono_ns(struct timeval abs_wall,
                                   struct timeval now_wall,
                                   uint64_t now_mono_ns)
{
    int64_t delta_us = sat_sub(tv_to_us(abs_wall), tv_to_us(now_wall));

    if (delta_us >= 0) {
        uint64_t us = (uint64_t)delta_us;
        if (us > (UINT64_MAX - now_mono_ns) / NS_PER_US)
            return UINT64_MAX;
        return now_mono_ns + us * NS_PER_US;
    }
    /* |delta_us| without overflowing on INT64_MIN */
    uint64_t us = (uint64_t)(-(delta_us + 1)) + 1;
    if (us > now_mono_ns / NS_PER_US)
        return 0;
    return now_mono_ns - us * NS_PER_US;
}

struct timeval libxl__mono_ns_to_timeval(uint64_t deadline_ns,
                                         uint64_t now_mono_ns,
                                         struct timeval now_wall)
{
    int64_t delta_us;
    if (deadline_ns >= now_mono_ns) {
        uint64_t d = deadline_ns - now_mono_ns;
        /* round up; d / 1000 < INT64_MAX always */
        delta_us = (int64_t)(d / 1000 + (d % 1000 != 0));
    } else {
        uint64_t d = now_mono_ns - deadline_ns;
        /* -(d / 1000) rounded up towards +infinity is -floor(d / 1000) */
        delta_us = -(int64_t)(d / 1000);
    }

    int64_t us = sat_add(tv_to_us(now_wall), delta_us);
    int64_t sec = div_floor(us, US_PER_S);
    int64_t usec = us % US_PER_S;          /* us - sec * 1e6, which may */
    if (usec < 0)                          /* overflow at INT64_MIN */
        usec += US_PER_S;

    /* clamp tv_sec to time_t (which is signed on every Linux ABI) */
    const int64_t tmax = sizeof(time_t) >= sizeof(int64_t)
        ? INT64_MAX : (int64_t)INT32_MAX;
    const int64_t tmin = -tmax - 1;
    struct timeval tv;
    if (sec > tmax) {
        tv.tv_sec = (time_t)tmax;
        tv.tv_usec = US_PER_S - 1;
    } else if (sec < tmin) {
        tv.tv_sec = (time_t)tmin;
        tv.tv_usec = 0;
    } else {
        tv.tv_sec = (time_t)sec;
        tv.tv_usec = (suseconds_t)usec;
    }
    return tv;
}

int libxl__ms_until(uint64_t deadline_ns, uint64_t now_ns)
{
    if (deadline_ns <= now_ns)
        return 0;
    uint64_t d = deadline_ns - now_ns;
    uint64_t ms = d / NS_PER_MS + (d % NS_PER_MS != 0);
    return ms > (uint64_t)INT_MAX ? INT_MAX : (int)ms;
}
