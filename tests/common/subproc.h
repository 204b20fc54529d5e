/*
 * subproc.h: run a program from a test and capture what it prints, with a
 * hard deadline (the child is killed when it passes), for tests that drive
 * command-line tools or probe programs as subprocesses.
 */
#ifndef SUBPROC_H
#define SUBPROC_H

/*
 * Run argv[0] (searched in PATH) with argv, the current environment plus
 * the NULL-terminated "NAME=value" list extra_env (may be NULL). Standard
 * output goes to *out and standard error to *err (either may be NULL to
 * discard; each is NUL-terminated and must be freed). Returns the exit
 * status (0-255), 128+signal if it was killed by a signal, or -1 if it
 * could not be run or passed timeout_ms (then it is killed).
 */
int subproc_run(char **out, char **err, const char *const argv[],
                const char *const extra_env[], int timeout_ms);

/*
 * Fills argv with the prefix that runs a program inside a private mount
 * namespace whose /var/lib/xen, /var/run/xen and /var/log/xen are under
 * dir (tests/common/private-xen-dirs), the NULL-terminated "NAME=value"
 * list env going through env(1) to that program alone: the wrapper's own
 * programs (sh, unshare, mount) get none of it, since a sanitizer's
 * runtime preloaded into them crashes them. The caller appends the
 * program and its arguments and passes no extra environment to
 * subproc_run. argv needs room for 3 + the number of env entries; returns
 * how many it filled. The strings stay the caller's (the wrapper's path is
 * static storage).
 */
int subproc_private_xen_dirs(const char *argv[], const char *dir,
                             const char *const env[]);

/* The build directory the tests were built in ($BUILD_DIR, else "build"),
 * joined with name; the result is static storage, valid until next call. */
const char *subproc_build_path(const char *name);

#endif
