/*
 * test_lightxl.c: the lightxl CLI run as a subprocess against a private
 * simulated host: output formats (list compared with Debian's own xl),
 * exit codes for each failure class, events for a scripted sequence, and
 * the README's `make demo` leaving nothing behind.
 */
#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

#define DEBIAN_XL "/usr/lib/xen-4.17/bin/xl"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char lightxl[PATH_MAX];

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    /* Programs not linked with the simulator get it preloaded. */
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
    snprintf(lightxl, sizeof(lightxl), "%s", subproc_build_path("lightxl"));
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* Run a program with the simulator preloaded; returns its exit status. */
static int run(char **out, char **err, const char *const argv[])
{
    const char *env[] = {preload_env, "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL};
    return subproc_run(out, err, argv, env, 30000);
}

/* The text with every "N.N" at the end of a line replaced by "T". */
static char *mask_times(const char *text)
{
    char *copy = strdup(text), *w = copy;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        size_t keep = n;
        while (keep > 0 && (line[keep - 1] == '.' ||
                            (line[keep - 1] >= '0' && line[keep - 1] <= '9')))
            keep--;
        bool masked = keep < n && memchr(line + keep, '.', n - keep);
        memcpy(w, line, masked ? keep : n);
        w += masked ? keep : n;
        if (masked) *w++ = 'T';
        if (end) *w++ = '\n';
        line = end ? end + 1 : line + n;
    }
    *w = '\0';
    return copy;
}

TEST(list_matches_debian_xl, 150)
{
    int web = simhost_create_domain("web", 512, 2, NULL);
    int db = simhost_create_domain("db-with-a-long-name-for-the-column", 1024, 1, NULL);
    int idle = simhost_create_domain("idle", 128, 4, NULL);
    int crashed = simhost_create_domain("crashed", 64, 1, NULL);
    ck_assert_int_eq(simhost_shutdown_domain(web, "poweroff"), 0);
    ck_assert_int_eq(simhost_crash_domain(crashed), 0);
    char id[16];
    snprintf(id, sizeof(id), "%d", idle);
    ck_assert_int_eq(simhost_cli(NULL, "pause", id, NULL), 0);
    (void)db;

    char *ours = NULL, *theirs = NULL;
    const char *lx[] = {lightxl, "list", NULL};
    const char *xl[] = {DEBIAN_XL, "list", NULL};
    ck_assert_int_eq(run(&ours, NULL, lx), 0);
    ck_assert_int_eq(run(&theirs, NULL, xl), 0);
    char *a = mask_times(ours), *b = mask_times(theirs);
    ck_assert_msg(!strcmp(a, b), "lightxl list:\n%s\nxl list:\n%s", ours, theirs);
    ck_assert_ptr_nonnull(strstr(ours, "---sc-")); /* crashed */
    ck_assert_ptr_nonnull(strstr(ours, "--p---")); /* paused */
    free(a); free(b); free(ours); free(theirs);

    /* One domain by name and by id. */
    const char *by_name[] = {lightxl, "list", "web", NULL};
    ck_assert_int_eq(run(&ours, NULL, by_name), 0);
    ck_assert_ptr_nonnull(strstr(ours, "\nweb "));
    ck_assert_ptr_null(strstr(ours, "Domain-0"));
    free(ours);
}

TEST(list_long_is_dominfo_json, 150)
{
    int web = simhost_create_domain("web", 256, 2, NULL);
    char *out = NULL;
    const char *argv[] = {lightxl, "list", "-l", NULL};
    ck_assert_int_eq(run(&out, NULL, argv), 0);
    ck_assert_msg(out[0] == '[' && strstr(out, "\n]\n"), "%s", out);
    char want[64];
    snprintf(want, sizeof(want), "\"domid\": %d,", web);
    ck_assert_ptr_nonnull(strstr(out, want));
    ck_assert_ptr_nonnull(strstr(out, "\"current_memkb\": 262144,"));
    ck_assert_ptr_nonnull(strstr(out, "\"domain_type\": \"pv\""));
    free(out);
}

TEST(info_prints_the_version, 150)
{
    char *out = NULL;
    const char *argv[] = {lightxl, "info", NULL};
    ck_assert_int_eq(run(&out, NULL, argv), 0);
    ck_assert_ptr_nonnull(strstr(out, "xen_major              : 4\n"));
    ck_assert_ptr_nonnull(strstr(out, "xen_minor              : 17\n"));
    ck_assert_ptr_nonnull(strstr(out, "xen_version            : 4.17"));
    /* the simulated host's resources and scheduler */
    ck_assert_ptr_nonnull(strstr(out, "\ntotal_memory           : 65536\n"));
    ck_assert_ptr_nonnull(strstr(out, "\nxen_scheduler          : credit2\n"));
    free(out);
}

