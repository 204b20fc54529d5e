/*
 * testmain.h: what every Check test program shares. Its suite runs in
 * Check's fork mode whatever CK_FORK says, so each test has a process of
 * its own: a hang is cut off by the test case's timeout
 * (tcase_set_timeout) and a crash fails only that test. Deadlines in the
 * tests are taken on the monotonic clock.
 */
#ifndef TESTMAIN_H
#define TESTMAIN_H

#include <stdint.h>
#include <check.h>

/* Run suite s (the runner takes it over) and return the program's exit
 * status: EXIT_SUCCESS when every test passed. */
int test_run_suite(Suite *s);

/* Milliseconds on the monotonic clock. */
uint64_t test_now_ms(void);

#endif
