/*
 * ops/tmem.c: the transcendent-memory calls libxl 4.17 still exports
 * (libxenctrl 4.17 has no tmem interface left). Placeholders for now; no
 * state, nothing of another family.
 */
#include "ops/not_implemented.h"

