// The stable libzstd API: streaming compression (ZSTD_compressStream2) and decompression
// (ZSTD_decompressStream), the parameters they take, and error reporting.
#include <zstd.h>
#include <zstd_errors.h>
