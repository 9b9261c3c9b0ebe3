/*
 * The control protocol's requests about VMs and images (ctl/requests.c),
 * decoded and answered for the server (ctl/server.c), which reads the
 * frames and sends the replies.
 *
 * Each takes the request and fills the reply's payload: it returns 0 with
 * rep->len bytes to send, or a negative CTL_E_* code with rep->payload
 * holding the message (rep->len bytes), or CTL_LATER: the request is
 * answered later (vm_end_answer), when what it asked for has happened.
 */
#ifndef VMM_CTLREQ_H
#define VMM_CTLREQ_H

#include <ctl/proto.h>
#include <vmm/vm.h>

#define CTL_LATER 1

/** Fills rep with message msg; returns -err (err a CTL_E_* code). */
int ctl_fail(struct ctl_frame *rep, int err, const char *msg);
/** The VM the request's payload names, not ended, in *out; 0 or -CTL_E_*. */
int ctl_req_vm(const struct ctl_frame *req, struct ctl_frame *rep, struct vm **out);

/** CTL_LIST: a record of every VM. */
int ctl_list(const struct ctl_frame *req, struct ctl_frame *rep);
/** CTL_CREATE: a VM from the configuration in the payload. */
int ctl_create(const struct ctl_frame *req, struct ctl_frame *rep);
/** CTL_START, CTL_STOP, CTL_DESTROY of the VM named. */
int ctl_life(const struct ctl_frame *req, struct ctl_frame *rep);
/** CTL_INFO: the VM named, its vCPUs and devices. */
int ctl_info(const struct ctl_frame *req, struct ctl_frame *rep);
/** CTL_STATS: free memory and the frames of each owner. */
int ctl_stats(const struct ctl_frame *req, struct ctl_frame *rep);
/** CTL_IMAGES: the uploaded images, then the bundle's files. */
int ctl_images(const struct ctl_frame *req, struct ctl_frame *rep);
/** CTL_UPLOAD_BEGIN, CTL_UPLOAD_DATA, CTL_UPLOAD_END: an image, in order. */
int ctl_upload(const struct ctl_frame *req, struct ctl_frame *rep);
/** CTL_DISK_SAVE: "vm\0image". */
int ctl_disk_save(const struct ctl_frame *req, struct ctl_frame *rep);
/** CTL_SHUTDOWN, CTL_REBOOT: u32 timeout, then the VM's name; answered when it ends. */
int ctl_end(const struct ctl_frame *req, struct ctl_frame *rep);

#endif /* VMM_CTLREQ_H */
