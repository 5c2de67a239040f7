/* fuzz-aborts.c: a fuzz target that aborts on any input beginning with '!', for checking
 * that run-fuzzer.sh reports a crash as a failure. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == '!')
		abort();
	return 0;
}
