#ifndef FLATTEN_CLIBPQ_SHIM_H
#define FLATTEN_CLIBPQ_SHIM_H
// pkg-config (libpq.pc) supplies the include directory, so no distribution's path is hard-coded.
#include <libpq-fe.h>
#endif
