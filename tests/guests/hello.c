/* hello: prints through the emulated PL011. */
#include "lib/guest.h"

void guest_main(void)
{
	puts("hello from a protected VM\n");
	result("hello", true, "console works");
}
