/* Port I/O from guests: the devices the hypervisor emulates, and string I/O. */
#ifndef HV_IO_H
#define HV_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hvm.h"

struct vcpu;

enum io_result {
	IO_DONE, /* carried out (*val holds what an IN reads) */
	IO_WAIT, /* forwarded to a service domain: the vCPU waits, the
		  * instruction runs again once answered (hv/ioreq.c) */
};

/* One port access by the guest, to whichever device claims the port: the
 * hypervisor's own devices first, then the routes to a service domain. */
enum io_result io_port_access(struct vcpu *v, uint16_t port, unsigned size, bool in,
			      uint32_t *val);

/* Carries out the I/O instruction behind `exit` and moves RIP past it
 * (string instructions may take several exits, like the hardware). */
void io_handle_exit(struct vcpu *v, const struct vm_exit *exit);

#endif
