/*
 * testlog.h: a xentoollog logger for tests that keeps every message in
 * memory (and echoes it to stderr when TESTLOG_ECHO is set), so a test can
 * assert what the library logged. Thread-safe.
 */
#ifndef TESTLOG_H
#define TESTLOG_H

#include <stdbool.h>
#include <xentoollog.h>

typedef struct testlog testlog;

/* A new capturing logger; free it with xtl_logger_destroy. */
xentoollog_logger *testlog_new(void);

/* True if some message at level >= min_level contains needle. */
bool testlog_contains(xentoollog_logger *lg, xentoollog_level min_level,
                      const char *needle);

/* All messages so far, one per line as "LEVEL context: text"; caller frees. */
char *testlog_dump(xentoollog_logger *lg);

/* Forget the messages captured so far. */
void testlog_clear(xentoollog_logger *lg);

#endif
