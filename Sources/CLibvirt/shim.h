#ifndef PCOCC_CLIBVIRT_SHIM_H
#define PCOCC_CLIBVIRT_SHIM_H
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#endif
