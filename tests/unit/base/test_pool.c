/*
 * test_pool.c: the bump allocator of src/base/pool.c: 16-byte alignment,
 * zeroed blocks that never overlap (inside the pool's own buffer, in its
 * 4 KiB chunks, and as big blocks of their own beyond 4096 bytes),
 * sprintf and strdup, NULL for sizes that cannot be met, and a pool used
 * again after dispose, giving back everything each time.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/heap_testutil.h"
#include "base/pool.h"
#include "testmain.h"

static libxl__pool pool;

static void setup(void) { libxl__pool_init(&pool); }
static void teardown(void) { libxl__pool_dispose(&pool); }

TEST_FIXTURE(setup, teardown);

static int is_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

static int is_filled(const unsigned char *p, size_t n, unsigned char c)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != c) return 0;
    return 1;
}

/* Sizes around every edge the pool has: 16-byte steps, its inline buffer
 * (512), a chunk (4096) and beyond. */
static const size_t sizes[] = {
    1, 15, 16, 17, 31, 33, 100, 255, 496, 511, 512, 513, 1000, 2047,
    4080, 4095, 4096, 4097, 5000, 8191, 65536, 3, 7, 48,
};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Allocate every size twice over, fill each block with a byte of its own
 * and check at the end that every block still holds only its byte: no
 * block overlaps another. */
static void fill_and_check(void)
{
    unsigned char *blocks[2 * NSIZES];

    for (size_t k = 0; k < 2 * NSIZES; k++) {
        size_t n = sizes[k % NSIZES];
        blocks[k] = libxl__pool_zalloc(NULL, &pool, n);
        ck_assert_ptr_nonnull(blocks[k]);
        ck_assert_msg((uintptr_t)blocks[k] % 16 == 0,
                      "block %zu of %zu bytes at %p", k, n, (void *)blocks[k]);
        ck_assert_msg(is_zero(blocks[k], n), "block %zu of %zu bytes not zeroed",
                      k, n);
        memset(blocks[k], (int)(k + 1), n);
    }
    for (size_t k = 0; k < 2 * NSIZES; k++)
        ck_assert_msg(is_filled(blocks[k], sizes[k % NSIZES],
                                (unsigned char)(k + 1)),
                      "block %zu was overwritten", k);
}

TEST(blocks_are_aligned_zeroed_and_apart, 30)
{
    fill_and_check();
}

/* dispose makes the pool new again: the same memory comes back zeroed,
 * after it was filled. */
TEST(dispose_then_reuse, 30)
{
    unsigned char *first = libxl__pool_zalloc(NULL, &pool, 64);
    ck_assert_ptr_nonnull(first);
    fill_and_check();
    libxl__pool_dispose(&pool);

    unsigned char *again = libxl__pool_zalloc(NULL, &pool, 64);
    ck_assert_ptr_eq(again, first);
    ck_assert(is_zero(again, 64));
    fill_and_check();
    libxl__pool_dispose(&pool);
    /* disposing an empty pool, twice, is fine */
    libxl__pool_dispose(&pool);
    libxl__pool_dispose(&pool);
    ck_assert_ptr_eq(libxl__pool_zalloc(NULL, &pool, 1), first);
}

/* Cycles of allocation and dispose give everything back. */
TEST(dispose_gives_everything_back, 60)
{
    for (int round = 0; round < 3; round++) {
        fill_and_check();
        libxl__pool_dispose(&pool);
    }
    size_t before = heap_in_use();
    for (int round = 0; round < 200; round++) {
        fill_and_check();
        libxl__pool_dispose(&pool);
    }
    size_t after = heap_in_use();
    /* One leaked round would be over 200 KiB. */
    ck_assert_msg(after <= before + 4096, "heap grew from %zu to %zu bytes",
                  before, after);
    ck_assert_int_eq(heap_leaks(), 0);
}

/* A block beyond 4096 bytes is one of its own: the chunk being used goes
 * on serving small blocks after it. */
