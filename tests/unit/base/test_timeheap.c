/*
 * test_timeheap.c: unit tests of the deadline heap and the clock
 * conversions (src/base/timeheap.c): ordering with FIFO ties, cancellation,
 * removal anywhere, pop_due, the heap invariant, saturation and rounding.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "base/timeheap.h"
#include "testmain.h"

/* For hot loops: Check's ck_assert_* report every passing call to the
 * parent process, which is slow over many iterations. */
#define CHECK(c) do { \
        if (!(c)) ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #c); \
    } while (0)

static uint64_t rng_state;
static void rng_seed(uint64_t s) { rng_state = s ? s : 1; }
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

/* A caller struct with an embedded entry. */
typedef struct timer {
    int id;
    uint64_t order;          /* our own insertion counter */
    bool cancelled;
    libxl__timeheap_entry e;
} timer;

#define TIMER_OF(ep) ((timer *)((char *)(ep) - offsetof(timer, e)))

/* Full invariant: positions, back-pointers, parent-before-child. */
static void check_heap(const libxl__timeheap *h)
{
    CHECK(h->n <= h->cap);
    CHECK(libxl__timeheap_count(h) == h->n);
    for (size_t i = 0; i < h->n; i++) {
        const libxl__timeheap_entry *e = h->v[i];
        CHECK(e->index == i);
        if (i > 0) {
            const libxl__timeheap_entry *p = h->v[(i - 1) / 2];
            CHECK(p->deadline_ns < e->deadline_ns ||
                  (p->deadline_ns == e->deadline_ns && p->seq < e->seq));
        }
    }
    CHECK(libxl__timeheap_peek(h) == (h->n ? h->v[0] : NULL));
}

TEST(empty_heap, 60)
{
    libxl__timeheap h;
    libxl__timeheap_entry e;

    libxl__timeheap_init(&h);
    libxl__timeheap_entry_init(&e);
    ck_assert(!libxl__timeheap_entry_active(&e));
    ck_assert_ptr_null(libxl__timeheap_peek(&h));
    ck_assert_ptr_null(libxl__timeheap_pop_due(&h, UINT64_MAX));
    libxl__timeheap_remove(&h, &e);            /* not active: no-op */
    ck_assert(!libxl__timeheap_entry_active(&e));
    check_heap(&h);
    libxl__timeheap_dispose(&h);
    libxl__timeheap_dispose(&h);               /* idempotent */
}

