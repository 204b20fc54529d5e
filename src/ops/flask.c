/*
 * ops/flask.c: the XSM/FLASK security module's calls. Placeholders for
 * now; no state, nothing of another family.
 */
#include "ops/not_implemented.h"

