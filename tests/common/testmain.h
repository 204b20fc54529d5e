/*
 * testmain.h: what every Check test program shares: one registry of tests
 * and one main() (testmain.c).
 *
 * A test program is one test file linked with testmain.c. The file
 * declares its tests, and they register themselves when the program
 * loads:
 *
 *     TEST(name, timeout_s) { ...ck_assert... }
 *     TEST_LOOP(name, timeout_s, start, end) { ...uses _i... }
 *         the body runs once for each _i in [start, end), each run a test
 *         of its own (Check's loop test)
 *     TEST_NO_FIXTURE(name, timeout_s) { ... }
 *         a test that does without the file's fixtures
 *     TEST_FIXTURE(setup, teardown);
 *         a checked fixture (run inside each test's process) for every
 *         test of the file; setup or teardown may be NULL
 *     TEST_UNCHECKED_FIXTURE(setup, teardown);
 *         an unchecked fixture (run in the runner's process, before and
 *         after each test)
 *
 * The fixtures belong to the file being compiled (__BASE_FILE__), so tests
 * that a shared header declares get the fixtures of the file including it.
 * A file has at most one fixture of each kind.
 *
 * main() makes one Check test case per test, named after it and carrying
 * its own timeout, and runs them in Check's fork mode whatever CK_FORK
 * says: each test has a process of its own, a hang is cut off by its
 * timeout and a crash fails only that test. CK_VERBOSITY=verbose prints
 * every result. The program's arguments:
 *
 *     PROG                  run every test
 *     PROG NAME[:I]...      run only these tests (just iteration I of a
 *                           loop test), in that order
 *     PROG --list           print the test names, one a line
 *     PROG --list-long      the same with each test's timeout (seconds),
 *                           values of _i, fixtures and place
 *
 * Exit status: 0 when every test that ran passed, 1 otherwise, 2 for a
 * name that is not a test or a broken registry. Deadlines in the tests are
 * taken on the monotonic clock (test_now_ms).
 */
#ifndef TESTMAIN_H
#define TESTMAIN_H

#include <stdint.h>
#include <check.h>

/* One registered test (filled by the TEST macros; private). */
struct test_case {
    const TTest *ttest;           /* name, function, file, line */
    double timeout;               /* seconds */
    int start, end;               /* _i runs over [start, end) */
    int no_fixture;
    const char *unit;             /* the file whose fixtures apply */
    struct test_case *next;
};

/* One registered fixture (filled by the TEST_*FIXTURE macros; private). */
struct test_fixture {
    SFun setup, teardown;
    int checked;
    const char *unit;
    struct test_fixture *next;
};

void test_register(struct test_case *t);
void test_register_fixture(struct test_fixture *f);

#define TEST_DEFINE_(name_, timeout_, start_, end_, no_fixture_)             \
    static void name_##_fn(int _i);                                         \
    static const TTest name_##_ttest =                                      \
        { #name_, name_##_fn, __FILE__, __LINE__ };                         \
    static struct test_case name_##_case =                                  \
        { &name_##_ttest, (timeout_), (start_), (end_), (no_fixture_),      \
          __BASE_FILE__, NULL };                                            \
    __attribute__((constructor)) static void name_##_register(void)         \
    {                                                                       \
        test_register(&name_##_case);                                       \
    }                                                                       \
    static void name_##_fn(int _i __attribute__((unused)))

#define TEST(name_, timeout_)              TEST_DEFINE_(name_, timeout_, 0, 1, 0)
#define TEST_LOOP(name_, timeout_, s_, e_) TEST_DEFINE_(name_, timeout_, s_, e_, 0)
#define TEST_NO_FIXTURE(name_, timeout_)   TEST_DEFINE_(name_, timeout_, 0, 1, 1)

/* Ends in a declaration, so the macro takes its own semicolon. */
#define TEST_FIXTURE_DEFINE_(var_, setup_, teardown_, checked_)             \
    static struct test_fixture var_;                                        \
    __attribute__((constructor)) static void var_##register(void)           \
    {                                                                       \
        test_register_fixture(&var_);                                       \
    }                                                                       \
    static struct test_fixture var_ =                                       \
        { (setup_), (teardown_), (checked_), __BASE_FILE__, NULL }

#define TEST_FIXTURE(setup_, teardown_)                                     \
    TEST_FIXTURE_DEFINE_(test_checked_fixture_, setup_, teardown_, 1)
#define TEST_UNCHECKED_FIXTURE(setup_, teardown_)                           \
    TEST_FIXTURE_DEFINE_(test_unchecked_fixture_, setup_, teardown_, 0)

/* Milliseconds on the monotonic clock. */
uint64_t test_now_ms(void);

#endif
