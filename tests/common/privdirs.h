/*
 * privdirs.h: the calling process (a test, in its own process) gets a
 * private mount namespace in which /var/lib/xen, /var/run/xen and
 * /var/log/xen are directories of its own, so a library under test may
 * store domain configurations and locks there without touching the
 * machine's. The in-process twin of tests/common/private-xen-dirs.
 */
#ifndef PRIVDIRS_H
#define PRIVDIRS_H

#include <stdbool.h>

/* Makes dir/{lib,run,log} and mounts them there. True on success; false
 * when the namespace cannot be had (not root): the caller skips. Fails
 * the test on any other error. */
bool privdirs_enter(const char *dir);

#endif
