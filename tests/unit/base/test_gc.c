/*
 * test_gc.c: the per-call scoped allocator of src/base/gc.c: GC_INIT's
 * scope gives back everything however it is left (end of block, return,
 * break, continue, nested scopes), thousands of times over (LeakSanitizer
 * has its say under make check-asan); GCSPRINTF, strdup, GCNEW and
 * GCZALLOC; blocks adopted from malloc freed with the gc; NULL, logged
 * through the ctx, for sizes that cannot be met.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/gc.h"
#include "base/heap_testutil.h"
#include "ctx.h"
#include "testlog.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void)
{
    lg = testlog_new();
    ck_assert_ptr_nonnull(lg);
    ck_assert_int_eq(libxl__ctx_alloc_bare(&ctx, lg), 0);
}

static void teardown(void)
{
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

/* Allocations of every kind the gc serves: small ones from its inline
 * buffer, chunks, a big block; each written all over. Returns a checksum
 * of what it wrote so the work cannot be skipped. */
static unsigned fill(libxl__gc *gc, int k)
{
    unsigned sum = 0;
    for (int i = 0; i < 8; i++) {
        unsigned char *p = libxl__gc_zalloc(gc, 100 + 700 * (size_t)i);
        ck_assert_ptr_nonnull(p);
        memset(p, k + i, 100 + 700 * (size_t)i);
        sum += p[99];
    }
    unsigned char *big = libxl__gc_zalloc(gc, 10000);
    ck_assert_ptr_nonnull(big);
    memset(big, k, 10000);
    char *s = libxl__gc_sprintf(gc, "/local/domain/%d/device/vbd/%d", k, 51712 + k);
    ck_assert_ptr_nonnull(s);
    char *d = libxl__gc_strdup(gc, s);
    ck_assert_str_eq(d, s);
    return sum + big[9999] + (unsigned)strlen(d);
}

/* A function that declares a gc and leaves by one of several returns. */
static unsigned leave_early(int k)
{
    GC_INIT(ctx);
    unsigned sum = fill(gc, k);
    if (k % 3 == 0) return sum;
    sum += fill(gc, k + 1);
    if (k % 3 == 1) return sum;
    for (int i = 0; i < 3; i++) {
        GC_INIT(ctx);                     /* nested: shadows the outer one */
        sum += fill(gc, i);
        if (i == 1) break;
        if (i == 0) continue;
    }
    return sum;
}

TEST(scope_exit_gives_everything_back, 120)
{
    unsigned sum = 0;
    /* Warm up whatever the C library keeps for itself. */
    for (int k = 0; k < 10; k++) sum += leave_early(k);

    size_t before = heap_in_use();
    for (int k = 0; k < 3000; k++) {
        {
            GC_INIT(ctx);
            sum += fill(gc, k);
        }
        sum += leave_early(k);
    }
    size_t after = heap_in_use();
    ck_assert_uint_ne(sum, 0);
    /* Any one scope left holding its memory would be over 10 KiB. */
    ck_assert_msg(after <= before + 4096, "heap grew from %zu to %zu bytes",
                  before, after);
    ck_assert_int_eq(heap_leaks(), 0);
}

/* An inner scope's memory goes when it ends; the outer scope's stays. */
TEST(nested_scopes_are_independent, 30)
{
    GC_INIT(ctx);
    char *outer = GCSPRINTF("outer %d", 1);
    size_t before = heap_in_use();
    {
        GC_INIT(ctx);
        for (int i = 0; i < 10; i++) ck_assert_ptr_nonnull(GCZALLOC(5000));
        ck_assert_uint_ge(heap_in_use(), before + 50000);
    }
    ck_assert_uint_le(heap_in_use(), before + 4096);
    ck_assert_str_eq(outer, "outer 1");
    char *more = GCSPRINTF("%s, then %s", outer, "more");
    ck_assert_str_eq(more, "outer 1, then more");
}

