#ifndef PCOCC_CLIBVIRT_SHIM_H
#define PCOCC_CLIBVIRT_SHIM_H
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <sys/prctl.h>

/* prctl(2) is variadic, which Swift cannot call. The VM step uses it to get SIGTERM when the
   process that started it (srun's step daemon) dies, so its VM never outlives the job step. */
static inline int pcocc_set_parent_death_signal(int signal_number) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal_number, 0UL, 0UL, 0UL);
}
#endif
