#ifndef CROOFLINE_FUZZ_H
#define CROOFLINE_FUZZ_H
#include <stddef.h>
#include <stdint.h>

typedef int (*roofline_fuzz_callback)(const uint8_t *data, size_t size);

/// Runs libFuzzer's driver (`LLVMFuzzerRunDriver`) with these arguments and callback when the program was linked
/// with `-sanitize=fuzzer`, and returns its result; returns -1 at once when it was not (the ordinary build).
int roofline_fuzz_run_driver(int *argc, char ***argv, roofline_fuzz_callback callback);

/// 1 when libFuzzer is linked in.
int roofline_fuzz_has_driver(void);
#endif
