/*
 * heap_testutil.h: what the allocator tests (test_pool.c, test_gc.c) need
 * of the heap: the bytes the process has allocated now, so a test can see
 * that a loop gives back all it took, and, under ASan, LeakSanitizer's
 * verdict. Include it once per program: it also asks the sanitizers'
 * allocators to fail a huge request with NULL, as glibc's does, rather than
 * stop the program (the tests check that the library passes the NULL on).
 */
#ifndef BASE_HEAP_TESTUTIL_H
#define BASE_HEAP_TESTUTIL_H

#include <stddef.h>

#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define HEAP_TEST_ASAN 1
#  endif
#  if __has_feature(thread_sanitizer)
#    define HEAP_TEST_TSAN 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#  define HEAP_TEST_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#  define HEAP_TEST_TSAN 1
#endif

/* The sanitizer runtimes' own interface, declared here: GCC does not ship
 * every header of it. */
#if defined(HEAP_TEST_ASAN) || defined(HEAP_TEST_TSAN)
size_t __sanitizer_get_current_allocated_bytes(void);

static inline size_t heap_in_use(void)
{
    return __sanitizer_get_current_allocated_bytes();
}
#else
#include <malloc.h>

static inline size_t heap_in_use(void)
{
    return mallinfo2().uordblks;
}
#endif

#ifdef HEAP_TEST_ASAN
int __lsan_do_recoverable_leak_check(void);

/* 0 when LeakSanitizer finds no leak now (it reports any it finds). */
static inline int heap_leaks(void)
{
    return __lsan_do_recoverable_leak_check();
}
#else
static inline int heap_leaks(void)
{
    return 0;
}
#endif

/* The sanitizers read these at start-up. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "allocator_may_return_null=1";
}

#endif
