/*
 * fakeusb.h: the client side of the fake USB sysfs (tests/abi/fakeusb.c),
 * for the PVUSB probes and tests: asking the emulator to settle (every
 * bind/unbind written so far applied) or to start over, and printing the
 * state of the fake tree the way the probes compare it.
 *
 * The emulator serves /sys/bus/usb on a tmpfs mounted over /sys/bus in a
 * private mount namespace. Its drivers' bind and unbind files are FIFOs
 * it reads: a name written to one is applied as the kernel would (the
 * interface's driver link and the driver's entry made or removed) as soon
 * as the emulator reads it. FAKEUSB_CTL takes one command a line; the
 * emulator answers on FAKEUSB_REPLY once the command is done:
 *   sync             apply everything written to the control files so far
 *   reset            the tree as it was at start, usbback loaded
 *   reset-nousbback  the same without the usbback driver
 *   quit
 * Writes to a control file cannot fail (a FIFO takes anything): a name the
 * kernel would refuse is logged by the emulator and ignored.
 */
#ifndef FAKEUSB_H
#define FAKEUSB_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAKEUSB_ROOT "/sys/bus/usb"
#define FAKEUSB_CTL "/sys/bus/fakeusb-ctl"
#define FAKEUSB_REPLY "/sys/bus/fakeusb-reply"

/* Sends cmd and waits for the emulator's answer: 0, or -1. */
static inline int fakeusb_command(const char *cmd)
{
    char line[64], answer[16];
    int fd = open(FAKEUSB_CTL, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) return -1;
    snprintf(line, sizeof(line), "%s\n", cmd);
    n = write(fd, line, strlen(line));
    close(fd);
    if (n != (ssize_t)strlen(line)) return -1;
    /* The reply FIFO may still have the writer of the answer before (it
     * wrote and is closing): that open meets an end of file at once, and
     * the next one the answer to this command. */
    for (int tries = 0; tries < 100; tries++) {
        fd = open(FAKEUSB_REPLY, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return -1;
        n = read(fd, answer, sizeof(answer) - 1);
        close(fd);
        if (n) return n >= 2 && !strncmp(answer, "ok", 2) ? 0 : -1;
    }
    return -1;
}

static inline int fakeusb_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir but ".", ".." and the skipped one, sorted; a
 * malloc'ed NULL-terminated array of malloc'ed names. */
static inline char **fakeusb_names(const char *dir, const char *skip1,
                                   const char *skip2)
{
    DIR *d = opendir(dir);
    char **names = calloc(1, sizeof(*names));
    size_t n = 0;
    struct dirent *de;

    if (!d || !names) {
        if (d) closedir(d);
        return names;
    }
    while ((de = readdir(d))) {
        char **bigger;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
            (skip1 && !strcmp(de->d_name, skip1)) ||
            (skip2 && !strcmp(de->d_name, skip2)))
            continue;
        bigger = realloc(names, (n + 2) * sizeof(*names));
        if (!bigger) break;
        names = bigger;
        names[n++] = strdup(de->d_name);
        names[n] = NULL;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), fakeusb_cmp);
    return names;
}

static inline void fakeusb_free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++) free(names[i]);
    free(names);
}

/* Settles the emulator, then prints the tree: each driver and what it
 * has bound, then each interface's driver link. */
static inline void fakeusb_print_state(FILE *out)
{
    char **drivers, **devs;

    if (fakeusb_command("sync"))
        fprintf(out, "  sysfs: the emulator did not answer\n");
    drivers = fakeusb_names(FAKEUSB_ROOT "/drivers", NULL, NULL);
    for (size_t i = 0; drivers && drivers[i]; i++) {
        char path[512];
        char **bound;

        snprintf(path, sizeof(path), FAKEUSB_ROOT "/drivers/%s", drivers[i]);
        bound = fakeusb_names(path, "bind", "unbind");
        fprintf(out, "  sysfs driver %s:", drivers[i]);
        for (size_t j = 0; bound && bound[j]; j++)
            fprintf(out, " %s", bound[j]);
        fprintf(out, "\n");
        fakeusb_free_names(bound);
    }
    devs = fakeusb_names(FAKEUSB_ROOT "/devices", NULL, NULL);
    for (size_t i = 0; devs && devs[i]; i++) {
        char path[512], target[512];
        ssize_t n;

        if (!strchr(devs[i], ':')) continue;
        snprintf(path, sizeof(path), FAKEUSB_ROOT "/devices/%s/driver",
                 devs[i]);
        n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = 0;
        fprintf(out, "  sysfs %s -> %s\n", devs[i], n > 0 ? target : "(none)");
    }
    fakeusb_free_names(drivers);
    fakeusb_free_names(devs);
}

#endif
