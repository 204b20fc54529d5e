/* xlboth.c: running Debian's xl on both libraries (see xlboth.h). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subproc.h"
#include "xlboth.h"

#define XLBOTH_MAX_ARGS 14
#define XLBOTH_MAX_WRAPPER 8

static char preload[PATH_MAX * 2 + 32];
static char libpath[PATH_MAX + 32];
static char private_root[PATH_MAX];
bool xlboth_shared;
const char *const *xlboth_wrapper;

void xlboth_init(const char *preload_env, const char *private_dir)
{
    char build[PATH_MAX];
    snprintf(preload, sizeof(preload), "%s", preload_env);
    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    snprintf(libpath, sizeof(libpath), "LD_LIBRARY_PATH=%s", build);
    snprintf(private_root, sizeof(private_root), "%s",
             private_dir ? private_dir : "");
}

xl_run xlboth_run(bool on_lightcore, const char *const args[])
{
    char dir[PATH_MAX + 16];
    const char *argv[XLBOTH_MAX_ARGS + XLBOTH_MAX_WRAPPER + 10];
    const char *env_debian[] = {preload, NULL};
    const char *env_ours[] = {preload, libpath,
                              "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0",
                              NULL};
    const char *const *env = on_lightcore ? env_ours : env_debian;
    const char *const no_env[] = {NULL};
    int n = 0;

    if (private_root[0]) {
        snprintf(dir, sizeof(dir), "%s/%s", private_root,
                 xlboth_shared ? "shared" : on_lightcore ? "lightcore" : "debian");
        n = subproc_private_xen_dirs(argv, dir, env);
        env = no_env;
    }
    for (int i = 0; xlboth_wrapper && xlboth_wrapper[i]; i++) {
        ck_assert_int_lt(i, XLBOTH_MAX_WRAPPER);
        argv[n++] = xlboth_wrapper[i];
    }
    argv[n++] = DEBIAN_XL;
    for (int i = 0; args && args[i]; i++) {
        ck_assert_int_lt(i, XLBOTH_MAX_ARGS);
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    xl_run r = {0};
    r.status = subproc_run(&r.out, &r.err, argv, env, 30000);
    if (!r.out) r.out = strdup("");
    if (!r.err) r.err = strdup("");
    ck_assert_ptr_nonnull(r.out);
    ck_assert_ptr_nonnull(r.err);
    return r;
}

void xl_run_free(xl_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/* The length of the number "D+.D+" at p, ending a word; 0 if none. */
static size_t time_at(const char *p)
{
    size_t n = 0, digits_before = 0, digits_after = 0;
    while (p[n] >= '0' && p[n] <= '9') n++, digits_before++;
    if (!digits_before || p[n] != '.') return 0;
    n++;
    while (p[n] >= '0' && p[n] <= '9') n++, digits_after++;
    if (!digits_after || (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n'))
        return 0;
    return n;
}

char *xlboth_mask_times(const char *text)
{
    char *copy = strdup(text), *w = copy;
    ck_assert_ptr_nonnull(copy);
    for (const char *p = text; *p;) {
        bool word_start = p == text || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n';
        size_t n = word_start ? time_at(p) : 0;
        if (n) {
            *w++ = 'T';
            p += n;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return copy;
}

/* "a b c" for messages. */
static void join_args(char *buf, size_t size, const char *const args[])
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; args && args[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "",
                                 args[i]);
}

xl_run xlboth_same(const char *const args[], xl_normaliser norm)
{
    char cmd[512];
    xl_run theirs = xlboth_run(false, args);
    xl_run ours = xlboth_run(true, args);

    if (!norm) norm = xlboth_mask_times;
    join_args(cmd, sizeof(cmd), args);
    /* A symbol lookup error says which function lightcore lacks. */
    ck_assert_msg(ours.status == theirs.status,
                  "xl %s: exit status %d on lightcore, %d on Debian's libxenlight\n"
                  "--- lightcore's stderr\n%.3000s--- Debian's stderr\n%.3000s",
                  cmd, ours.status, theirs.status, ours.err, theirs.err);
    char *a = norm(ours.out), *b = norm(theirs.out);
    ck_assert_msg(!strcmp(a, b), "xl %s: output differs\n--- lightcore\n%.3000s"
                  "--- Debian's libxenlight\n%.3000s", cmd, ours.out, theirs.out);
    free(a);
    free(b);
    a = norm(ours.err);
    b = norm(theirs.err);
    ck_assert_msg(!strcmp(a, b), "xl %s: error output differs\n--- lightcore\n%.3000s"
                  "--- Debian's libxenlight\n%.3000s", cmd, ours.err, theirs.err);
    free(a);
    free(b);
    xl_run_free(&ours);
    return theirs;
}

char *xlboth_mask_sources(const char *text)
{
    char *copy = strdup(text), *w = copy;

    ck_assert_ptr_nonnull(copy);
    for (const char *p = text; *p;) {
        const char *line_end = strchr(p, '\n');
        size_t len = line_end ? (size_t)(line_end - p) + 1 : strlen(p);
        const char *lvl_end = strncmp(p, "libxl: ", 7) ? NULL
                              : memchr(p + 7, ':', len - 7);
        const char *src = lvl_end ? lvl_end + 2 : NULL;
        const char *q = src;
        int colons = 0;

        while (q && q < p + len && colons < 3)
            if (*q++ == ':')
                colons++;
        if (src && colons == 3) {
            memcpy(w, p, (size_t)(src - p));
            w += src - p;
            memcpy(w, "SRC:", 4);
            w += 4;
            len -= (size_t)(q - p);
            p = q;
        }
        memcpy(w, p, len);
        w += len;
        p += len;
    }
    *w = '\0';
    return copy;
}

static void join_argv(char *buf, size_t size, const char *const argv[])
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; argv[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i ? " " : "", argv[i]);
}

void xlboth_steps_on_debian(const char *const *const steps[], int n,
                            xl_run *debian)
{
    for (int i = 0; i < n; i++)
        debian[i] = xlboth_run(false, steps[i]);
}

void xlboth_steps_on_lightcore(const char *const *const steps[], int n,
                               xl_normaliser norm, xl_run *debian)
{
    if (!norm) norm = xlboth_mask_sources;
    for (int i = 0; i < n; i++) {
        char cmd[512];
        xl_run ours = xlboth_run(true, steps[i]);
        char *oo = norm(ours.out), *od = norm(debian[i].out);
        char *eo = norm(ours.err), *ed = norm(debian[i].err);

        join_argv(cmd, sizeof(cmd), steps[i]);
        ck_assert_msg(ours.status == debian[i].status,
                      "step %d, xl %s: exit status %d on lightcore, %d on "
                      "Debian's\n--- lightcore's stderr\n%.3000s--- Debian's"
                      " stderr\n%.3000s", i, cmd, ours.status,
                      debian[i].status, ours.err, debian[i].err);
        ck_assert_msg(!strcmp(oo, od), "step %d, xl %s: output differs\n"
                      "--- lightcore\n%.3000s--- Debian's\n%.3000s", i, cmd,
                      ours.out, debian[i].out);
        ck_assert_msg(!strcmp(eo, ed), "step %d, xl %s: error output differs"
                      "\n--- lightcore\n%.3000s--- Debian's\n%.3000s", i,
                      cmd, ours.err, debian[i].err);
        free(oo);
        free(od);
        free(eo);
        free(ed);
        xl_run_free(&ours);
        xl_run_free(&debian[i]);
    }
}