TEST(insert_active_is_refused, 60)
{
    libxl__timeheap h;
    libxl__timeheap_entry e;

    libxl__timeheap_init(&h);
    libxl__timeheap_entry_init(&e);
    ck_assert_int_eq(libxl__timeheap_insert(&h, &e, 100), 0);
    ck_assert(libxl__timeheap_entry_active(&e));
    errno = 0;
    ck_assert_int_eq(libxl__timeheap_insert(&h, &e, 50), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_uint_eq(e.deadline_ns, 100);
    ck_assert_uint_eq(libxl__timeheap_count(&h), 1);
    check_heap(&h);
    libxl__timeheap_dispose(&h);
}

/* 10,000 timers, random deadlines with many ties, ~30% cancelled. */
TEST(ten_thousand_in_order_with_cancellations, 60)
{
    enum { N = 10000 };
    timer *t = calloc(N, sizeof(*t));
    libxl__timeheap h;
    size_t expected = 0;

    ck_assert_ptr_nonnull(t);
    libxl__timeheap_init(&h);
    rng_seed(12345);
    for (int i = 0; i < N; i++) {
        t[i].id = i;
        t[i].order = (uint64_t)i;
        libxl__timeheap_entry_init(&t[i].e);
        /* 1,000 distinct deadlines: ~10 timers share each */
        CHECK(libxl__timeheap_insert(&h, &t[i].e, 1000000 + (rng() % 1000) * 7) == 0);
        /* cancel some earlier timers as we go */
        if (i > 0 && rng() % 10 < 3) {
            timer *c = &t[rng() % (size_t)i];
            if (!c->cancelled) {
                libxl__timeheap_remove(&h, &c->e);
                CHECK(!libxl__timeheap_entry_active(&c->e));
                c->cancelled = true;
            }
        }
    }
    for (int i = 0; i < N; i++)
        expected += !t[i].cancelled;
    ck_assert_uint_eq(libxl__timeheap_count(&h), expected);
    check_heap(&h);

    size_t out = 0;
    timer *prev = NULL;
    libxl__timeheap_entry *e;
    while ((e = libxl__timeheap_pop_due(&h, UINT64_MAX))) {
        timer *x = TIMER_OF(e);
        CHECK(!x->cancelled);
        CHECK(!libxl__timeheap_entry_active(e));
        if (prev) {
            CHECK(prev->e.deadline_ns <= x->e.deadline_ns);
            if (prev->e.deadline_ns == x->e.deadline_ns)
                CHECK(prev->order < x->order);          /* FIFO */
        }
        x->cancelled = true;                            /* out once only */
        prev = x;
        out++;
    }
    ck_assert_uint_eq(out, expected);
    ck_assert_uint_eq(libxl__timeheap_count(&h), 0);
    libxl__timeheap_dispose(&h);
    free(t);
}

TEST(remove_root_leaf_last, 60)
{
    enum { N = 31 };
    timer t[N];
    libxl__timeheap h;

    libxl__timeheap_init(&h);
    for (int i = 0; i < N; i++) {
        t[i].id = i;
        libxl__timeheap_entry_init(&t[i].e);
        /* reverse order, so every insert sifts up */
        ck_assert_int_eq(libxl__timeheap_insert(&h, &t[i].e, (uint64_t)(N - i) * 10), 0);
        check_heap(&h);
    }
    /* root: the earliest */
    libxl__timeheap_entry *root = libxl__timeheap_peek(&h);
    ck_assert_ptr_eq(root, &t[N - 1].e);
    libxl__timeheap_remove(&h, root);
    ck_assert(!libxl__timeheap_entry_active(root));
    check_heap(&h);
    ck_assert_ptr_eq(libxl__timeheap_peek(&h), &t[N - 2].e);

    /* a leaf that is not the last element */
    libxl__timeheap_entry *leaf = h.v[h.n / 2];
    ck_assert_ptr_ne(leaf, h.v[h.n - 1]);
    libxl__timeheap_remove(&h, leaf);
    ck_assert(!libxl__timeheap_entry_active(leaf));
    check_heap(&h);

    /* the last element of the array */
    libxl__timeheap_entry *last = h.v[h.n - 1];
    size_t n = h.n;
    libxl__timeheap_remove(&h, last);
    ck_assert_uint_eq(h.n, n - 1);
    ck_assert(!libxl__timeheap_entry_active(last));
    check_heap(&h);

    /* an inner node whose replacement must move UP: build that case */
    libxl__timeheap h2;
    timer u[7];
    uint64_t dl[7] = { 1, 100, 2, 101, 102, 3, 4 };
    libxl__timeheap_init(&h2);
    for (int i = 0; i < 7; i++) {
        libxl__timeheap_entry_init(&u[i].e);
        ck_assert_int_eq(libxl__timeheap_insert(&h2, &u[i].e, dl[i]), 0);
    }
    check_heap(&h2);
    /* the last element (deadline 4) replaces a node under the 100 branch */
    libxl__timeheap_entry *victim = NULL;
    for (size_t i = 0; i < h2.n; i++)
        if (h2.v[i]->deadline_ns == 101)
            victim = h2.v[i];
    ck_assert_ptr_nonnull(victim);
    libxl__timeheap_remove(&h2, victim);
    check_heap(&h2);

    /* remove everything else, one by one, from the middle */
    while (h.n) {
        libxl__timeheap_remove(&h, h.v[h.n / 3]);
        check_heap(&h);
    }
    while (h2.n) {
        libxl__timeheap_remove(&h2, h2.v[h2.n / 2]);
        check_heap(&h2);
    }
    libxl__timeheap_dispose(&h);
    libxl__timeheap_dispose(&h2);
}

TEST(reinsert_after_remove, 60)
{
    timer a, b, c;
    libxl__timeheap h;

    libxl__timeheap_init(&h);
    libxl__timeheap_entry_init(&a.e);
    libxl__timeheap_entry_init(&b.e);
    libxl__timeheap_entry_init(&c.e);
    ck_assert_int_eq(libxl__timeheap_insert(&h, &a.e, 50), 0);
    ck_assert_int_eq(libxl__timeheap_insert(&h, &b.e, 50), 0);
    ck_assert_int_eq(libxl__timeheap_insert(&h, &c.e, 70), 0);
    ck_assert_ptr_eq(libxl__timeheap_peek(&h), &a.e);

    libxl__timeheap_remove(&h, &a.e);
    libxl__timeheap_remove(&h, &a.e);          /* second remove: no-op */
    ck_assert_uint_eq(libxl__timeheap_count(&h), 2);
    /* same deadline again: now queued behind b (FIFO by insertion) */
    ck_assert_int_eq(libxl__timeheap_insert(&h, &a.e, 50), 0);
    check_heap(&h);
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, 100), &b.e);
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, 100), &a.e);
    /* earlier deadline on re-insert moves it to the front */
    ck_assert_int_eq(libxl__timeheap_insert(&h, &a.e, 10), 0);
    ck_assert_ptr_eq(libxl__timeheap_peek(&h), &a.e);
    /* a popped entry may be re-inserted too */
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, 10), &a.e);
    ck_assert_int_eq(libxl__timeheap_insert(&h, &a.e, 80), 0);
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, 100), &c.e);
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, 100), &a.e);
    ck_assert_ptr_null(libxl__timeheap_pop_due(&h, 100));
    libxl__timeheap_dispose(&h);
}

