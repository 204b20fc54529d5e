/*
 * test_handles.c: unit tests of the generation-checked handle table
 * (src/base/handles.c): liveness, staleness after release and slot reuse,
 * foreign and garbage tokens, growth, counts, and concurrent generations.
 */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/handles.h"
#include "testmain.h"

#define INDEX_OF(tok) ((uintptr_t)(tok) & (LIBXL__HTAB_MAX_SLOTS - 1))
#define GEN_OF(tok) ((uintptr_t)(tok) >> LIBXL__HTAB_INDEX_BITS)

/* Deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng_state;
static void rng_seed(uint64_t s) { rng_state = s ? s : 1; }
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

/* For hot loops: Check's ck_assert_* report every passing call to the
 * parent process, which is slow over millions of iterations. */
#define CHECK(c) do { \
        if (!(c)) ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #c); \
    } while (0)

static int objs[4];

TEST(alloc_lookup_release, 60)
{
    libxl__handle_table t;
    void *a, *b, *c;

    libxl__htab_init(&t);
    ck_assert_uint_eq(libxl__htab_count(&t), 0);
    ck_assert_int_eq(libxl__htab_alloc(&t, &objs[0], &a), 0);
    ck_assert_int_eq(libxl__htab_alloc(&t, &objs[1], &b), 0);
    ck_assert_int_eq(libxl__htab_alloc(&t, &objs[2], &c), 0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_ne(a, b);
    ck_assert_ptr_ne(b, c);
    ck_assert_ptr_ne(a, c);
    ck_assert_uint_eq(libxl__htab_count(&t), 3);

    ck_assert_ptr_eq(libxl__htab_lookup(&t, a), &objs[0]);
    ck_assert_ptr_eq(libxl__htab_lookup(&t, b), &objs[1]);
    ck_assert_ptr_eq(libxl__htab_lookup(&t, c), &objs[2]);

    libxl__htab_set(&t, b, &objs[3]);
    ck_assert_ptr_eq(libxl__htab_lookup(&t, b), &objs[3]);

    ck_assert_int_eq(libxl__htab_release(&t, b), 0);
    ck_assert_uint_eq(libxl__htab_count(&t), 2);
    ck_assert_ptr_null(libxl__htab_lookup(&t, b));
    ck_assert_int_eq(libxl__htab_release(&t, b), -1);   /* double release */
    ck_assert_uint_eq(libxl__htab_count(&t), 2);
    libxl__htab_set(&t, b, &objs[1]);                   /* stale: no effect */
    ck_assert_ptr_null(libxl__htab_lookup(&t, b));

    ck_assert_ptr_eq(libxl__htab_lookup(&t, a), &objs[0]);
    ck_assert_ptr_eq(libxl__htab_lookup(&t, c), &objs[2]);

    ck_assert_int_eq(libxl__htab_release(&t, a), 0);
    ck_assert_int_eq(libxl__htab_release(&t, c), 0);
    ck_assert_uint_eq(libxl__htab_count(&t), 0);
    libxl__htab_dispose(&t);
    ck_assert_uint_eq(libxl__htab_count(&t), 0);
}

/* A NULL object is allowed: lookup cannot tell it from stale, release can. */
TEST(null_object_detached_token, 60)
{
    libxl__handle_table t;
    void *a;

    libxl__htab_init(&t);
    ck_assert_int_eq(libxl__htab_alloc(&t, &objs[0], &a), 0);
    libxl__htab_set(&t, a, NULL);
    ck_assert_ptr_null(libxl__htab_lookup(&t, a));
    ck_assert_uint_eq(libxl__htab_count(&t), 1);
    ck_assert_int_eq(libxl__htab_release(&t, a), 0);    /* was live */
    ck_assert_int_eq(libxl__htab_release(&t, a), -1);   /* now stale */
    ck_assert_uint_eq(libxl__htab_count(&t), 0);
    libxl__htab_dispose(&t);
}

TEST(stale_after_slot_reuse, 60)
{
    libxl__handle_table t;
    void *old[1000];
    void *cur;

    libxl__htab_init(&t);
    ck_assert_int_eq(libxl__htab_alloc(&t, &objs[0], &cur), 0);
    for (int i = 0; i < 1000; i++) {
        old[i] = cur;
        ck_assert_int_eq(libxl__htab_release(&t, cur), 0);
        ck_assert_int_eq(libxl__htab_alloc(&t, &objs[1], &cur), 0);
        /* the very same slot, a new generation */
        ck_assert_uint_eq(INDEX_OF(cur), INDEX_OF(old[i]));
        ck_assert_uint_ne(GEN_OF(cur), GEN_OF(old[i]));
        ck_assert_ptr_eq(libxl__htab_lookup(&t, cur), &objs[1]);
        for (int j = 0; j <= i; j += 1 + i / 50) {
            ck_assert_ptr_null(libxl__htab_lookup(&t, old[j]));
            ck_assert_int_eq(libxl__htab_release(&t, old[j]), -1);
            libxl__htab_set(&t, old[j], &objs[2]);
        }
        ck_assert_ptr_eq(libxl__htab_lookup(&t, cur), &objs[1]);
        ck_assert_uint_eq(libxl__htab_count(&t), 1);
    }
    libxl__htab_dispose(&t);
}

TEST(foreign_tables, 60)
{
    libxl__handle_table a, b;
    void *ta[40], *tb[40];

    libxl__htab_init(&a);
    libxl__htab_init(&b);
    /* Same slot indices in both tables. */
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(libxl__htab_alloc(&a, &objs[0], &ta[i]), 0);
        ck_assert_int_eq(libxl__htab_alloc(&b, &objs[1], &tb[i]), 0);
        ck_assert_uint_eq(INDEX_OF(ta[i]), INDEX_OF(tb[i]));
    }
    for (int i = 0; i < 40; i++) {
        ck_assert_ptr_null(libxl__htab_lookup(&a, tb[i]));
        ck_assert_ptr_null(libxl__htab_lookup(&b, ta[i]));
        ck_assert_int_eq(libxl__htab_release(&a, tb[i]), -1);
        libxl__htab_set(&a, tb[i], &objs[2]);
    }
    ck_assert_uint_eq(libxl__htab_count(&a), 40);
    for (int i = 0; i < 40; i++)
        ck_assert_ptr_eq(libxl__htab_lookup(&a, ta[i]), &objs[0]);

    /* Tokens of a disposed table, and of a table whose memory is gone. */
    libxl__htab_dispose(&b);
    ck_assert_uint_eq(libxl__htab_count(&b), 0);
    libxl__handle_table *c = malloc(sizeof(*c));
    ck_assert_ptr_nonnull(c);
    void *tc[40];
    libxl__htab_init(c);
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(libxl__htab_alloc(c, &objs[3], &tc[i]), 0);
    libxl__htab_dispose(c);
    free(c);
    for (int i = 0; i < 40; i++) {
        ck_assert_ptr_null(libxl__htab_lookup(&a, tb[i]));
        ck_assert_ptr_null(libxl__htab_lookup(&a, tc[i]));
        ck_assert_ptr_null(libxl__htab_lookup(&b, tb[i]));  /* disposed */
        ck_assert_int_eq(libxl__htab_release(&a, tc[i]), -1);
    }

    /* The disposed table reinitialised: same slots, old tokens stale. */
    libxl__htab_init(&b);
    void *nb[40];
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(libxl__htab_alloc(&b, &objs[2], &nb[i]), 0);
        ck_assert_uint_eq(INDEX_OF(nb[i]), INDEX_OF(tb[i]));
    }
    for (int i = 0; i < 40; i++) {
        ck_assert_ptr_null(libxl__htab_lookup(&b, tb[i]));
        ck_assert_ptr_null(libxl__htab_lookup(&b, tc[i]));
        ck_assert_ptr_null(libxl__htab_lookup(&b, ta[i]));
        ck_assert_ptr_eq(libxl__htab_lookup(&b, nb[i]), &objs[2]);
        ck_assert_ptr_null(libxl__htab_lookup(&a, nb[i]));
    }
    ck_assert_uint_eq(libxl__htab_count(&a), 40);
    ck_assert_uint_eq(libxl__htab_count(&b), 40);
    libxl__htab_dispose(&a);
    libxl__htab_dispose(&b);
}

