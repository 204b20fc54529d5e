/*
 * probe_logger.h: the xentoollog logger of the drop-in probes
 * (tests/abi/dropin_*.c). Included once by a probe, where its logger
 * stands: it gives the probe `probe_logger`, which formats each message,
 * drops the "FILE:LINE:FUNC: " that each library fills in with its own
 * sources, and hands the rest to the probe's own
 *
 *     static void probe_log_line(xentoollog_level level, int errnoval,
 *                                const char *context, const char *msg);
 *
 * which decides what is printed (probe_log_print is the usual line).
 * Messages longer than 4 KiB are cut there, the same way for both
 * libraries.
 */
#ifndef PROBE_LOGGER_H
#define PROBE_LOGGER_H

#include <stdarg.h>
#include <stdio.h>

#include <xentoollog.h>

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg);

/* "  log LEVEL CONTEXT [errno E] MESSAGE" */
static inline void probe_log_print(xentoollog_level level, int errnoval,
                                   const char *context, const char *msg)
{
    printf("  log %d %s [errno %d] %s\n", (int)level, context ? context : "-",
           errnoval, msg);
}

static void probe_vmessage(xentoollog_logger *lg, xentoollog_level level,
                           int errnoval, const char *context,
                           const char *format, va_list al)
{
    char buf[4096];
    const char *msg = buf;

    (void)lg;
    vsnprintf(buf, sizeof(buf), format, al);
    for (int colons = 0; *msg && colons < 3; msg++)
        if (*msg == ':')
            colons++;
    if (*msg == ' ')
        msg++;
    probe_log_line(level, errnoval, context, msg);
}

static void probe_progress(xentoollog_logger *lg, const char *context,
                           const char *doing_what, int percent,
                           unsigned long done, unsigned long total)
{
    (void)lg; (void)context; (void)doing_what; (void)percent; (void)done;
    (void)total;
}

static void probe_destroy(xentoollog_logger *lg)
{
    (void)lg;
}

static xentoollog_logger probe_logger = {
    probe_vmessage, probe_progress, probe_destroy,
};

#endif