TEST(exit_codes_for_each_failure, 150)
{
    char *err = NULL;
    const char *nodomain[] = {lightxl, "list", "no-such-domain", NULL};
    ck_assert_int_eq(run(NULL, &err, nodomain), 3);
    ck_assert_ptr_nonnull(strstr(err, "no such domain"));
    free(err);

    const char *noid[] = {lightxl, "wait", "31000", NULL};
    ck_assert_int_eq(run(NULL, NULL, noid), 3);

    const char *badcmd[] = {lightxl, "frobnicate", NULL};
    ck_assert_int_eq(run(NULL, NULL, badcmd), 2);
    const char *badopt[] = {lightxl, "list", "--bogus", NULL};
    ck_assert_int_eq(run(NULL, NULL, badopt), 2);
    const char *noargs[] = {lightxl, NULL};
    ck_assert_int_eq(run(NULL, NULL, noargs), 2);

    int dom = simhost_create_domain("stays", 64, 1, NULL);
    char id[16];
    snprintf(id, sizeof(id), "%d", dom);
    const char *timeout[] = {lightxl, "wait", "--timeout", "0.3", id, NULL};
    ck_assert_int_eq(run(NULL, &err, timeout), 4);
    ck_assert_ptr_nonnull(strstr(err, "timed out"));
    free(err);

    /* xenstored unreachable: exit 5 with a clear message. */
    const char *env[] = {preload_env, "XENSTORED_PATH=/nonexistent/socket",
                         "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL};
    const char *list[] = {lightxl, "list", NULL};
    ck_assert_int_eq(subproc_run(NULL, &err, list, env, 30000), 5);
    ck_assert_ptr_nonnull(strstr(err, "cannot reach"));
    free(err);
}

TEST(help_for_the_tool_and_each_command, 150)
{
    const char *cmds[] = {"list", "info", "events", "wait", "pause", "unpause",
                          "shutdown", "reboot", "destroy"};
    char *out = NULL;
    const char *top[] = {lightxl, "--help", NULL};
    ck_assert_int_eq(run(&out, NULL, top), 0);
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        ck_assert_ptr_nonnull(strstr(out, cmds[i]));
    ck_assert_ptr_nonnull(strstr(out, "Exit codes"));
    free(out);
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        const char *one[] = {lightxl, cmds[i], "--help", NULL};
        ck_assert_int_eq(run(&out, NULL, one), 0);
        ck_assert_ptr_nonnull(strstr(out, "Usage: lightxl"));
        free(out);
    }
}

/* Run lightxl with args; return the exit status, output in *out. */
static int lightxl_run(char **out, char **err, const char *a1, const char *a2,
                       const char *a3, const char *a4, const char *a5)
{
    const char *argv[] = {lightxl, a1, a2, a3, a4, a5, NULL};
    return run(out, err, argv);
}

TEST(pause_and_unpause, 150)
{
    int d = simhost_create_domain("pausable", 64, 1, NULL);
    char id[16], *out = NULL;
    snprintf(id, sizeof(id), "%d", d);
    ck_assert_int_eq(lightxl_run(NULL, NULL, "pause", "pausable", NULL, NULL, NULL), 0);
    ck_assert_int_eq(lightxl_run(&out, NULL, "list", id, NULL, NULL, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "--p---"));
    free(out);
    ck_assert_int_eq(lightxl_run(NULL, NULL, "unpause", id, NULL, NULL, NULL), 0);
    ck_assert_int_eq(lightxl_run(&out, NULL, "list", id, NULL, NULL, NULL), 0);
    ck_assert_ptr_null(strstr(out, "--p---"));
    free(out);
    ck_assert_int_eq(lightxl_run(NULL, NULL, "pause", "nosuch", NULL, NULL, NULL), 3);
}

TEST(shutdown_and_reboot_wait, 150)
{
    int a = simhost_create_domain("obeys", 64, 1, "obey");
    int b = simhost_create_domain("reboots", 64, 1, "obey");
    char *out = NULL;
    ck_assert_int_eq(lightxl_run(&out, NULL, "shutdown", "-w", "obeys", NULL, NULL), 0);
    char want[64];
    snprintf(want, sizeof(want), "domain %d has shut down, reason poweroff", a);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    free(out);
    ck_assert_int_eq(lightxl_run(&out, NULL, "reboot", "-w", "reboots", NULL, NULL), 0);
    snprintf(want, sizeof(want), "domain %d has shut down, reason reboot", b);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    free(out);
    ck_assert_int_eq(lightxl_run(&out, NULL, "list", "obeys", NULL, NULL, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "---s--"));
    free(out);
}

