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

/* The build directory the tests were built in ($BUILD_DIR, else "build"),
 * joined with name; the result is static storage, valid until next call. */
const char *subproc_build_path(const char *name);

#endif