TEST(pop_due_respects_now, 60)
{
    timer t[5];
    uint64_t dl[5] = { 300, 100, 200, 200, 500 };
    libxl__timeheap h;

    libxl__timeheap_init(&h);
    for (int i = 0; i < 5; i++) {
        libxl__timeheap_entry_init(&t[i].e);
        ck_assert_int_eq(libxl__timeheap_insert(&h, &t[i].e, dl[i]), 0);
    }
    ck_assert_ptr_null(libxl__timeheap_pop_due(&h, 0));
    ck_assert_ptr_null(libxl__timeheap_pop_due(&h, 99));
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, 100), &t[1].e);  /* == now */
    ck_assert_ptr_null(libxl__timeheap_pop_due(&h, 199));
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, 250), &t[2].e);
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, 250), &t[3].e);
    ck_assert_ptr_null(libxl__timeheap_pop_due(&h, 250));
    ck_assert_uint_eq(libxl__timeheap_count(&h), 2);
    ck_assert_ptr_eq(libxl__timeheap_peek(&h), &t[0].e);
    ck_assert(libxl__timeheap_entry_active(&t[0].e));
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, UINT64_MAX), &t[0].e);
    ck_assert_ptr_eq(libxl__timeheap_pop_due(&h, UINT64_MAX), &t[4].e);
    ck_assert_ptr_null(libxl__timeheap_pop_due(&h, UINT64_MAX));
    libxl__timeheap_dispose(&h);
}

/* Random insert / remove / pop_due / re-insert against a model, with the
 * full invariant checked after every operation. */
TEST(randomized_with_invariant, 60)
{
    enum { M = 200, OPS = 20000 };
    static timer t[M];
    libxl__timeheap h;
    uint64_t now = 0;
    size_t active = 0;

    libxl__timeheap_init(&h);
    for (int i = 0; i < M; i++) {
        t[i].id = i;
        libxl__timeheap_entry_init(&t[i].e);
    }
    rng_seed(2024);
    for (int op = 0; op < OPS; op++) {
        timer *x = &t[rng() % M];
        switch (rng() % 4) {
        case 0: case 1:
            if (!libxl__timeheap_entry_active(&x->e)) {
                CHECK(libxl__timeheap_insert(&h, &x->e, now + rng() % 64) == 0);
                active++;
            } else {
                CHECK(libxl__timeheap_insert(&h, &x->e, 0) == -1);
            }
            break;
        case 2:
            if (libxl__timeheap_entry_active(&x->e))
                active--;
            libxl__timeheap_remove(&h, &x->e);
            CHECK(!libxl__timeheap_entry_active(&x->e));
            break;
        case 3: {
            now += rng() % 8;
            libxl__timeheap_entry *min = libxl__timeheap_peek(&h);
            libxl__timeheap_entry *e = libxl__timeheap_pop_due(&h, now);
            if (min && min->deadline_ns <= now) {
                CHECK(e == min);
                CHECK(!libxl__timeheap_entry_active(e));
                active--;
            } else {
                CHECK(e == NULL);
            }
            break;
        }
        }
        CHECK(libxl__timeheap_count(&h) == active);
        check_heap(&h);
    }
    /* every entry in the model is in the heap and vice versa */
    size_t n = 0;
    for (int i = 0; i < M; i++)
        if (libxl__timeheap_entry_active(&t[i].e)) {
            CHECK(h.v[t[i].e.index] == &t[i].e);
            n++;
        }
    ck_assert_uint_eq(n, h.n);
    libxl__timeheap_dispose(&h);
}

