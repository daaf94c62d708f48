/* fuzz_int32.c - libFuzzer target for the 32-bit length-prefixed receiver; see fuzz_common.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(FZ_INT32, data, size);
}