TEST(sprintf_strdup_new_and_zalloc, 30)
{
    GC_INIT(ctx);
    ck_assert_ptr_eq(CTX, ctx);

    char *p = GCSPRINTF("/local/domain/%u/backend/%s/%u/%u", 0u, "vbd", 5u, 51712u);
    ck_assert_str_eq(p, "/local/domain/0/backend/vbd/5/51712");
    char *wide = GCSPRINTF("%6000s", "x");
    ck_assert_uint_eq(strlen(wide), 6000);
    ck_assert_int_eq(wide[5999], 'x');

    char *c = libxl__gc_strdup(gc, p);
    ck_assert_ptr_ne(c, p);
    ck_assert_str_eq(c, p);
    ck_assert_ptr_null(libxl__gc_strdup(gc, NULL));
    ck_assert_str_eq(libxl__gc_strdup(gc, ""), "");

    struct { int a; char b[40]; void *c; } *s;
    ck_assert_ptr_nonnull(GCNEW(s));
    ck_assert_int_eq(s->a, 0);
    ck_assert_ptr_null(s->c);
    for (size_t i = 0; i < sizeof(s->b); i++) ck_assert_int_eq(s->b[i], 0);

    unsigned char *z = GCZALLOC(4097);
    ck_assert_ptr_nonnull(z);
    ck_assert((uintptr_t)z % 16 == 0);
    for (size_t i = 0; i < 4097; i++) ck_assert_int_eq(z[i], 0);
    /* nothing was logged for any of it */
    ck_assert(!testlog_contains(lg, XTL_DEBUG, "out of memory"));
}

/* Blocks malloc'ed elsewhere and adopted are freed with the gc, however
 * its scope is left; adopting NULL gives NULL. */
static size_t adopt_some(int k)
{
    GC_INIT(ctx);
    size_t len = 0;
    for (int i = 0; i < 4; i++) {
        char *m = malloc(1000 + 100 * (size_t)i);
        ck_assert_ptr_nonnull(m);
        memset(m, 'a' + i, 999);
        m[999] = '\0';
        ck_assert_ptr_eq(libxl__gc_adopt(gc, m), m);
        len += strlen(m);
        if (k % 4 == i) return len;
    }
    char *d = libxl__gc_adopt(gc, strdup("adopted"));
    ck_assert_str_eq(d, "adopted");
    return len + strlen(d);
}

TEST(adopted_blocks_go_with_the_gc, 60)
{
    {
        GC_INIT(ctx);
        ck_assert_ptr_null(libxl__gc_adopt(gc, NULL));
        char *a = libxl__gc_adopt(gc, strdup("one"));
        char *b = libxl__gc_adopt(gc, strdup("two"));
        /* adopted blocks stay valid while other memory comes and goes */
        for (int i = 0; i < 20; i++) ck_assert_ptr_nonnull(GCZALLOC(3000));
        ck_assert_str_eq(a, "one");
        ck_assert_str_eq(b, "two");
    }
    size_t sum = adopt_some(0);
    size_t before = heap_in_use();
    for (int k = 0; k < 2000; k++) sum += adopt_some(k);
    size_t after = heap_in_use();
    ck_assert_uint_gt(sum, 0);
    ck_assert_msg(after <= before + 4096, "heap grew from %zu to %zu bytes",
                  before, after);
    ck_assert_int_eq(heap_leaks(), 0);
}

/* Sizes no allocator can meet: NULL and a log line, and the gc goes on
 * serving. (libxl__gc_dispose is idempotent: a gc disposed early is fine
 * at scope exit too.) */
TEST(impossible_sizes_give_null_and_are_logged, 30)
{
    GC_INIT(ctx);
    ck_assert_ptr_null(GCZALLOC(SIZE_MAX));
    ck_assert(testlog_contains(lg, XTL_ERROR, "out of memory"));
    testlog_clear(lg);
    ck_assert_ptr_null(GCZALLOC(SIZE_MAX / 2));
    ck_assert(testlog_contains(lg, XTL_ERROR, "out of memory"));
    ck_assert_ptr_null(GCZALLOC(SIZE_MAX - 40));
    ck_assert_str_eq(GCSPRINTF("%s", "still serving"), "still serving");
    libxl__gc_dispose(gc);
    ck_assert_str_eq(GCSPRINTF("%s", "after dispose"), "after dispose");
}
