#ifndef PCOCC_HOST_SYSTEM_H
#define PCOCC_HOST_SYSTEM_H

/* prctl(2) is variadic, which Swift cannot call. PR_SET_PDEATHSIG makes the kernel send a signal when the
   thread that created this process (e.g. slurmstepd for a job step) dies. Returns prctl's result. */
int pcocc_set_parent_death_signal(int signal_number);

#endif
