#include "CRooflineFuzz.h"

// libFuzzer's entry for programs that keep their own main (libFuzzer >= 11). Weak, so that the ordinary build,
// which does not link libFuzzer, sees a null address.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size))
    __attribute__((weak));

int roofline_fuzz_has_driver(void) { return LLVMFuzzerRunDriver != 0; }

int roofline_fuzz_run_driver(int *argc, char ***argv, roofline_fuzz_callback callback) {
  if (!LLVMFuzzerRunDriver) return -1;
  return LLVMFuzzerRunDriver(argc, argv, callback);
}