TEST(shutdown_of_a_guest_that_ignores_it_times_out, 150)
{
    simhost_create_domain("stubborn", 64, 1, "ignore");
    simhost_create_domain("ackonly", 64, 1, "ack-only");
    char *err = NULL;
    /* No acknowledgement: the request is aborted at the deadline. */
    ck_assert_int_eq(lightxl_run(NULL, &err, "shutdown", "-w", "--timeout", "0.5",
                                 "stubborn"), 4);
    ck_assert_ptr_nonnull(strstr(err, "acknowledge"));
    free(err);
    /* Acknowledged, but the guest never shuts down. */
    ck_assert_int_eq(lightxl_run(NULL, &err, "shutdown", "-w", "--timeout", "0.5",
                                 "ackonly"), 4);
    ck_assert_ptr_nonnull(strstr(err, "timed out waiting for domain"));
    free(err);
}

TEST(destroy_removes_the_domain, 150)
{
    int d = simhost_create_domain("doomed", 64, 1, NULL);
    char id[16], path[64], *out = NULL;
    snprintf(id, sizeof(id), "%d", d);
    ck_assert_int_eq(lightxl_run(NULL, NULL, "destroy", "doomed", NULL, NULL, NULL), 0);
    ck_assert_int_eq(lightxl_run(NULL, NULL, "list", id, NULL, NULL, NULL), 3);
    /* Its xenstore directory went with it. */
    snprintf(path, sizeof(path), "/local/domain/%d", d);
    const char *xsread[] = {"xenstore-read", path, NULL};
    ck_assert_int_ne(run(&out, NULL, xsread), 0);
    free(out);
    ck_assert_int_eq(lightxl_run(NULL, NULL, "destroy", id, NULL, NULL, NULL), 3);
    ck_assert_int_eq(lightxl_run(NULL, NULL, "destroy", "0", NULL, NULL, NULL), 2);
}

/* Start `lightxl events ARGS...` with stdout and stderr to files; returns
 * its pid once it says its watches are in place. */
static pid_t start_events(const char *out_path, const char *err_path,
                          const char *extra)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        freopen(out_path, "w", stdout);
        freopen(err_path, "w", stderr);
        putenv(preload_env);
        putenv("ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0");
        execl(lightxl, lightxl, "events", extra, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) { /* up to 10 s */
        char *text = NULL;
        FILE *f = fopen(err_path, "r");
        size_t cap = 0;
        if (f && getdelim(&text, &cap, '\0', f) > 0 && strstr(text, "watching")) {
            free(text);
            fclose(f);
            return pid;
        }
        free(text);
        if (f) fclose(f);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_abort_msg("lightxl events did not start");
    return -1;
}

/* Wait (bounded) until the file holds at least n lines; return its text. */
static char *wait_lines(const char *path, int n)
{
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(path, "r");
        char *text = NULL;
        size_t cap = 0;
        int lines = 0;
        if (f && getdelim(&text, &cap, '\0', f) > 0)
            for (char *p = text; *p; p++) lines += *p == '\n';
        if (f) fclose(f);
        if (lines >= n) return text;
        free(text);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_abort_msg("expected %d lines in %s", n, path);
    return NULL;
}

static void run_events_script(bool json)
{
    int a = simhost_create_domain("alpha", 64, 1, "obey");
    int b = simhost_create_domain("bravo", 64, 1, NULL);
    int c = simhost_create_domain("charlie", 64, 1, NULL);
    char out_path[PATH_MAX], err_path[PATH_MAX];
    snprintf(out_path, sizeof(out_path), "%s/events.out", simhost_dir(host));
    snprintf(err_path, sizeof(err_path), "%s/events.err", simhost_dir(host));
    pid_t pid = start_events(out_path, err_path, json ? "--json" : NULL);

    /* alpha: asked to reboot and obeys; bravo crashes; charlie is destroyed
     * without shutting down; then alpha and bravo are destroyed. */
    ck_assert_int_eq(simhost_request_shutdown(a, "reboot"), 0);
    char *text = wait_lines(out_path, 1);
    free(text);
    ck_assert_int_eq(simhost_crash_domain(b), 0);
    free(wait_lines(out_path, 2));
    ck_assert_int_eq(simhost_destroy_domain(c), 0);
    free(wait_lines(out_path, 3));
    ck_assert_int_eq(simhost_destroy_domain(a), 0);
    free(wait_lines(out_path, 4));
    ck_assert_int_eq(simhost_destroy_domain(b), 0);
    text = wait_lines(out_path, 5);

    kill(pid, SIGTERM);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    char expect[512];
    if (json)
        snprintf(expect, sizeof(expect),
                 "{\"domid\": %d,\"domuuid\": \"*\",\"type.domain_shutdown\": {\"shutdown_reason\": 1}}\n"
                 "{\"domid\": %d,\"domuuid\": \"*\",\"type.domain_shutdown\": {\"shutdown_reason\": 3}}\n"
                 "{\"domid\": %d,\"domuuid\": \"*\",\"type.domain_death\": {}}\n"
                 "{\"domid\": %d,\"domuuid\": \"*\",\"type.domain_death\": {}}\n"
                 "{\"domid\": %d,\"domuuid\": \"*\",\"type.domain_death\": {}}\n",
                 a, b, c, a, b);
    else
        snprintf(expect, sizeof(expect),
                 "domain %d (alpha): shutdown, reason reboot\n"
                 "domain %d (bravo): shutdown, reason crash\n"
                 "domain %d (charlie): death\n"
                 "domain %d (alpha): death\n"
                 "domain %d (bravo): death\n", a, b, c, a, b);
    /* Compare with the uuids (random) blanked out. */
    char *masked = strdup(text);
    for (char *p = masked; (p = strstr(p, "\"domuuid\": \"")); ) {
        p += strlen("\"domuuid\": \"");
        char *end = strchr(p, '"');
        memmove(p + 1, end, strlen(end) + 1);
        *p = '*';
    }
    ck_assert_msg(!strcmp(masked, expect), "got:\n%s\nwanted:\n%s", masked, expect);
    free(masked);
    free(text);
}

