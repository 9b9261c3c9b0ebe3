/*
 * The VMM server's image, linked into the hyp as its root server. The hyp
 * copies it into VMM-owned memory at boot (core/host.c).
 */
	.section .vmm_image, "a"
	.balign 16
	.incbin VMM_BIN
