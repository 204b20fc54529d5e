/*
 * testmain.c: the registry of tests and the shared main() of the Check
 * test programs (testmain.h says how a program is used).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testmain.h"

/* Filled by constructors before main(), in the order they run. */
static struct test_case *tests, **tests_tail = &tests;
static struct test_fixture *fixtures, **fixtures_tail = &fixtures;

void test_register(struct test_case *t)
{
    t->next = NULL;
    *tests_tail = t;
    tests_tail = &t->next;
}

void test_register_fixture(struct test_fixture *f)
{
    f->next = NULL;
    *fixtures_tail = f;
    fixtures_tail = &f->next;
}

uint64_t test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *prog;

static const char *name_of(const struct test_case *t)
{
    return t->ttest->name;
}

/* Whether fixture f applies to test t. */
static int applies(const struct test_fixture *f, const struct test_case *t)
{
    return !t->no_fixture && !strcmp(f->unit, t->unit);
}

/* Every name once, every timeout and range sound: else the program is
 * broken whatever it is asked. */
static int registry_ok(void)
{
    int ok = 1;

    if (!tests) {
        fprintf(stderr, "%s: no test registered\n", prog);
        return 0;
    }
    for (const struct test_case *t = tests; t; t = t->next) {
        for (const struct test_case *u = t->next; u; u = u->next) {
            if (!strcmp(name_of(t), name_of(u))) {
                fprintf(stderr, "%s: test %s registered twice (%s:%d, %s:%d)\n",
                        prog, name_of(t), t->ttest->file, t->ttest->line,
                        u->ttest->file, u->ttest->line);
                ok = 0;
            }
        }
        if (!(t->timeout > 0) || t->start >= t->end) {
            fprintf(stderr, "%s: test %s (%s:%d) has timeout %g and "
                    "iterations [%d, %d)\n", prog, name_of(t), t->ttest->file,
                    t->ttest->line, t->timeout, t->start, t->end);
            ok = 0;
        }
    }
    return ok;
}

static void list(int is_long)
{
    for (const struct test_case *t = tests; t; t = t->next) {
        if (!is_long) {
            printf("%s\n", name_of(t));
            continue;
        }
        const char *checked = "", *unchecked = "";
        for (const struct test_fixture *f = fixtures; f; f = f->next) {
            if (!applies(f, t)) continue;
            if (f->checked) checked = "checked";
            else unchecked = "unchecked";
        }
        printf("%s timeout=%g _i=%d..%d fixtures=%s%s%s%s %s:%d\n",
               name_of(t), t->timeout, t->start, t->end - 1, checked,
               *checked && *unchecked ? "," : "", unchecked,
               *checked || *unchecked ? "" : "none",
               t->ttest->file, t->ttest->line);
    }
}

/* One test to run: all of its iterations or one. */
struct selection {
    const struct test_case *t;
    int start, end;
};

/* Parse NAME or NAME:I into *sel; 0 (with a message) if it is no test. */
static int select_test(const char *arg, struct selection *sel)
{
    const char *colon = strchr(arg, ':');
    size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

    for (const struct test_case *t = tests; t; t = t->next) {
        if (strlen(name_of(t)) != len || strncmp(name_of(t), arg, len))
            continue;
        sel->t = t;
        sel->start = t->start;
        sel->end = t->end;
        if (!colon) return 1;
        char *stop;
        errno = 0;
        long i = strtol(colon + 1, &stop, 10);
        if (errno || stop == colon + 1 || *stop || i < t->start ||
            i >= t->end) {
            fprintf(stderr, "%s: %s has iterations %d to %d, not '%s'\n",
                    prog, name_of(t), t->start, t->end - 1, colon + 1);
            return 0;
        }
        sel->start = (int)i;
        sel->end = (int)i + 1;
        return 1;
    }
    fprintf(stderr, "%s: no test named '%.*s' (%s --list lists them)\n",
            prog, (int)len, arg, prog);
    return 0;
}

static int run(const struct selection *sel, int n)
{
    /* The suite is named after the program, without its test_ prefix. */
    const char *sname = strncmp(prog, "test_", 5) ? prog : prog + 5;
    Suite *s = suite_create(sname);

    for (int k = 0; k < n; k++) {
        const struct test_case *t = sel[k].t;
        TCase *tc = tcase_create(name_of(t));
        for (const struct test_fixture *f = fixtures; f; f = f->next) {
            if (!applies(f, t)) continue;
            if (f->checked) tcase_add_checked_fixture(tc, f->setup, f->teardown);
            else tcase_add_unchecked_fixture(tc, f->setup, f->teardown);
        }
        tcase_set_timeout(tc, t->timeout);
        tcase_add_loop_test(tc, t->ttest, sel[k].start, sel[k].end);
        suite_add_tcase(s, tc);
    }

    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: %s              run every test\n"
                "       %s NAME[:I]...  run these tests (iteration I only)\n"
                "       %s --list       print the test names\n"
                "       %s --list-long  ... with timeouts, iterations, "
                "fixtures and places\n", prog, prog, prog, prog);
}

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    prog = slash ? slash + 1 : argv[0];

    if (!registry_ok()) return 2;
    if (argc == 2 && (!strcmp(argv[1], "--list") ||
                      !strcmp(argv[1], "--list-long"))) {
        list(!strcmp(argv[1], "--list-long"));
        return fflush(stdout) ? 2 : 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }

    int n = 0;
    for (const struct test_case *t = tests; t; t = t->next) n++;
    if (argc > 1) n = argc - 1;
    struct selection *sel = calloc((size_t)n, sizeof(*sel));
    if (!sel) {
        perror(prog);
        return 2;
    }
    if (argc > 1) {
        for (int k = 0; k < n; k++) {
            if (argv[k + 1][0] == '-') {
                usage(stderr);
                free(sel);
                return 2;
            }
            if (!select_test(argv[k + 1], &sel[k])) {
                free(sel);
                return 2;
            }
        }
    } else {
        int k = 0;
        for (const struct test_case *t = tests; t; t = t->next, k++) {
            sel[k].t = t;
            sel[k].start = t->start;
            sel[k].end = t->end;
        }
    }
    int status = run(sel, n);
    free(sel);
    return status;
}
