/*
 * Sizes shared by the VMM's assembly and C.
 */
#ifndef VMM_LAYOUT_H
#define VMM_LAYOUT_H

/* Stack of the VMM's single thread. */
#define VMM_STACK_SIZE 0x4000

#endif /* VMM_LAYOUT_H */