TEST(big_block_keeps_the_current_chunk, 30)
{
    /* Use up the inline buffer, so the next blocks come from a chunk. */
    ck_assert_ptr_nonnull(libxl__pool_zalloc(NULL, &pool, 512));
    unsigned char *a = libxl__pool_zalloc(NULL, &pool, 32);
    ck_assert_ptr_nonnull(a);
    unsigned char *big = libxl__pool_zalloc(NULL, &pool, 4097);
    ck_assert_ptr_nonnull(big);
    ck_assert((uintptr_t)big % 16 == 0);
    ck_assert(is_zero(big, 4097));
    memset(big, 0xa5, 4097);
    unsigned char *b = libxl__pool_zalloc(NULL, &pool, 32);
    ck_assert_ptr_eq(b, a + 32);
    ck_assert(is_zero(b, 32));
    ck_assert(is_filled(big, 4097, 0xa5));
}

TEST(sprintf_formats_into_the_pool, 30)
{
    char *s = libxl__pool_sprintf(NULL, &pool, "/local/domain/%u/%s", 7u, "name");
    ck_assert_str_eq(s, "/local/domain/7/name");
    ck_assert((uintptr_t)s % 16 == 0);

    char *empty = libxl__pool_sprintf(NULL, &pool, "%s", "");
    ck_assert_str_eq(empty, "");

    /* longer than a chunk: a big block */
    char *wide = libxl__pool_sprintf(NULL, &pool, "<%9000d>", 42);
    ck_assert_uint_eq(strlen(wide), 9002);
    ck_assert_int_eq(wide[0], '<');
    ck_assert_str_eq(wide + 8999, "42>");

    /* earlier strings are intact */
    ck_assert_str_eq(s, "/local/domain/7/name");
}

TEST(strdup_copies, 30)
{
    const char *orig = "backend/vbd/5/51712";
    char *c = libxl__pool_strdup(NULL, &pool, orig);
    ck_assert_ptr_ne(c, orig);
    ck_assert_str_eq(c, orig);
    ck_assert_ptr_null(libxl__pool_strdup(NULL, &pool, NULL));

    char *e = libxl__pool_strdup(NULL, &pool, "");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e, "");

    char *longs = malloc(20001);
    ck_assert_ptr_nonnull(longs);
    memset(longs, 'x', 20000);
    longs[20000] = '\0';
    char *lc = libxl__pool_strdup(NULL, &pool, longs);
    ck_assert_str_eq(lc, longs);
    free(longs);
    ck_assert_str_eq(c, orig);
}

/* Sizes no allocator can meet give NULL, and the pool still works. */
TEST(impossible_sizes_give_null, 30)
{
    ck_assert_ptr_null(libxl__pool_zalloc(NULL, &pool, SIZE_MAX));
    ck_assert_ptr_null(libxl__pool_zalloc(NULL, &pool, SIZE_MAX - 14));
    ck_assert_ptr_null(libxl__pool_zalloc(NULL, &pool, SIZE_MAX - 40));
    ck_assert_ptr_null(libxl__pool_zalloc(NULL, &pool, SIZE_MAX / 2));
    char *s = libxl__pool_strdup(NULL, &pool, "still here");
    ck_assert_str_eq(s, "still here");
}

/* Every size from SIZE_MAX - 40 up: none can be met, so each gives NULL.
 * Fails (the test's process dies) while libxl__pool_zalloc rounds the
 * sizes SIZE_MAX-30 .. SIZE_MAX-15 up to SIZE_MAX-15 and then asks malloc
 * for sizeof(chunk header) + that, which wraps around to 0: malloc(0)
 * succeeds and the block of almost SIZE_MAX bytes is zeroed into it. */
TEST(sizes_near_size_max_give_null, 30)
{
    for (size_t n = SIZE_MAX - 40; n != 0; n++)
        ck_assert_msg(libxl__pool_zalloc(NULL, &pool, n) == NULL,
                      "SIZE_MAX - %zu gave a block", SIZE_MAX - n);
}
