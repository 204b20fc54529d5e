/* Fixture for the API-rules lint: an ao function without the marker. */
#include <libxl.h>
int libxl_fixture_unmarked_op(libxl_ctx *ctx, const libxl_asyncop_how *ao_how);