static void not_a_token(void) {}

TEST(null_and_garbage, 60)
{
    libxl__handle_table t, empty;
    void *live[1000];
    int stackvar = 0;
    void *heapvar = malloc(16);

    libxl__htab_init(&empty);
    libxl__htab_init(&t);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(libxl__htab_alloc(&t, &objs[i & 3], &live[i]), 0);

    const void *specials[] = {
        NULL, (void *)1, (void *)(uintptr_t)-1, &stackvar, heapvar, &t,
        (void *)(uintptr_t)not_a_token, objs, (void *)(uintptr_t)0xdeadbeef,
        /* gen all ones, index 0: far beyond any generation issued yet
         * (whereas gen 1, index 0 is legitimately the first token of the
         * process) */
        (void *)((uintptr_t)-1 << LIBXL__HTAB_INDEX_BITS),
        (void *)((uintptr_t)LIBXL__HTAB_MAX_SLOTS - 1),
    };
    for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
        ck_assert_ptr_null(libxl__htab_lookup(&t, specials[i]));
        ck_assert_ptr_null(libxl__htab_lookup(&empty, specials[i]));
        ck_assert_int_eq(libxl__htab_release(&t, specials[i]), -1);
        libxl__htab_set(&t, specials[i], &objs[0]);
    }
    /* Live tokens with the generation bits zeroed, or moved to another
     * live slot, or one generation off. */
    for (int i = 0; i < 1000; i++) {
        uintptr_t v = (uintptr_t)live[i];
        uintptr_t idx = INDEX_OF(v), gen = GEN_OF(v);
        ck_assert_ptr_null(libxl__htab_lookup(&t, (void *)idx));
        uintptr_t other = (idx + 1) % 1000;
        ck_assert_ptr_null(libxl__htab_lookup(&t,
            (void *)((gen << LIBXL__HTAB_INDEX_BITS) | other)));
        ck_assert_ptr_null(libxl__htab_lookup(&t,
            (void *)(((gen + 1) << LIBXL__HTAB_INDEX_BITS) | idx)));
        ck_assert_ptr_null(libxl__htab_lookup(&empty, live[i]));
    }
    /* A million random words. */
    rng_seed(42);
    for (int i = 0; i < 1000000; i++) {
        uintptr_t v = (uintptr_t)rng();
        CHECK(libxl__htab_lookup(&t, (void *)v) == NULL);
        /* the same bits with the index of an existing slot */
        uintptr_t w = (v & ~(uintptr_t)(LIBXL__HTAB_MAX_SLOTS - 1)) | (v % 1000);
        CHECK(libxl__htab_lookup(&t, (void *)w) == NULL);
    }
    CHECK(libxl__htab_count(&t) == 1000);
    for (int i = 0; i < 1000; i++)
        CHECK(libxl__htab_lookup(&t, live[i]) == &objs[i & 3]);
    libxl__htab_dispose(&t);
    libxl__htab_dispose(&empty);
    free(heapvar);
}

