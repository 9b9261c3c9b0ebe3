/*
 * Insertion sort of a small array (benchmark medians).
 */
#include <lib/lib.h>

void sort_u64(u64 *a, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		u64 v = a[i];
		u32 j = i;

		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}