/* ------------------------------------------------------------- clocks */

static struct timeval tv(time_t s, suseconds_t us)
{
    struct timeval r = { .tv_sec = s, .tv_usec = us };
    return r;
}

#define NOW_MONO UINT64_C(5000000000000)   /* 5000 s after boot */
#define NOW_WALL tv(1700000000, 250000)

TEST(timeval_to_mono, 30)
{
    /* now maps to now */
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(NOW_WALL, NOW_WALL, NOW_MONO), NOW_MONO);
    /* future */
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv(1700000001, 750000), NOW_WALL, NOW_MONO),
                      NOW_MONO + UINT64_C(1500000000));
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv(1700000000, 250001), NOW_WALL, NOW_MONO),
                      NOW_MONO + 1000);
    /* past: before now, keeping the distance */
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv(1699999998, 250000), NOW_WALL, NOW_MONO),
                      NOW_MONO - UINT64_C(2000000000));
    /* far past (the epoch, {0,0}, negative): saturates at 0 */
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv(0, 0), NOW_WALL, NOW_MONO), 0);
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv(-5, 0), NOW_WALL, NOW_MONO), 0);
    /* unnormalised usec */
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv(1700000000, 2250000), NOW_WALL, NOW_MONO),
                      NOW_MONO + UINT64_C(2000000000));
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv(1700000001, -750000), NOW_WALL, NOW_MONO),
                      NOW_MONO);
    /* far future: saturates */
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv((time_t)INT64_C(100000000000), 0),
                                                NOW_WALL, NOW_MONO), UINT64_MAX);
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv((time_t)INT64_MAX, 999999),
                                                NOW_WALL, NOW_MONO), UINT64_MAX);
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv((time_t)INT64_MAX, 0),
                                                tv((time_t)INT64_MIN, 0), 1), UINT64_MAX);
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv((time_t)INT64_MIN, -999999),
                                                tv((time_t)INT64_MAX, 999999),
                                                UINT64_MAX), 0);
    ck_assert_uint_eq(libxl__timeval_to_mono_ns(tv(10, 0), tv(0, 0), UINT64_MAX - 5),
                      UINT64_MAX);
    /* past deadlines never map after now, for any now */
    ck_assert_uint_le(libxl__timeval_to_mono_ns(tv(1, 0), tv(2, 0), 3), 3);
    /* monotone in the wall deadline */
    rng_seed(5);
    uint64_t prev = 0;
    for (int i = 0; i < 10000; i++) {
        time_t s = 1699999000 + (time_t)i / 5;
        uint64_t m = libxl__timeval_to_mono_ns(tv(s, (suseconds_t)(i % 5) * 200000),
                                               NOW_WALL, NOW_MONO);
        CHECK(m >= prev);
        prev = m;
    }
}