/* Free slots carry generation 0, which no token has: a value with zero
 * generation bits (NULL included) must not match a free slot. */
TEST(zero_generation_never_matches_free_slot, 60)
{
    libxl__handle_table t;
    void *tk[20];

    libxl__htab_init(&t);
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(libxl__htab_alloc(&t, &objs[0], &tk[i]), 0);
    for (int i = 0; i < 20; i += 2)
        ck_assert_int_eq(libxl__htab_release(&t, tk[i]), 0);
    ck_assert_uint_gt(t.cap, 20);           /* some never-used slots too */
    for (uintptr_t i = 0; i < t.cap; i++) {
        ck_assert_ptr_null(libxl__htab_lookup(&t, (void *)i));
        ck_assert_int_eq(libxl__htab_release(&t, (void *)i), -1);
        libxl__htab_set(&t, (void *)i, &objs[1]);
    }
    ck_assert_uint_eq(libxl__htab_count(&t), 10);
    for (int i = 0; i < 20; i++)
        ck_assert_ptr_eq(libxl__htab_lookup(&t, tk[i]), i % 2 ? &objs[0] : NULL);
    /* the free list is intact: ten allocations fill the freed slots */
    size_t cap = t.cap;
    for (int i = 0; i < 20; i += 2)
        ck_assert_int_eq(libxl__htab_alloc(&t, &objs[2], &tk[i]), 0);
    ck_assert_uint_eq(t.cap, cap);
    for (int i = 0; i < 20; i++)
        ck_assert_ptr_eq(libxl__htab_lookup(&t, tk[i]), i % 2 ? &objs[0] : &objs[2]);
    libxl__htab_dispose(&t);
}

/* 100,000 random alloc/release steps, with every live token and a window of
 * recently released ones checked as we go. */
