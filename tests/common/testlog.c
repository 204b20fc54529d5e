/* testlog.c: the capturing logger declared in testlog.h. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlog.h"

struct testlog {
    xentoollog_logger vtable; /* first: the logger pointer is the struct */
    pthread_mutex_t lock;
    char *text;               /* "LEVEL context: message\n"... */
    size_t len;
    xentoollog_level *levels; /* level of each line, in order */
    size_t nlines;
};

static void testlog_vmessage(xentoollog_logger *lg, xentoollog_level level,
                             int errnoval, const char *context,
                             const char *format, va_list al)
{
    struct testlog *t = (struct testlog *)lg;
    char *msg = NULL, *line = NULL;
    if (vasprintf(&msg, format, al) < 0) return;
    if (asprintf(&line, "%s %s: %s%s%s\n", xtl_level_to_string(level),
                 context ? context : "-", msg,
                 errnoval >= 0 ? ": " : "",
                 errnoval >= 0 ? strerror(errnoval) : "") < 0) {
        free(msg);
        return;
    }
    if (getenv("TESTLOG_ECHO")) fputs(line, stderr);

    pthread_mutex_lock(&t->lock);
    size_t add = strlen(line);
    char *grown = realloc(t->text, t->len + add + 1);
    xentoollog_level *lv = realloc(t->levels, (t->nlines + 1) * sizeof(*lv));
    if (grown) {
        t->text = grown;
        memcpy(t->text + t->len, line, add + 1);
        t->len += add;
    }
    if (lv) {
        t->levels = lv;
        t->levels[t->nlines++] = level;
    }
    pthread_mutex_unlock(&t->lock);
    free(msg);
    free(line);
}

static void testlog_progress(xentoollog_logger *lg, const char *context,
                             const char *doing_what, int percent,
                             unsigned long done, unsigned long total)
{
    (void)lg; (void)context; (void)doing_what;
    (void)percent; (void)done; (void)total;
}

static void testlog_destroy(xentoollog_logger *lg)
{
    struct testlog *t = (struct testlog *)lg;
    pthread_mutex_destroy(&t->lock);
    free(t->text);
    free(t->levels);
    free(t);
}

xentoollog_logger *testlog_new(void)
{
    struct testlog *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->vtable.vmessage = testlog_vmessage;
    t->vtable.progress = testlog_progress;
    t->vtable.destroy = testlog_destroy;
    pthread_mutex_init(&t->lock, NULL);
    return &t->vtable;
}

bool testlog_contains(xentoollog_logger *lg, xentoollog_level min_level,
                      const char *needle)
{
    struct testlog *t = (struct testlog *)lg;
    bool found = false;
    pthread_mutex_lock(&t->lock);
    const char *line = t->text;
    for (size_t i = 0; line && i < t->nlines && !found; i++) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (t->levels[i] >= min_level && memmem(line, n, needle, strlen(needle)))
            found = true;
        line = end ? end + 1 : NULL;
    }
    pthread_mutex_unlock(&t->lock);
    return found;
}

char *testlog_dump(xentoollog_logger *lg)
{
    struct testlog *t = (struct testlog *)lg;
    pthread_mutex_lock(&t->lock);
    char *copy = strdup(t->text ? t->text : "");
    pthread_mutex_unlock(&t->lock);
    return copy;
}

void testlog_clear(xentoollog_logger *lg)
{
    struct testlog *t = (struct testlog *)lg;
    pthread_mutex_lock(&t->lock);
    free(t->text);
    free(t->levels);
    t->text = NULL;
    t->levels = NULL;
    t->len = t->nlines = 0;
    pthread_mutex_unlock(&t->lock);
}