TEST(events_for_a_scripted_sequence, 150)
{
    run_events_script(false);
}

TEST(events_as_json_lines, 150)
{
    run_events_script(true);
}

/* Processes whose command line mentions dir (leftovers of a demo). */
static int processes_mentioning(const char *needle)
{
    int count = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], buf[4096];
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++) if (!buf[i]) buf[i] = ' ';
        buf[n] = '\0';
        if (strstr(buf, needle) && atoi(e->d_name) != getpid() &&
            simhost_pid_running(atoi(e->d_name)))
            count++;
    }
    if (d) closedir(d);
    return count;
}

/* Is pid still a running process of the host in dir? The host's xenstored
 * has XENSTORED_RUNDIR=dir in its environment; a later process given the
 * same pid (this machine runs other tests' xenstoreds) would not. */
static bool host_process_running(pid_t pid, const char *dir)
{
    char path[64], want[PATH_MAX + 32];
    snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
    snprintf(want, sizeof(want), "XENSTORED_RUNDIR=%s", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;           /* gone (or not ours to read: not the demo's) */
    bool found = false;
    char *entry = NULL;
    size_t cap = 0;
    while (!found && getdelim(&entry, &cap, '\0', f) > 0)
        found = !strcmp(entry, want);
    free(entry);
    fclose(f);
    return found && simhost_pid_running(pid);
}

TEST(make_demo_runs_and_leaves_nothing, 150)
{
    char *out = NULL, *err = NULL;
    char build[PATH_MAX];
    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    char build_env[PATH_MAX + 16];
    snprintf(build_env, sizeof(build_env), "BUILD=%s", build);
    /* The demo starts its own host; it must not see ours. */
    const char *argv[] = {"tools/demo", NULL};
    const char *env[] = {build_env, "XENSIM_STATE=", "LD_PRELOAD=",
                         "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL};
    int status = subproc_run(&out, &err, argv, env, 120000);
    ck_assert_msg(status == 0, "demo exited %d\n%s\n%s", status, out, err);
    ck_assert_ptr_nonnull(strstr(out, "domain 1 (web): shutdown, reason poweroff"));
    ck_assert_ptr_nonnull(strstr(out, "domain 2 (db): shutdown, reason crash"));
    ck_assert_ptr_nonnull(strstr(out, "domain 3 (batch): death"));
    ck_assert_ptr_nonnull(strstr(out, "nothing left behind"));

    /* Its host directory is gone and no process of it survives. */
    char *dir = strstr(out, "host directory: ");
    ck_assert_ptr_nonnull(dir);
    dir += strlen("host directory: ");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%.*s", (int)strcspn(dir, " \n"), dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(processes_mentioning(path), 0);
    /* The xenstored it started, by the pid it reported, has stopped by the
     * time the demo returns (it checks for a zombie itself, by start time,
     * and fails if one is left). Not `pgrep -x xenstored`: other tests'
     * hosts may be running theirs. */
    char *xs = strstr(dir, "xenstored pid ");
    ck_assert_ptr_nonnull(xs);
    pid_t xs_pid = (pid_t)atoi(xs + strlen("xenstored pid "));
    ck_assert_int_gt(xs_pid, 0);
    ck_assert_msg(!host_process_running(xs_pid, path),
                  "xenstored (pid %d) of %s is still running after the demo", (int)xs_pid, path);
    free(out);
    free(err);
}
