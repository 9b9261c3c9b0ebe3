/*
 * Console commands for the hyp's memory calls (vmcmd.c).
 */
#ifndef VMM_VMCMD_H
#define VMM_VMCMD_H

void cmd_vm(int argc, char **argv);
void cmd_frames(int argc, char **argv);
void cmd_page(int argc, char **argv);

#endif /* VMM_VMCMD_H */
