/*
 * fdprobe.h: which file descriptors a child process inherits. A test takes
 * a baseline of the descriptors it expects children to see, starts
 * children the ways an application does (fork, posix_spawn, vfork) that
 * list their own /proc/self/fd, and looks at every descriptor that is not
 * in the baseline: anything the library had open at that moment and
 * failed to keep out of the child. Thread-safe, except the baseline,
 * which is taken before any thread starts children.
 */
#ifndef FDPROBE_H
#define FDPROBE_H

enum fdprobe_method { FDPROBE_FORK, FDPROBE_SPAWN, FDPROBE_VFORK,
                      FDPROBE_METHODS };

/* "fork", "posix_spawn", "vfork". */
extern const char *const fdprobe_method_name[FDPROBE_METHODS];

/* The target of fd's /proc/self/fd link (malloc'ed), or NULL if closed. */
char *fdprobe_target(int fd);

/* Record every descriptor open now: children may see these. */
void fdprobe_take_baseline(void);

/* Start a child by method m that lists its descriptors; wait for it and
 * return the listing (malloc'ed; fails the test if the child fails). */
char *fdprobe_child_listing(enum fdprobe_method m);

/* Call fn for each descriptor in listing (modified in place) that is
 * neither 0-2, nor the child's own /proc listing, nor in the baseline
 * with the same target; line is the whole listing line. Returns how many
 * there were. */
typedef void fdprobe_fn(const char *line, const char *target, void *arg);
int fdprobe_new_fds(char *listing, fdprobe_fn *fn, void *arg);

#endif