TEST(random_cycles, 60)
{
    enum { MAXLIVE = 700, STALE = 4096, STEPS = 100000 };
    static void *tok[MAXLIVE];
    static int obj[MAXLIVE];
    static void *stale[STALE];
    size_t nlive = 0, nstale = 0;
    libxl__handle_table t;

    libxl__htab_init(&t);
    rng_seed(7);
    for (int step = 0; step < STEPS; step++) {
        bool do_alloc = nlive == 0 ||
            (nlive < MAXLIVE && (rng() % 100) < (step % 20000 < 10000 ? 60 : 40));
        if (do_alloc) {
            void *tk;
            CHECK(libxl__htab_alloc(&t, &obj[nlive], &tk) == 0);
            CHECK(tk != NULL);
            tok[nlive++] = tk;
        } else {
            size_t i = rng() % nlive;
            CHECK(libxl__htab_lookup(&t, tok[i]) == &obj[i]);
            CHECK(libxl__htab_release(&t, tok[i]) == 0);
            stale[nstale++ % STALE] = tok[i];
            /* keep tok[k] <-> obj[k]: move the last one into i */
            nlive--;
            if (i != nlive) {
                tok[i] = tok[nlive];
                libxl__htab_set(&t, tok[i], &obj[i]);
            }
        }
        CHECK(libxl__htab_count(&t) == nlive);
        if (step % 997 == 0) {
            for (size_t i = 0; i < nlive; i++)
                CHECK(libxl__htab_lookup(&t, tok[i]) == &obj[i]);
            size_t m = nstale < STALE ? nstale : STALE;
            for (size_t i = 0; i < m; i++) {
                CHECK(libxl__htab_lookup(&t, stale[i]) == NULL);
                CHECK(libxl__htab_release(&t, stale[i]) == -1);
            }
        }
    }
    for (size_t i = 0; i < nlive; i++)
        CHECK(libxl__htab_lookup(&t, tok[i]) == &obj[i]);
    libxl__htab_dispose(&t);
}

TEST(growth_and_count, 60)
{
    enum { N = 100000 };
    void **tok = malloc(N * sizeof(*tok));
    int *obj = malloc(N * sizeof(*obj));
    size_t *order = malloc(N * sizeof(*order));
    libxl__handle_table t;

    ck_assert_ptr_nonnull(tok);
    ck_assert_ptr_nonnull(obj);
    ck_assert_ptr_nonnull(order);
    libxl__htab_init(&t);
    for (size_t i = 0; i < N; i++) {
        CHECK(libxl__htab_alloc(&t, &obj[i], &tok[i]) == 0);
        CHECK(libxl__htab_count(&t) == i + 1);
    }
    size_t cap = t.cap;
    ck_assert_uint_ge(cap, N);
    ck_assert_uint_lt(cap, 2 * N);          /* amortised doubling */
    for (size_t i = 0; i < N; i++)
        CHECK(libxl__htab_lookup(&t, tok[i]) == &obj[i]);

    /* release everything in random order */
    rng_seed(99);
    for (size_t i = 0; i < N; i++)
        order[i] = i;
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = rng() % (i + 1), x = order[i];
        order[i] = order[j];
        order[j] = x;
    }
    for (size_t k = 0; k < N; k++) {
        CHECK(libxl__htab_release(&t, tok[order[k]]) == 0);
        CHECK(libxl__htab_count(&t) == N - k - 1);
    }
    for (size_t i = 0; i < N; i++)
        CHECK(libxl__htab_lookup(&t, tok[i]) == NULL);

    /* refill: free slots are reused, the table does not grow */
    void *fresh;
    for (size_t i = 0; i < N; i++)
        CHECK(libxl__htab_alloc(&t, &obj[i], &fresh) == 0);
    ck_assert_uint_eq(t.cap, cap);
    CHECK(libxl__htab_count(&t) == N);
    for (size_t i = 0; i < N; i++)
        CHECK(libxl__htab_lookup(&t, tok[i]) == NULL);

    libxl__htab_dispose(&t);
    free(tok);
    free(obj);
    free(order);
}

/* Tables used concurrently by different threads (different ctxs) draw
 * distinct generations from the shared counter. Run under TSan too. */
enum { TH = 4, PER = 20000 };
static uintptr_t gens[TH][PER];

static void *thread_body(void *arg)
{
    uintptr_t *g = arg;
    libxl__handle_table t;
    void *tk;

    libxl__htab_init(&t);
    for (int i = 0; i < PER; i++) {
        if (libxl__htab_alloc(&t, &objs[0], &tk))
            return (void *)1;
        g[i] = GEN_OF(tk);
        if (libxl__htab_lookup(&t, tk) != &objs[0] ||
            (i % 3 == 0 && libxl__htab_release(&t, tk)))
            return (void *)1;
    }
    libxl__htab_dispose(&t);
    return NULL;
}

static int cmp_uintptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

TEST(concurrent_tables_unique_generations, 60)
{
    pthread_t th[TH];
    for (int i = 0; i < TH; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, thread_body, gens[i]), 0);
    for (int i = 0; i < TH; i++) {
        void *ret;
        ck_assert_int_eq(pthread_join(th[i], &ret), 0);
        ck_assert_ptr_null(ret);
    }
    uintptr_t *all = &gens[0][0];
    qsort(all, TH * PER, sizeof(*all), cmp_uintptr);
    for (size_t i = 0; i < TH * PER; i++) {
        ck_assert_uint_ne(all[i], 0);
        if (i)
            ck_assert_uint_ne(all[i], all[i - 1]);
    }
}
