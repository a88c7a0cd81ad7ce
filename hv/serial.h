/* 16550 UART driver for the hypervisor's own console. */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/* Programs the UART at `port` for 115200 8N1; false if nothing answers there. */
bool serial_init(uint16_t port);
void serial_putc(char c);
/* Returns -1 when no character is waiting. */
int serial_getc(void);

#endif