TEST(mono_to_timeval, 30)
{
    struct timeval r;

    r = libxl__mono_ns_to_timeval(NOW_MONO, NOW_MONO, NOW_WALL);
    ck_assert_int_eq(r.tv_sec, 1700000000);
    ck_assert_int_eq(r.tv_usec, 250000);
    /* rounded up to whole microseconds */
    r = libxl__mono_ns_to_timeval(NOW_MONO + 1, NOW_MONO, NOW_WALL);
    ck_assert_int_eq(r.tv_usec, 250001);
    r = libxl__mono_ns_to_timeval(NOW_MONO + 1000, NOW_MONO, NOW_WALL);
    ck_assert_int_eq(r.tv_usec, 250001);
    r = libxl__mono_ns_to_timeval(NOW_MONO + 1001, NOW_MONO, NOW_WALL);
    ck_assert_int_eq(r.tv_usec, 250002);
    /* carry into seconds */
    r = libxl__mono_ns_to_timeval(NOW_MONO + UINT64_C(1750000000), NOW_MONO, NOW_WALL);
    ck_assert_int_eq(r.tv_sec, 1700000002);
    ck_assert_int_eq(r.tv_usec, 0);
    /* past: borrow from seconds, still rounded towards later */
    r = libxl__mono_ns_to_timeval(NOW_MONO - UINT64_C(300000500), NOW_MONO, NOW_WALL);
    ck_assert_int_eq(r.tv_sec, 1699999999);
    ck_assert_int_eq(r.tv_usec, 950000);
    r = libxl__mono_ns_to_timeval(0, NOW_MONO, NOW_WALL);
    ck_assert_int_eq(r.tv_sec, 1700000000 - 5000);
    ck_assert_int_eq(r.tv_usec, 250000);
    /* far future: fits in 64-bit time_t, saturates if it cannot */
    r = libxl__mono_ns_to_timeval(UINT64_MAX, 0, tv(0, 0));
    ck_assert_int_eq(r.tv_sec, (time_t)(UINT64_MAX / 1000000000));
    ck_assert(r.tv_usec >= 0 && r.tv_usec < 1000000);
    r = libxl__mono_ns_to_timeval(UINT64_MAX, 0, tv((time_t)INT64_MAX, 999999));
    ck_assert(r.tv_sec > 0);
    ck_assert(r.tv_usec >= 0 && r.tv_usec < 1000000);
    r = libxl__mono_ns_to_timeval(0, UINT64_MAX, tv((time_t)INT64_MIN, 0));
    ck_assert(r.tv_sec < 0);
    ck_assert(r.tv_usec >= 0 && r.tv_usec < 1000000);

    /* round trip never earlier than the deadline, and within 1 us */
    rng_seed(77);
    for (int i = 0; i < 100000; i++) {
        uint64_t now_mono = (UINT64_C(1) << 44) + rng() % (UINT64_C(1) << 50);
        struct timeval now_wall = tv((time_t)(1000000000 + rng() % 1000000000),
                                     (suseconds_t)(rng() % 1000000));
        uint64_t d = now_mono + (rng() % (UINT64_C(1) << 45)) - (UINT64_C(1) << 44);
        struct timeval w = libxl__mono_ns_to_timeval(d, now_mono, now_wall);
        CHECK(w.tv_usec >= 0 && w.tv_usec < 1000000);
        uint64_t back = libxl__timeval_to_mono_ns(w, now_wall, now_mono);
        CHECK(back >= d);
        CHECK(back - d < 1000);
    }
}

TEST(ms_until, 30)
{
    ck_assert_int_eq(libxl__ms_until(100, 200), 0);     /* past */
    ck_assert_int_eq(libxl__ms_until(200, 200), 0);     /* due now */
    ck_assert_int_eq(libxl__ms_until(0, UINT64_MAX), 0);
    ck_assert_int_eq(libxl__ms_until(201, 200), 1);     /* 1 ns -> 1 ms */
    ck_assert_int_eq(libxl__ms_until(1000000, 0), 1);
    ck_assert_int_eq(libxl__ms_until(1000001, 0), 2);
    ck_assert_int_eq(libxl__ms_until(1999999, 0), 2);
    ck_assert_int_eq(libxl__ms_until(UINT64_C(2500000000), UINT64_C(500000000)), 2000);
    ck_assert_int_eq(libxl__ms_until((uint64_t)INT_MAX * 1000000, 0), INT_MAX);
    ck_assert_int_eq(libxl__ms_until((uint64_t)INT_MAX * 1000000 + 1, 0), INT_MAX);
    ck_assert_int_eq(libxl__ms_until((uint64_t)(INT_MAX - 1) * 1000000, 0), INT_MAX - 1);
    ck_assert_int_eq(libxl__ms_until(UINT64_MAX, 0), INT_MAX);
}

TEST(clock_now, 30)
{
    struct timespec ts;
    uint64_t a = libxl__clock_now_ns();
    ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    uint64_t b = libxl__clock_now_ns();
    uint64_t mid = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    ck_assert_uint_gt(a, 0);
    ck_assert_uint_le(a, mid);
    ck_assert_uint_le(mid, b);
    uint64_t prev = b;
    for (int i = 0; i < 10000; i++) {
        uint64_t n = libxl__clock_now_ns();
        CHECK(n >= prev);
        prev = n;
    }
}
