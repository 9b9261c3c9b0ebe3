/*
 * Console commands of the VM life cycle (vmshell.c).
 */
#ifndef VMM_VMSHELL_H
#define VMM_VMSHELL_H

void cmd_guest(int argc, char **argv);
void cmd_create(int argc, char **argv);
void cmd_start(int argc, char **argv);
void cmd_stop(int argc, char **argv);
void cmd_run(int argc, char **argv);
void cmd_list(int argc, char **argv);
void cmd_info(int argc, char **argv);
void cmd_console(int argc, char **argv);
void cmd_destroy(int argc, char **argv);
void cmd_probe(int argc, char **argv);
void cmd_memset_bench(int argc, char **argv);
void cmd_disk_save(int argc, char **argv);

#endif /* VMM_VMSHELL_H */
